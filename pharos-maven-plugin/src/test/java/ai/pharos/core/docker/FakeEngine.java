package ai.pharos.core.docker;

import ai.pharos.core.PharosException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/** A small in-memory engine for unit tests of the core: images by reference, and a record of what was asked. */
class FakeEngine implements Engine {
    final Map<String, ImageInfo> images = new HashMap<>();
    final List<BuildRequest> builds = new ArrayList<>();
    final List<RunSpec> runs = new ArrayList<>();
    final List<String> imports = new ArrayList<>();
    boolean registryReachable;
    int runExitCode;
    long lastContextBytes;
    private int counter;

    @Override
    public Endpoint endpoint() {
        return new Endpoint("unix:///fake.sock", "test", false, null);
    }

    @Override
    public EngineVersion version() {
        return new EngineVersion("99.0", "1.47", "linux", "amd64");
    }

    @Override
    public Optional<ImageInfo> inspectImage(String reference) {
        return Optional.ofNullable(images.get(reference));
    }

    ImageInfo add(String reference, Map<String, String> labels) {
        ImageInfo info = new ImageInfo("sha256:" + String.format("%064d", ++counter), List.of(reference), labels,
                List.of(), List.of(), List.of(), null, null, "amd64", 1);
        images.put(reference, info);
        return info;
    }

    @Override
    public String build(BuildRequest request, InputStream contextTar, Consumer<String> log) throws PharosException {
        try {
            lastContextBytes = contextTar.readAllBytes().length;
        } catch (IOException e) {
            throw new PharosException(e.getMessage(), null, null, e);
        }
        builds.add(request);
        log.accept("Step 1/1 : FROM base");
        ImageInfo info = add(request.tags().get(0), request.labels());
        for (String tag : request.tags()) {
            images.put(tag, info);
        }
        return info.id();
    }

    @Override
    public String importImage(Path rootfsTar, String reference, Map<String, String> labels,
                              java.time.Instant created, Consumer<String> log) {
        imports.add(reference);
        return add(reference, Map.of()).id();
    }

    @Override
    public boolean pull(String reference, Consumer<String> log) {
        if (registryReachable) {
            add(reference, Map.of());
        }
        return registryReachable;
    }

    @Override
    public void saveImage(String reference, Path target, LongConsumer received) {
        throw new UnsupportedOperationException();
    }

    @Override
    public int run(RunSpec spec, Consumer<String> stdout, Consumer<String> stderr) {
        runs.add(spec);
        stdout.accept("ran " + String.join(" ", spec.command()));
        return runExitCode;
    }

    @Override
    public void close() {
    }
}
