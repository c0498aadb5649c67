package ai.pharos.core.docker;

import ai.pharos.core.PharosException;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/** A scripted {@link Engine} for container-test unit tests: images to inspect, and a handler answering each container run (it may write output, throw, or block). */
final class ScriptedEngine implements Engine {

    /** Answers one container run: write lines to out/err, return the exit code. */
    @FunctionalInterface
    interface Runner {
        int run(RunSpec spec, Consumer<String> out, Consumer<String> err) throws Exception;
    }

    final Map<String, ImageInfo> images = new HashMap<>();
    final List<RunSpec> runs = new ArrayList<>();
    Runner runner = (spec, out, err) -> 0;

    @Override
    public Endpoint endpoint() {
        return new Endpoint("unix:///fake.sock", "test", false, null);
    }

    @Override
    public EngineVersion version() {
        return new EngineVersion("0", "1.41", "linux", "amd64");
    }

    @Override
    public Optional<ImageInfo> inspectImage(String reference) {
        return Optional.ofNullable(images.get(reference));
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
        synchronized (runs) {
            runs.add(spec);
        }
        try {
            return runner.run(spec, stdout, stderr);
        } catch (PharosException | RuntimeException e) {
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PharosException("interrupted", null, null, e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
    }
}
