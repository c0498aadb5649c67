package ai.pharos.core.docker;

import ai.pharos.core.PharosException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageBuildTest {
    @TempDir
    Path tmp;

    private final FakeEngine engine = new FakeEngine();
    private final RecordingConsole console = new RecordingConsole();

    private ImageBuild.Spec spec(Path ctx, Map<String, String> args, ImageBuild.PullPolicy pull) {
        return new ImageBuild.Spec("app", ctx, null, List.of("pharos/app:latest", "pharos/app:1.0"), args, Map.of(),
                null, "host", pull, false);
    }

    private Path context() throws Exception {
        Path ctx = Files.createDirectories(tmp.resolve("ctx"));
        Files.writeString(ctx.resolve("Dockerfile"), "ARG BASE=debian:trixie\nFROM ${BASE} AS build\nFROM build\nCOPY a /a\n");
        Files.writeString(ctx.resolve("a"), "one");
        return ctx;
    }

    @Test
    void secondBuildIsUpToDateAndEveryInputChangeRebuilds() throws Exception {
        Path ctx = context();
        engine.add("debian:trixie", Map.of());
        ImageBuild build = new ImageBuild(engine, console, tmp.resolve("target"), Instant.ofEpochSecond(1));

        assertTrue(build.build(spec(ctx, Map.of(), ImageBuild.PullPolicy.MISSING)).built());
        assertEquals(1, engine.builds.size());
        assertTrue(engine.builds.get(0).labels().get(ImageBuild.FINGERPRINT_LABEL).startsWith("sha256:"));

        ImageBuild.Result again = build.build(spec(ctx, Map.of(), ImageBuild.PullPolicy.MISSING));
        assertFalse(again.built());
        assertEquals(1, engine.builds.size());
        assertTrue(console.all().contains("Image pharos/app:latest is up to date"), console.all());

        Files.writeString(ctx.resolve("a"), "two");
        assertTrue(build.build(spec(ctx, Map.of(), ImageBuild.PullPolicy.MISSING)).built(), "content change");

        assertTrue(build.build(spec(ctx, Map.of("X", "1"), ImageBuild.PullPolicy.MISSING)).built(), "build arg only");
        assertFalse(build.build(spec(ctx, Map.of("X", "1"), ImageBuild.PullPolicy.MISSING)).built());

        engine.add("debian:trixie", Map.of()); // a new base image id
        assertTrue(build.build(spec(ctx, Map.of("X", "1"), ImageBuild.PullPolicy.MISSING)).built(), "base image");
        assertEquals(4, engine.builds.size());

        BuiltImage record = BuiltImage.readAll(tmp.resolve("target"), Set.of()).get(0);
        assertEquals(engine.images.get("pharos/app:latest").id(), record.id());
        assertEquals(List.of("pharos/app:latest", "pharos/app:1.0"), record.tags());
        assertFalse(Files.exists(tmp.resolve("target/pharos/images/app.context.tar")), "context tar is not kept");
    }

    @Test
    void aMissingSecondTagRebuilds() throws Exception {
        Path ctx = context();
        engine.add("debian:trixie", Map.of());
        ImageBuild build = new ImageBuild(engine, console, tmp.resolve("target"), Instant.ofEpochSecond(1));
        build.build(spec(ctx, Map.of(), ImageBuild.PullPolicy.MISSING));
        engine.images.remove("pharos/app:1.0");
        assertTrue(build.build(spec(ctx, Map.of(), ImageBuild.PullPolicy.MISSING)).built());
    }

    @Test
    void pullNeverFailsBeforeBuildingWhenABaseImageIsMissing() throws Exception {
        Path ctx = context();
        ImageBuild build = new ImageBuild(engine, console, tmp.resolve("target"), Instant.ofEpochSecond(1));
        PharosException e = assertThrows(PharosException.class,
                () -> build.build(spec(ctx, Map.of(), ImageBuild.PullPolicy.NEVER)));
        assertEquals("pharos.build.pull", e.option());
        assertTrue(e.getMessage().contains("debian:trixie"), e.getMessage());
        assertTrue(engine.builds.isEmpty());
    }

    @Test
    void discoverFindsImageDirectoriesAndRejectsUnknownNames() throws Exception {
        Path images = tmp.resolve("images");
        for (String n : List.of("b", "a")) {
            Files.createDirectories(images.resolve(n));
            Files.writeString(images.resolve(n).resolve("Dockerfile"), "FROM x\n");
        }
        Files.createDirectories(images.resolve("not-an-image"));
        assertEquals(List.of(images.resolve("a"), images.resolve("b")), ImageBuild.discover(images, Set.of()));
        assertEquals(List.of(images.resolve("b")), ImageBuild.discover(images, Set.of("b")));
        PharosException e = assertThrows(PharosException.class, () -> ImageBuild.discover(images, Set.of("c")));
        assertEquals("pharos.containers", e.option());
        assertTrue(e.getMessage().contains("found: a, b"), e.getMessage());
    }

    @Test
    void baseImagesAfterArgSubstitutionWithoutStagesOrScratch() {
        String df = "# syntax\nARG BASE=debian:trixie\nARG TAG\nFROM --platform=linux/amd64 ${BASE} AS builder\n"
                + "RUN make\nFROM builder AS test\nFROM scratch\nFROM \\\n  registry.local/tools:${TAG:-1}\n";
        assertEquals(List.of("debian:trixie", "registry.local/tools:"), Dockerfiles.baseImages(df, Map.of()));
        assertEquals(List.of("mirror/debian:13", "registry.local/tools:2"),
                Dockerfiles.baseImages(df, Map.of("BASE", "mirror/debian:13", "TAG", "2")));
    }
}
