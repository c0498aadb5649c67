package ai.pharos.core.sif;

import ai.pharos.core.Console;
import ai.pharos.core.PharosException;
import ai.pharos.core.ToolFailedException;
import ai.pharos.core.process.ProcessRunner;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongConsumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static ai.pharos.core.sif.TestImage.layer;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** End-to-end conversions of crafted archives with the host's mksquashfs (skipped without it). */
class SifConverterTest {

    @TempDir
    Path tmp;

    private HostSquashfsTool mksquashfs;

    /** Records what the converter logs. */
    static final class Recording implements Console {
        final List<String> lines = new ArrayList<>();

        @Override public synchronized void debug(String m) { }
        @Override public synchronized void info(String m) { lines.add(m); }
        @Override public synchronized void warn(String m) { lines.add("WARN " + m); }
        @Override public boolean isDebugEnabled() { return false; }
    }

    @BeforeEach
    void tools() {
        mksquashfs = HostSquashfsTool.find().orElse(null);
        Assumptions.assumeTrue(mksquashfs != null, "mksquashfs (squashfs-tools >= 4.5) not on the PATH");
    }

    static List<String> run(String... cmd) throws Exception {
        List<String> out = new ArrayList<>();
        ProcessRunner.Result r = ProcessRunner.run(List.of(cmd), null, Map.of(), out::add, out::add);
        assertEquals(0, r.exitCode(), String.join(" ", cmd) + " failed: " + out);
        return out;
    }

    static long partitionOffset(Path sif) throws IOException {
        return SquashfsListing.primaryPartitionOffset(sif);
    }

    static List<String> unsquashfsListing(Path sif) throws Exception {
        Assumptions.assumeTrue(ProcessRunner.which("unsquashfs").isPresent(), "unsquashfs not on the PATH");
        return run("unsquashfs", "-o", Long.toString(partitionOffset(sif)), "-lln", "-d", "", sif.toString());
    }

    private Path image() throws IOException {
        return TestImage.classic(tmp.resolve("img.tar"), TestImage.config("[\"/bin/echo\"]", "[\"hello\"]",
                        "[\"PATH=/usr/local/bin:/usr/bin:/bin\",\"GREETING=hi there\"]", "{\"org.example.v\":\"1\"}"),
                layer(l -> l.dir("etc").file("etc/hosts", "127.0.0.1 x", 0600, 0, 0).file("etc/motd", "motd")
                        .dir("opt", 0750, 1000, 1001).file("opt/tool", "#!/bin/sh\n", 04755, 1000, 1001)
                        .dir("gone").file("gone/x", "x")),
                layer(l -> l.whiteout(".wh.gone").dir("etc").hardlink("etc/motd.link", "etc/motd")));
    }

    private SifConverter.Options options(Path out) {
        return SifConverter.Options.of(out, "test");
    }

    /** An engine-like source: silent while "preparing" (no bytes), then sends the archive in slow chunks. */
    private static ImageSource slowSource(Path archive) {
        return new ImageSource() {
            @Override public String imageId() { return "sha256:cc"; }
            @Override public String reference() { return "test/img:1"; }
            @Override public long expectedBytes() throws PharosException {
                try {
                    return Files.size(archive);
                } catch (IOException e) {
                    throw new PharosException(e.getMessage(), null, null, e);
                }
            }
            @Override public void saveTo(Path target, LongConsumer received) {
                try {
                    Thread.sleep(600);
                    byte[] all = Files.readAllBytes(archive);
                    try (OutputStream out = Files.newOutputStream(target)) {
                        for (int off = 0; off < all.length; off += all.length / 4 + 1) {
                            int n = Math.min(all.length / 4 + 1, all.length - off);
                            out.write(all, off, n);
                            received.accept(off + n);
                            Thread.sleep(150);
                        }
                    }
                } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }
        };
    }

