package ai.pharos.core.docker;

import ai.pharos.core.PharosException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EndpointResolverTest {
    @TempDir
    Path home;

    @Test
    void propertyWinsOverEnvironmentWhichWinsOverDefault() throws Exception {
        Map<String, String> env = Map.of("DOCKER_HOST", "tcp://127.0.0.1:2375");
        assertEquals(new Endpoint("unix:///x.sock", "-Dpharos.docker.host", false, null),
                new EndpointResolver(env, home).resolve("unix:///x.sock"));
        assertEquals(new Endpoint("tcp://127.0.0.1:2375", "DOCKER_HOST", false, null),
                new EndpointResolver(env, home).resolve(null));
        assertEquals(new Endpoint(EndpointResolver.DEFAULT_HOST, "default", false, null),
                new EndpointResolver(Map.of(), home).resolve(""));
    }

    @Test
    void tlsFollowsDockerTlsVerifyAndCertPath() throws Exception {
        Endpoint e = new EndpointResolver(Map.of("DOCKER_HOST", "tcp://127.0.0.1:2376", "DOCKER_TLS_VERIFY", "1",
                "DOCKER_CERT_PATH", "/certs"), home).resolve(null);
        assertTrue(e.tlsVerify());
        assertEquals("/certs", e.certPath());
        Endpoint defaultCerts = new EndpointResolver(Map.of("DOCKER_HOST", "tcp://127.0.0.1:2376",
                "DOCKER_TLS_VERIFY", "1"), home).resolve(null);
        assertEquals(home.resolve(".docker").toString(), defaultCerts.certPath());
    }

    @Test
    void currentDockerContextIsHonoured() throws Exception {
        Path docker = Files.createDirectories(home.resolve(".docker"));
        Files.writeString(docker.resolve("config.json"), "{\"currentContext\":\"lab\"}");
        String id = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest("lab".getBytes(StandardCharsets.UTF_8)));
        Path meta = Files.createDirectories(docker.resolve("contexts/meta/" + id));
        Files.writeString(meta.resolve("meta.json"),
                "{\"Name\":\"lab\",\"Endpoints\":{\"docker\":{\"Host\":\"unix:///run/lab.sock\",\"SkipTLSVerify\":false}}}");
        Endpoint e = new EndpointResolver(Map.of(), home).resolve(null);
        assertEquals("unix:///run/lab.sock", e.host());
        assertTrue(e.source().startsWith("docker context 'lab'"), e.source());
        // DOCKER_CONTEXT=default goes back to the default socket
        assertEquals(EndpointResolver.DEFAULT_HOST,
                new EndpointResolver(Map.of("DOCKER_CONTEXT", "default"), home).resolve(null).host());
    }

    @Test
    void aMissingContextOrABadUrlIsOneActionableError() {
        PharosException missing = assertThrows(PharosException.class,
                () -> new EndpointResolver(Map.of("DOCKER_CONTEXT", "gone"), home).resolve(null));
        assertTrue(missing.getMessage().contains("Docker context 'gone' (from DOCKER_CONTEXT) does not exist"),
                missing.getMessage());
        PharosException bad = assertThrows(PharosException.class,
                () -> new EndpointResolver(Map.of("DOCKER_HOST", "localhost:2375"), home).resolve(null));
        assertEquals("pharos.docker.host", bad.option());
        assertTrue(bad.getMessage().contains("(from DOCKER_HOST)"), bad.getMessage());
    }

    @Test
    void unreachableEngineIsReportedWithEndpointAndSource() {
        PharosException e = assertThrows(PharosException.class, () -> DockerJavaEngine.connect(
                new Endpoint("unix:///nonexistent.sock", "DOCKER_HOST", false, null), ai.pharos.core.Console.SILENT));
        assertTrue(e.getMessage().startsWith("Cannot reach the Docker engine at unix:///nonexistent.sock (from DOCKER_HOST)"),
                e.getMessage());
        assertEquals("pharos.docker.host", e.option());
    }
}
