package ai.pharos.core.docker;

import ai.pharos.core.PharosException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * Decides which Docker engine to talk to, the way the docker CLI does, and remembers why:
 * {@code -Dpharos.docker.host} first, then {@code DOCKER_HOST}, then the docker context ({@code DOCKER_CONTEXT} or
 * {@code currentContext} in {@code $DOCKER_CONFIG/config.json}), then {@code unix:///var/run/docker.sock}.
 * TLS follows {@code DOCKER_TLS_VERIFY} / {@code DOCKER_CERT_PATH} (or the context's TLS material).
 */
public final class EndpointResolver {
    public static final String DEFAULT_HOST = "unix:///var/run/docker.sock";
    public static final String OPTION = "pharos.docker.host";

    private final Map<String, String> env;
    private final Path home;

    public EndpointResolver(Map<String, String> env, Path home) {
        this.env = env;
        this.home = home;
    }

    /** Resolve with the process environment and the user's home directory. */
    public static Endpoint resolveDefault(String explicitHost) throws PharosException {
        return new EndpointResolver(System.getenv(), Path.of(System.getProperty("user.home"))).resolve(explicitHost);
    }

    public Endpoint resolve(String explicitHost) throws PharosException {
        boolean tls = isTrue(env.get("DOCKER_TLS_VERIFY"));
        String certPath = env.get("DOCKER_CERT_PATH");
        if (tls && (certPath == null || certPath.isBlank())) {
            certPath = configDir().toString();
        }
        if (explicitHost != null && !explicitHost.isBlank()) {
            return new Endpoint(check(explicitHost.strip(), "-D" + OPTION), "-D" + OPTION, tls, tls ? certPath : null);
        }
        String dockerHost = env.get("DOCKER_HOST");
        if (dockerHost != null && !dockerHost.isBlank()) {
            return new Endpoint(check(dockerHost.strip(), "DOCKER_HOST"), "DOCKER_HOST", tls, tls ? certPath : null);
        }
        String context = env.get("DOCKER_CONTEXT");
        String contextSource = "DOCKER_CONTEXT";
        if (context == null || context.isBlank()) {
            context = currentContextFromConfig();
            contextSource = "currentContext in " + configDir().resolve("config.json");
        }
        if (context != null && !context.isBlank() && !"default".equals(context)) {
            return fromContext(context, contextSource);
        }
        return new Endpoint(DEFAULT_HOST, "default", tls, tls ? certPath : null);
    }

    private Endpoint fromContext(String name, String source) throws PharosException {
        String id = sha256(name);
        Path meta = configDir().resolve("contexts").resolve("meta").resolve(id).resolve("meta.json");
        if (!Files.isRegularFile(meta)) {
            throw new PharosException("Docker context '" + name + "' (from " + source + ") does not exist: no " + meta,
                    OPTION, "Create it with 'docker context create', switch with 'docker context use default', "
                    + "or set the engine URL explicitly.");
        }
        try {
            JsonNode docker = new ObjectMapper().readTree(meta.toFile()).path("Endpoints").path("docker");
            String host = docker.path("Host").asText(null);
            if (host == null || host.isBlank()) {
                throw new PharosException("Docker context '" + name + "' has no docker endpoint in " + meta, OPTION,
                        "Fix the context with 'docker context update' or set the engine URL explicitly.");
            }
            Path tlsDir = configDir().resolve("contexts").resolve("tls").resolve(id).resolve("docker");
            boolean tls = Files.isRegularFile(tlsDir.resolve("ca.pem")) && !docker.path("SkipTLSVerify").asBoolean(false);
            return new Endpoint(check(host, "docker context '" + name + "'"),
                    "docker context '" + name + "' (" + source + ")", tls, tls ? tlsDir.toString() : null);
        } catch (IOException e) {
            throw new PharosException("Cannot read docker context '" + name + "' at " + meta + ": " + e.getMessage(),
                    OPTION, "Fix or remove the context, or set the engine URL explicitly.", e);
        }
    }

    private String currentContextFromConfig() {
        Path config = configDir().resolve("config.json");
        if (!Files.isRegularFile(config)) {
            return null;
        }
        try {
            return new ObjectMapper().readTree(config.toFile()).path("currentContext").asText(null);
        } catch (IOException e) {
            return null; // the docker CLI also ignores an unreadable config for endpoint selection
        }
    }

    private Path configDir() {
        String dir = env.get("DOCKER_CONFIG");
        return dir != null && !dir.isBlank() ? Path.of(dir) : home.resolve(".docker");
    }

    private static String check(String host, String source) throws PharosException {
        if (!host.matches("^(unix|tcp|npipe|ssh)://.*")) {
            throw new PharosException("Docker engine URL '" + host + "' (from " + source + ") is not a URL docker-java "
                    + "understands", OPTION, "Use unix:///path/to/docker.sock or tcp://host:port.");
        }
        if (host.startsWith("ssh://")) {
            throw new PharosException("Docker engine URL '" + host + "' (from " + source + ") uses ssh://, which the "
                    + "plugin does not support", OPTION,
                    "Forward the remote socket (ssh -L /tmp/docker.sock:/var/run/docker.sock host) and use "
                    + "unix:///tmp/docker.sock.");
        }
        return host;
    }

    private static boolean isTrue(String v) {
        return v != null && !v.isBlank() && !"0".equals(v) && !"false".equalsIgnoreCase(v);
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