    @Test
    void theSaveIsReportedWhileTheEngineIsSilentAndWhileTheArchiveArrives() throws Exception {
        Path archive = image();
        Recording console = new Recording();
        new SifConverter(console, mksquashfs, 100).convert(slowSource(archive), options(tmp.resolve("s")));
        String size = Pattern.quote(Mksquashfs.human(Files.size(archive)));
        // the save's lines in order: the header (H), waiting while the engine sends nothing (W), bytes received of the
        // expected size (R), the closing line (S); then the conversion's own lines
        StringBuilder kinds = new StringBuilder();
        for (String line : console.lines) {
            kinds.append(line.matches("Saving image test/img:1 \\(cc, ~" + size + "\\)") ? 'H'
                    : line.matches("Saving: waiting for the engine to start sending the archive, \\ds") ? 'W'
                    : line.matches("Saving: received .+ of ~" + size + ", \\ds") ? 'R'
                    : line.matches("Saved " + size + " in \\ds") ? 'S' : '.');
        }
        assertTrue(kinds.toString().matches("HW+R+S[.]+"), kinds + ": " + console.lines);
        assertTrue(console.lines.get(console.lines.size() - 1).startsWith("Wrote "), console.lines.toString());
    }

    @Test
    void reproducibleConversionsAreByteIdenticalAndCarryTheExpectedObjects() throws Exception {
        Path archive = image();
        Recording console = new Recording();
        SifConverter converter = new SifConverter(console, mksquashfs);
        SifConverter.Result a = converter.convert(ImageSource.archive(archive, "test/img:1", "sha256:aa"),
                options(tmp.resolve("a")));
        SifConverter.Result b = converter.convert(ImageSource.archive(archive, "test/img:1", "sha256:aa"),
                options(tmp.resolve("b")));
        assertFalse(a.upToDate());
        assertEquals("amd64", a.arch());
        assertArrayEquals(Files.readAllBytes(a.sif()), Files.readAllBytes(b.sif()), "two reproducible SIFs differ");
        byte[] head = Arrays.copyOf(Files.readAllBytes(a.sif()), 128);
        assertEquals("#!/usr/bin/env run-singularity\n", new String(head, 0, 31, StandardCharsets.US_ASCII));
        assertArrayEquals(new byte[16], Arrays.copyOfRange(head, 48, 64), "nil UUID");

        List<String> listing = unsquashfsListing(a.sif());
        assertTrue(listing.get(0).startsWith("drwxr-xr-x 0/0 "), "root 755 root-owned: " + listing.get(0));
        String all = String.join("\n", listing);
        assertTrue(all.contains("-rwsr-xr-x 1000/1001") && all.contains("/opt/tool"), all);
        assertTrue(all.contains("drwxr-x--- 1000/1001") && all.contains("/opt\n"), all);
        assertFalse(all.contains("/gone"), all);
        assertTrue(listing.stream().anyMatch(s -> s.matches("-rw-r--r-- 0/0 +0 .* /etc/hosts")), all);
        for (String p : List.of("/.singularity.d/runscript", "/.singularity.d/env/10-docker2singularity.sh",
                "/.singularity.d/labels.json", "/.singularity.d/actions/run", "/singularity -> .singularity.d/runscript",
                "/dev", "/proc", "/sys", "/tmp", "/var/tmp", "/home", "/root", "/etc/resolv.conf")) {
            assertTrue(all.contains(p), p + " missing in " + all);
        }

        assertSiftoolAccepts(a.sif(), "test/img:1");
    }

