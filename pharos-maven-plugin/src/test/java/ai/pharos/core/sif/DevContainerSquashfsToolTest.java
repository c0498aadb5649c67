package ai.pharos.core.sif;

import ai.pharos.core.Console;
import ai.pharos.core.PharosException;
import ai.pharos.core.ToolFailedException;
import ai.pharos.core.docker.DevContainer;
import ai.pharos.core.docker.DockerJavaEngine;
import ai.pharos.core.docker.Engine;
import ai.pharos.core.sif.SquashfsListing.Item;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static ai.pharos.core.sif.TestImage.layer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * mksquashfs in the dev container (the fallback for hosts without squashfs-tools ≥ 4.5), against the real engine and
 * the real dev image: the tar is streamed through the attach stream, the SIF is written into the mounted directory
 * by the invoking uid, and the squashfs keeps the tar's owners and modes. Skipped without an engine or dev image.
 */
class DevContainerSquashfsToolTest {

    static Engine engine;

    @TempDir
    Path tmp;

    @BeforeAll
    static void engine() {
        try {
            engine = DockerJavaEngine.connect((String) null, Console.SILENT);
            engine.version();
        } catch (PharosException | RuntimeException e) {
            Assumptions.abort("no Docker engine: " + e.getMessage());
        }
        try {
            Assumptions.assumeTrue(engine.inspectImage(DevContainer.DEFAULT_IMAGE).isPresent(),
                    "the dev container image " + DevContainer.DEFAULT_IMAGE + " is not in the engine (build dev-container)");
        } catch (PharosException e) {
            Assumptions.abort("cannot inspect " + DevContainer.DEFAULT_IMAGE + ": " + e.getMessage());
        }
    }

    @AfterAll
    static void close() {
        if (engine != null) {
            engine.close();
        }
    }

    private Path writable(String name) throws Exception {
        Path d = Files.createDirectories(tmp.resolve(name));
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxrwxrwx"));
        return d;
    }

    @Test
    void convertsThroughTheDevContainerAsTheInvokingUserKeepingOwnersAndModes() throws Exception {
        Path out = writable("out");
        Path archive = TestImage.classic(tmp.resolve("img.tar"), TestImage.DEFAULT_CONFIG,
                layer(l -> l.dir("etc").file("etc/motd", "hello from the dev container\n")
                        .dir("opt", 0750, 1000, 1001).file("opt/tool", "#!/bin/sh\n", 04755, 1000, 1001)
                        .file("big", "x".repeat(3 << 20)).dir("gone").file("gone/x", "x")),
                layer(l -> l.whiteout(".wh.gone").hardlink("etc/motd.link", "etc/motd")));
        SifConverterTest.Recording console = new SifConverterTest.Recording();
        DevContainerSquashfsTool tool = new DevContainerSquashfsTool(engine, console, DevContainer.DEFAULT_IMAGE, out,
                4242, 4343);
        SquashfsTool chosen = SquashfsTools.select(SquashfsTools.Where.AUTO, Optional.empty(), () -> tool, console);
        assertTrue(console.lines.contains("Using " + tool.describe()), console.lines.toString());
        assertTrue(tool.describe().matches("mksquashfs 4\\.\\d+(\\.\\d+)? in the dev container pharos-dev:latest"),
                tool.describe());

        SifConverter.Result r = new SifConverter(console, chosen).convert(
                ImageSource.archive(archive, "test/img:1", "sha256:dd"), SifConverter.Options.of(out, "dev"));

        assertEquals(4242, Files.getAttribute(r.sif(), "unix:uid"), "the SIF belongs to the uid mksquashfs ran as");
        SifConverterTest.assertSiftoolAccepts(r.sif(), "test/img:1");
        Assumptions.assumeTrue(ai.pharos.core.process.ProcessRunner.which("unsquashfs").isPresent(),
                "unsquashfs not on the PATH: listing not checked");
        Map<String, Item> listing = SquashfsListing.ofSif(r.sif());
        assertEquals(new Item("-", "rwsr-xr-x", "1000/1001", "10", null), listing.get("/opt/tool"));
        assertEquals(new Item("d", "rwxr-x---", "1000/1001", "", null),
                new Item("d", listing.get("/opt").mode(), listing.get("/opt").owner(), "", null));
        assertEquals("29", listing.get("/etc/motd.link").size());
        assertEquals(Integer.toString(3 << 20), listing.get("/big").size());
        assertTrue(!listing.containsKey("/gone") && listing.containsKey("/.singularity.d/runscript"), listing.keySet()
                .toString());
        String motd = String.join("\n", SifConverterTest.run("unsquashfs", "-o",
                Long.toString(SquashfsListing.primaryPartitionOffset(r.sif())), "-cat", r.sif().toString(), "etc/motd"));
        assertEquals("hello from the dev container", motd);
    }

