package ai.pharos.it;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** pharos:build-image against the real engine: the context the engine receives, and "up to date". */
class BuildImageIT {

    @BeforeAll
    static void engine() {
        assumeTrue(Docker.available(), "no Docker engine answers: start one (see .ci/run)");
    }

    @Test
    void contextTheEngineReceivesIsTheFileSetThePluginComputed() throws Exception {
        Path project = MavenRun.copy("context", "t");
        Path ctx = project.resolve("src/main/docker");
        write(ctx, "keep.log", "kept by an exception");
        write(ctx, "app.log", "ignored");
        write(ctx, "sub/deep/x.log", "ignored at depth");
        write(ctx, "src/app.c", "int main(void){return 0;}");
        write(ctx, "build/out.o", "ignored: /build is anchored");
        write(ctx, "src/build/kept.txt", "kept: only the top-level build is ignored");
        write(ctx, "docs/guide.md", "kept");
        write(ctx, "docs/a/b/draft-1.md", "ignored by docs/**/draft*");
        write(ctx, "docs/draft-top.md", "ignored: ** matches zero directories");
        write(ctx, "secret/key.pem", "ignored");
        write(ctx, "secret/public.txt", "re-included inside an excluded directory");
        write(ctx, "x.tmp", "ignored");
        String longName = "l".repeat(60) + "/" + "n".repeat(59) + ".txt"; // a 120-character path
        write(ctx, longName, "long path");
        write(ctx, "données/é-ü.txt", "non-ASCII");
        Path run = write(ctx, "bin/run.sh", "#!/bin/sh\necho hi\n");
        Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createSymbolicLink(ctx.resolve("link-to-app"), Path.of("src/app.c"));

        MavenRun.Result r = MavenRun.run(project, List.of("package"), Map.of(), Map.of());
        assertEquals(0, r.exitCode(), r.log());

        String image = "pharos-it/context:latest";
        Docker.Out listing = Docker.cli("run", "--rm", "--network", "host", image, "cat", "/listing.txt");
        assertEquals(0, listing.code(), listing.stdout());
        List<String> inImage = listing.stdout().lines().toList();
        List<String> computed = Files.readAllLines(project.resolve("target/pharos/images/context.copy.txt"),
                StandardCharsets.UTF_8);
        assertEquals(computed, inImage, "the files COPY saw in the image differ from the plugin's computed set");

        for (String kept : List.of("keep.log", "src/app.c", "src/build/kept.txt", "docs/guide.md",
                "secret/public.txt", longName, "données/é-ü.txt", "bin/run.sh", "link-to-app")) {
            assertTrue(inImage.contains(kept), kept + " should be in the context: " + inImage);
        }
        for (String dropped : List.of("app.log", "sub/deep/x.log", "build/out.o", "docs/a/b/draft-1.md",
                "docs/draft-top.md", "secret/key.pem", "x.tmp", "Dockerfile", ".dockerignore")) {
            assertFalse(inImage.contains(dropped), dropped + " should have been ignored: " + inImage);
        }
        Docker.Out mode = Docker.cli("run", "--rm", "--network", "host", image, "stat", "-c", "%a %F",
                "/ctx/bin/run.sh", "/ctx/link-to-app");
        assertEquals("755 regular file\n777 symbolic link\n", mode.stdout());
        Docker.removeImage(image);
    }

    @Test
    void secondBuildIsUpToDateAndAnyInputChangeRebuilds() throws Exception {
        Path project = MavenRun.copy("uptodate", "t");
        String image = "pharos-it/uptodate:latest";
        Docker.removeImage(image);

        MavenRun.Result first = MavenRun.run(project, List.of("package"), Map.of(), Map.of());
        assertEquals(0, first.exitCode(), first.log());
        assertTrue(first.log().contains("Step 1/"), "first run must build");

        MavenRun.Result second = MavenRun.run(project, List.of("package"), Map.of(), Map.of());
        assertEquals(0, second.exitCode(), second.log());
        assertTrue(second.log().contains("Image " + image + " is up to date"), second.log());
        assertFalse(second.log().contains("Step 1/"), "second run must not build");

        Files.writeString(project.resolve("src/main/docker/hello.txt"), "hello, changed\n");
        MavenRun.Result third = MavenRun.run(project, List.of("package"), Map.of(), Map.of());
        assertEquals(0, third.exitCode(), third.log());
        assertTrue(third.log().contains("(inputs changed)") && third.log().contains("Step 1/"), third.log());
        assertEquals("hello, changed\n", Docker.cli("run", "--rm", "--network", "host", image, "cat", "/hello.txt").stdout());

        MavenRun.Result fourth = MavenRun.run(project, List.of("package"), Map.of("pharos.build.args", "FLAVOUR=gpu"),
                Map.of());
        assertEquals(0, fourth.exitCode(), fourth.log());
        assertTrue(fourth.log().contains("Step 1/"), "a build arg change alone must rebuild:\n" + fourth.log());
        assertEquals("gpu\n", Docker.cli("run", "--rm", "--network", "host", image, "cat", "/flavour").stdout());

        MavenRun.Result fifth = MavenRun.run(project, List.of("package"), Map.of("pharos.build.args", "FLAVOUR=gpu"),
                Map.of());
        assertTrue(fifth.log().contains("is up to date"), fifth.log());

        String id = Docker.cli("image", "inspect", "-f", "{{.Id}}", image).stdout().strip();
        assertTrue(Files.readString(project.resolve("target/pharos/images/uptodate.json")).contains(id),
                "the image id is recorded in target/pharos/images/uptodate.json");
        Docker.removeImage(image);
    }

    static Path write(Path root, String relative, String content) throws Exception {
        Path p = root.resolve(relative);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
        return p;
    }
}