    /**
     * {@code siftool header|list|info|dump} accept the SIF, and {@code list} shows deffile, two generic JSON objects
     * and the squashfs primary partition, all in group 1.
     */
    static void assertSiftoolAccepts(Path sif, String reference) throws Exception {
        Assumptions.assumeTrue(ProcessRunner.which("siftool").isPresent(), "siftool not on the PATH");
        for (String cmd : List.of("header", "list")) {
            assertFalse(run("siftool", cmd, sif.toString()).isEmpty(), "siftool " + cmd + " printed nothing");
        }
        for (String id : List.of("1", "2", "3", "4")) {
            assertFalse(run("siftool", "info", id, sif.toString()).isEmpty());
            run("siftool", "dump", id, sif.toString());
        }
        String list = String.join("\n", run("siftool", "list", sif.toString()));
        int deffileEnd = 32176 + ("bootstrap: docker-daemon\nfrom: " + reference + "\n\n").length();
        assertTrue(list.matches("(?s).*1 +\\|1 +\\|NONE +\\|32176-" + deffileEnd + " +\\|Def.FILE.*"), list);
        assertTrue(list.matches("(?s).*2 +\\|1 +\\|NONE +\\|.*\\|JSON.Generic.*3 +\\|1 +\\|NONE +\\|.*\\|JSON.Generic.*"),
                list);
        assertTrue(list.matches("(?s).*4 +\\|1 +\\|NONE +\\|\\d+-\\d+ +\\|FS \\(Squashfs/\\*System/amd64\\).*"), list);
        assertEquals(4, list.lines().filter(l -> l.matches("^\\d+ +\\|.*")).count(), list);
        String dump = String.join("\n", run("siftool", "dump", "2", sif.toString()));
        assertTrue(dump.contains("\"type\":\"container\""), dump);
        assertEquals(List.of("bootstrap: docker-daemon", "from: " + reference),
                run("siftool", "dump", "1", sif.toString()).subList(0, 2));
    }

    @Test
    void upToDateWhenImageAndOptionsUnchanged() throws Exception {
        Path archive = image();
        Recording console = new Recording();
        SifConverter converter = new SifConverter(console, mksquashfs);
        Path out = tmp.resolve("u");
        SifConverter.Result first = converter.convert(ImageSource.archive(archive, "test/img:1", "sha256:aa"),
                options(out));
        long mtime = Files.getLastModifiedTime(first.sif()).toMillis();
        SifConverter.Result second = converter.convert(ImageSource.archive(archive, "test/img:1", "sha256:aa"),
                options(out));
        assertTrue(second.upToDate());
        assertTrue(console.lines.stream().anyMatch(l -> l.contains("test.sif is up to date")), console.lines.toString());
        assertEquals(mtime, Files.getLastModifiedTime(second.sif()).toMillis());
        SifConverter.Result other = converter.convert(ImageSource.archive(archive, "test/img:1", "sha256:aa"),
                options(out).withCompression(Mksquashfs.Compression.LZ4));
        assertFalse(other.upToDate(), "compression change converts again");
        SifConverter.Result newImage = converter.convert(ImageSource.archive(archive, "test/img:1", "sha256:bb"),
                options(out).withCompression(Mksquashfs.Compression.LZ4));
        assertFalse(newImage.upToDate(), "new image id converts again");
        try (Stream<Path> files = Files.list(out)) {
            assertEquals(List.of("test.sif", "test.sif.json"), files.map(p -> p.getFileName().toString()).sorted()
                    .toList());
        }
    }

    private void assertNoSifLeft(Path out) throws IOException {
        if (!Files.exists(out)) {
            return;
        }
        try (Stream<Path> files = Files.list(out)) {
            List<String> names = files.map(p -> p.getFileName().toString()).toList();
            assertTrue(names.isEmpty(), "left behind: " + names);
        }
    }