    @Test
    void aFailingMksquashfsInTheContainerFailsWithItsExitCodeAndMessage() throws Exception {
        Path out = writable("bad");
        DevContainerSquashfsTool tool = new DevContainerSquashfsTool(engine, Console.SILENT, DevContainer.DEFAULT_IMAGE,
                out);
        ToolFailedException e = assertThrows(ToolFailedException.class, () -> Mksquashfs.build(tool,
                out.resolve("x.sqfs"), 0, Mksquashfs.Compression.GZIP, null, 10,
                (o, p) -> o.write("this is not a tar archive, not even close".repeat(100)
                        .getBytes(StandardCharsets.UTF_8)), Console.SILENT));
        assertTrue(e.getMessage().startsWith("mksquashfs failed with exit code "), e.getMessage());
        assertTrue(e.getMessage().toLowerCase(java.util.Locale.ROOT).contains("tar"), e.getMessage());
    }

    @Test
    void anInterruptedConversionRemovesTheContainerAndLeavesNoSif() throws Exception {
        Path out = writable("interrupted");
        byte[] random = new byte[32 << 20];
        new java.util.Random(7).nextBytes(random);
        Path archive = TestImage.classic(tmp.resolve("big.tar"), TestImage.DEFAULT_CONFIG, layer(l -> {
            for (int i = 0; i < 4; i++) {
                l.file("data/blob" + i, random);
            }
        }));
        SifConverterTest.Watching tool = new SifConverterTest.Watching(new DevContainerSquashfsTool(engine,
                Console.SILENT, DevContainer.DEFAULT_IMAGE, out));
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                new SifConverter(Console.SILENT, tool).convert(ImageSource.archive(archive, "big:1", "sha256:b"),
                        SifConverter.Options.of(out, "big").withCompression(Mksquashfs.Compression.XZ));
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.start();
        for (int i = 0; i < 600 && mksquashfsContainers(out).isEmpty(); i++) {
            Thread.sleep(100);
        }
        assertEquals(1, mksquashfsContainers(out).size(), "mksquashfs never ran in a container");
        Thread.sleep(500);
        t.interrupt();
        t.join(60_000);
        assertTrue(!t.isAlive(), "the conversion did not stop");
        assertTrue(failure.get() instanceof PharosException && failure.get().getMessage().contains("interrupted"),
                String.valueOf(failure.get()));
        assertTrue(tool.process.get().waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "the run did not end");
        assertEquals(List.of(), mksquashfsContainers(out), "the container was not removed");
        try (var files = Files.list(out)) {
            assertEquals(List.of(), files.map(p -> p.getFileName().toString()).toList(), "left in " + out);
        }
    }

    /** Ids of the containers running mksquashfs into {@code out} (docker CLI: independent of the engine code). */
    private static List<String> mksquashfsContainers(Path out) throws Exception {
        Assumptions.assumeTrue(ai.pharos.core.process.ProcessRunner.which("docker").isPresent(), "no docker CLI");
        List<String> ids = new java.util.ArrayList<>();
        for (String line : SifConverterTest.run("docker", "ps", "-a", "--no-trunc", "--filter",
                "label=ai.pharos.run=true", "--format", "{{.ID}} {{.Command}}")) {
            if (line.contains("mksquashfs") && line.contains(out.toString())) {
                ids.add(line.substring(0, line.indexOf(' ')));
            }
        }
        return ids;
    }

    @Test
    void aMissingDevImageIsAnActionableError() {
        DevContainerSquashfsTool tool = new DevContainerSquashfsTool(engine, Console.SILENT, "sif2-no-such-image:0",
                tmp);
        PharosException e = assertThrows(PharosException.class, tool::version);
        assertEquals("pharos.dev.image", e.option());
        assertTrue(e.getMessage().contains("sif2-no-such-image:0"), e.getMessage());
    }
}
