package ai.pharos.core.docker;

import ai.pharos.core.PharosException;
import ai.pharos.core.process.ProcessRunner;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * A minimal {@link Engine} over the {@code docker} CLI, for tests that need a real engine: image inspection and
 * container runs only. Containers get a unique name and are removed with {@code docker rm -f} whatever happens.
 */
final class DockerCliEngine implements Engine {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Whether a docker CLI is on the PATH and its engine answers; the reason when not. */
    static Optional<String> unavailable() {
        if (ProcessRunner.which("docker").isEmpty()) {
            return Optional.of("no docker CLI on the PATH");
        }
        try {
            List<String> err = new ArrayList<>();
            ProcessRunner.Result r = ProcessRunner.run(List.of("docker", "version", "--format", "{{.Server.Version}}"),
                    null, null, l -> { }, err::add);
            return r.ok() ? Optional.empty() : Optional.of("docker engine not reachable: " + String.join(" ", err));
        } catch (PharosException e) {
            return Optional.of(e.getMessage());
        }
    }

    /** Run the docker CLI; fail the test with its stderr when it fails. */
    static List<String> docker(List<String> args, Consumer<String> log) throws PharosException {
        List<String> command = new ArrayList<>(List.of("docker"));
        command.addAll(args);
        List<String> out = new ArrayList<>();
        ProcessRunner.Result r = ProcessRunner.run(command, null, null, line -> {
            out.add(line);
            log.accept(line);
        }, log);
        if (!r.ok()) {
            throw new PharosException(String.join(" ", command) + " exited " + r.exitCode() + ": "
                    + String.join(" | ", r.stderrTail()), null, null);
        }
        return out;
    }

    @Override
    public Endpoint endpoint() {
        return new Endpoint("docker CLI", "test", false, null);
    }

    @Override
    public EngineVersion version() throws PharosException {
        String v = docker(List.of("version", "--format", "{{.Server.Version}} {{.Server.APIVersion}}"), l -> { })
                .get(0);
        String[] p = v.split(" ");
        return new EngineVersion(p[0], p[1], "linux", "amd64");
    }

    @Override
    public Optional<ImageInfo> inspectImage(String reference) throws PharosException {
        List<String> out = new ArrayList<>();
        ProcessRunner.Result r = ProcessRunner.run(List.of("docker", "image", "inspect", "--format", "{{json .}}",
                reference), null, null, out::add, l -> { });
        if (!r.ok()) {
            return Optional.empty();
        }
        try {
            JsonNode n = JSON.readTree(String.join("\n", out));
            JsonNode c = n.path("Config");
            Map<String, String> labels = new LinkedHashMap<>();
            c.path("Labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
            List<String> tags = new ArrayList<>();
            n.path("RepoTags").forEach(t -> tags.add(t.asText()));
            return Optional.of(new ImageInfo(n.path("Id").asText(), tags, labels, strings(c.path("Env")),
                    strings(c.path("Entrypoint")), strings(c.path("Cmd")), c.path("WorkingDir").asText(""),
                    c.path("User").asText(""), n.path("Architecture").asText(), n.path("Size").asLong()));
        } catch (java.io.IOException e) {
            throw new PharosException("cannot parse docker image inspect: " + e.getMessage(), null, null, e);
        }
    }

    private static List<String> strings(JsonNode array) {
        List<String> l = new ArrayList<>();
        array.forEach(s -> l.add(s.asText()));
        return l;
    }

    @Override
    public int run(RunSpec spec, Consumer<String> stdout, Consumer<String> stderr) throws PharosException {
        String name = "images-test-" + UUID.randomUUID();
        List<String> command = new ArrayList<>(List.of("docker", "run", "--name", name, "--init"));
        if (spec.networkMode() != null) {
            command.add("--network=" + spec.networkMode());
        }
        spec.env().forEach((k, v) -> command.add("--env=" + k + "=" + v));
        List<String> args = new ArrayList<>();
        if (spec.entrypoint() != null) {
            command.add("--entrypoint=" + (spec.entrypoint().isEmpty() ? "" : spec.entrypoint().get(0)));
            if (spec.entrypoint().size() > 1) {
                args.addAll(spec.entrypoint().subList(1, spec.entrypoint().size()));
            }
        }
        if (spec.user() != null) {
            command.add("--user=" + spec.user());
        }
        if (spec.workingDir() != null) {
            command.add("--workdir=" + spec.workingDir());
        }
        command.add(spec.image());
        args.addAll(spec.command());
        command.addAll(args);
        try {
            ProcessRunner.Result r = ProcessRunner.run(command, null, null, stdout, stderr);
            if (r.exitCode() == 125 || r.exitCode() == 126 || r.exitCode() == 127) {
                // the CLI's own failures (cannot create / start the container): the API engine throws for these
                String why = String.join(" ", r.stderrTail());
                if (why.contains("docker: Error response from daemon")) {
                    throw new PharosException("Docker could not run " + spec.image() + ": " + why, null, null);
                }
            }
            return r.exitCode();
        } finally {
            boolean interrupted = Thread.interrupted();
            ProcessRunner.run(List.of("docker", "rm", "-f", name), null, null, l -> { }, l -> { });
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String build(BuildRequest request, InputStream contextTar, Consumer<String> log) {
        throw new UnsupportedOperationException("builds use the docker CLI directly in tests");
    }

    @Override
    public String importImage(InputStream rootfsTar, String reference, Consumer<String> log) {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean pull(String reference, Consumer<String> log) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void saveImage(String reference, Path target) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void close() {
    }
}