    @Test
    void escapingLayersAreRefusedAndNoSifIsWritten() throws Exception {
        Path dotdot = TestImage.classic(tmp.resolve("dotdot.tar"), TestImage.DEFAULT_CONFIG,
                layer(l -> l.dir("etc").file("../escape", "x")));
        Path link = TestImage.classic(tmp.resolve("link.tar"), TestImage.DEFAULT_CONFIG,
                layer(l -> l.dir("etc")), layer(l -> l.hardlink("etc/shadow", "../../etc/shadow")));
        SifConverter converter = new SifConverter(new Recording(), mksquashfs);
        Path out = tmp.resolve("refused");
        PharosException e1 = assertThrows(PharosException.class,
                () -> converter.convert(ImageSource.archive(dotdot, "x:1", "sha256:1"), options(out)));
        assertEquals("Layer layer0/layer.tar entry '../escape' escapes the image root ('..')", e1.getMessage());
        PharosException e2 = assertThrows(PharosException.class,
                () -> converter.convert(ImageSource.archive(link, "x:1", "sha256:2"), options(out)));
        assertEquals("Layer layer1/layer.tar entry 'etc/shadow -> ../../etc/shadow' escapes the image root ('..')",
                e2.getMessage());
        assertNoSifLeft(out);
    }

    /** A tool that remembers the process it started. */
    static final class Watching implements SquashfsTool {
        final SquashfsTool delegate;
        final AtomicReference<Process> process = new AtomicReference<>();

        Watching(SquashfsTool delegate) {
            this.delegate = delegate;
        }

        @Override public String version() throws PharosException { return delegate.version(); }
        @Override public Process start(List<String> a, Map<String, String> env) throws PharosException {
            Process p = delegate.start(a, env);
            process.set(p);
            return p;
        }
        @Override public String describe() { return delegate.describe(); }
    }

    private Path bigImage() throws IOException {
        byte[] random = new byte[48 << 20];
        new Random(42).nextBytes(random);
        return TestImage.classic(tmp.resolve("big.tar"), TestImage.DEFAULT_CONFIG,
                layer(l -> {
                    for (int i = 0; i < 8; i++) {
                        l.file("data/blob" + i, random);
                    }
                }));
    }

    private static void awaitProcess(Watching tool) throws InterruptedException {
        for (int i = 0; i < 600 && (tool.process.get() == null || !tool.process.get().isAlive()); i++) {
            Thread.sleep(50);
        }
        assertNotNull(tool.process.get(), "mksquashfs never started");
        Thread.sleep(300);
    }

    @Test
    void interruptedConversionLeavesNoSifAndKillsMksquashfs() throws Exception {
        Path archive = bigImage();
        Watching tool = new Watching(mksquashfs);
        Path out = tmp.resolve("interrupted");
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                new SifConverter(new Recording(), tool).convert(ImageSource.archive(archive, "big:1", "sha256:b"),
                        options(out).withCompression(Mksquashfs.Compression.XZ));
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.start();
        awaitProcess(tool);
        t.interrupt();
        t.join(60_000);
        assertFalse(t.isAlive());
        assertInstanceOf(PharosException.class, failure.get());
        assertTrue(failure.get().getMessage().contains("interrupted"), failure.get().getMessage());
        assertTrue(tool.process.get().waitFor(10, java.util.concurrent.TimeUnit.SECONDS), "mksquashfs still runs");
        assertNoSifLeft(out);
    }

    @Test
    void killedMksquashfsFailsTheConversionAndLeavesNoSif() throws Exception {
        Path archive = bigImage();
        Watching tool = new Watching(mksquashfs);
        Path out = tmp.resolve("killed");
        Thread killer = new Thread(() -> {
            try {
                awaitProcess(tool);
                tool.process.get().destroyForcibly();
            } catch (InterruptedException ignored) {
                // test ends
            }
        });
        killer.start();
        ToolFailedException e = assertThrows(ToolFailedException.class, () -> new SifConverter(new Recording(), tool)
                .convert(ImageSource.archive(archive, "big:1", "sha256:b"),
                        options(out).withCompression(Mksquashfs.Compression.XZ)));
        killer.join();
        assertTrue(e.getMessage().startsWith("mksquashfs failed with exit code"), e.getMessage());
        assertNoSifLeft(out);
    }
}
