package ai.pharos.core.deb;

import ai.pharos.core.PharosException;
import ai.pharos.core.docker.BuildRequest;
import ai.pharos.core.docker.Endpoint;
import ai.pharos.core.docker.Engine;
import ai.pharos.core.docker.EngineVersion;
import ai.pharos.core.docker.ImageInfo;
import ai.pharos.core.docker.RunSpec;
import ai.pharos.core.process.ProcessRunner;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * Test-only {@link Engine} over the {@code docker} CLI: just {@link #inspectImage} and {@link #run}, which is all the
 * BeeGFS build uses. Counts runs so tests can assert "no container was started".
 */
class DockerCliEngine implements Engine {
    final AtomicInteger runs = new AtomicInteger();

    static boolean available() {
        if (ProcessRunner.which("docker").isEmpty()) {
            return false;
        }
        try {
            return ProcessRunner.run(List.of("docker", "version", "--format", "{{.Server.Version}}"), null, Map.of(),
                    l -> { }, l -> { }).ok();
        } catch (PharosException e) {
            return false;
        }
    }

    static boolean hasImage(String image) {
        try {
            return ProcessRunner.run(List.of("docker", "image", "inspect", image), null, Map.of(), l -> { },
                    l -> { }).ok();
        } catch (PharosException e) {
            return false;
        }
    }

    @Override
    public Endpoint endpoint() {
        return new Endpoint("unix:///var/run/docker.sock", "docker CLI", false, null);
    }

    @Override
    public EngineVersion version() {
        throw new UnsupportedOperationException();
    }

    @Override
    public Optional<ImageInfo> inspectImage(String reference) throws PharosException {
        List<String> out = new ArrayList<>();
        var r = ProcessRunner.run(List.of("docker", "image", "inspect", "--format", "{{.Id}}", reference), null,
                Map.of(), out::add, l -> { });
        if (!r.ok() || out.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new ImageInfo(out.get(0).strip(), List.of(reference), Map.of(), List.of(), List.of(),
                List.of(), null, null, "amd64", 0));
    }

    @Override
    public String build(BuildRequest request, InputStream contextTar, Consumer<String> log) {
        throw new UnsupportedOperationException();
    }

    @Override
    public String importImage(java.nio.file.Path rootfsTar, String reference, java.util.Map<String, String> labels,
                              java.time.Instant created, Consumer<String> log) {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean pull(String reference, Consumer<String> log) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void saveImage(String reference, Path target, LongConsumer received) {
        throw new UnsupportedOperationException();
    }

    @Override
    public int run(RunSpec spec, Consumer<String> stdout, Consumer<String> stderr) throws PharosException {
        runs.incrementAndGet();
        List<String> cmd = new ArrayList<>(List.of("docker", "run", "--rm"));
        if (spec.networkMode() != null) {
            cmd.add("--network=" + spec.networkMode());
        }
        if (spec.user() != null) {
            cmd.add("--user=" + spec.user());
        }
        if (spec.workingDir() != null) {
            cmd.add("--workdir=" + spec.workingDir());
        }
        spec.env().forEach((k, v) -> cmd.add("--env=" + k + "=" + v));
        for (RunSpec.Bind b : spec.binds()) {
            cmd.add("--volume=" + b.hostPath() + ":" + b.containerPath() + (b.readOnly() ? ":ro" : ""));
        }
        if (spec.entrypoint() != null && !spec.entrypoint().isEmpty()) {
            cmd.add("--entrypoint=" + spec.entrypoint().get(0));
            if (spec.entrypoint().size() > 1) {
                throw new UnsupportedOperationException("multi-word entrypoint");
            }
        }
        cmd.add(spec.image());
        cmd.addAll(spec.command());
        return ProcessRunner.run(cmd, null, Map.of(), stdout, stderr).exitCode();
    }

    @Override
    public void close() {
    }
}
