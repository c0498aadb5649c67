package ai.pharos.core.sif;

import ai.pharos.core.PharosException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static ai.pharos.core.sif.TestImage.layer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Whiteouts, replacement, merge, hardlinks, special files and escapes, on crafted layer tars. */
class RootfsIndexTest {

    @TempDir
    Path tmp;

    /** What the flattened tar says about one path. */
    record Out(String type, int mode, long uid, long gid, String link, String content, Map<String, String> pax) {
    }

    private Map<String, Out> flatten(TestImage.Layer... layers) throws Exception {
        Path archive = TestImage.classic(tmp.resolve("img-" + System.nanoTime() + ".tar"), TestImage.DEFAULT_CONFIG,
                layers);
        try (ImageArchive a = ImageArchive.open(archive, tmp)) {
            return read(RootfsIndex.of(a));
        }
    }

    static Map<String, Out> read(RootfsIndex index) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        index.writeTar(bos, null);
        Map<String, Out> out = new LinkedHashMap<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(bos.toByteArray()),
                StandardCharsets.UTF_8.name())) {
            TarArchiveEntry e;
            while ((e = in.getNextEntry()) != null) {
                String type = e.isDirectory() ? "dir" : e.isSymbolicLink() ? "symlink" : e.isLink() ? "hardlink"
                        : e.isCharacterDevice() ? "char" : e.isBlockDevice() ? "block" : e.isFIFO() ? "fifo" : "file";
                String content = type.equals("file") ? new String(in.readAllBytes(), StandardCharsets.UTF_8) : null;
                String name = e.getName().endsWith("/") ? e.getName().substring(0, e.getName().length() - 1) : e.getName();
                out.put(name, new Out(type, e.getMode() & 07777, e.getLongUserId(), e.getLongGroupId(),
                        e.getLinkName().isEmpty() ? null : e.getLinkName(), content, e.getExtraPaxHeaders()));
            }
        }
        return out;
    }

    @Test
    void whiteoutOfAFileRemovesOnlyThatFile() throws Exception {
        Map<String, Out> fs = flatten(
                layer(l -> l.dir("a").file("a/f1", "one").file("a/f2", "two")),
                layer(l -> l.dir("a").whiteout("a/.wh.f1")));
        assertEquals(List.of("a", "a/f2"), new ArrayList<>(fs.keySet()));
        assertEquals("two", fs.get("a/f2").content());
    }

    @Test
    void whiteoutOfADirectoryRemovesItsSubtree() throws Exception {
        Map<String, Out> fs = flatten(
                layer(l -> l.dir("d").dir("d/x").file("d/x/y", "y").file("d-sibling", "s").dir("d0").file("d0/z", "z")),
                layer(l -> l.whiteout(".wh.d")));
        assertEquals(List.of("d-sibling", "d0", "d0/z"), new ArrayList<>(fs.keySet()));
    }

    @Test
    void opaqueDirectoryHidesLowerLayersButKeepsItsOwnLayer() throws Exception {
        Map<String, Out> fs = flatten(
                layer(l -> l.dir("o").file("o/old", "old").dir("o/sub").file("o/sub/deep", "deep")),
                // the marker comes after one of the new entries: order within the layer must not matter
                layer(l -> l.dir("o", 0700, 0, 0).file("o/new1", "n1").whiteout("o/.wh..wh..opq")
                        .dir("o/sub").file("o/sub/new2", "n2")));
        assertEquals(List.of("o", "o/new1", "o/sub", "o/sub/new2"), new ArrayList<>(fs.keySet()));
        assertEquals(0700, fs.get("o").mode());
    }

    @Test
    void nonDirectoryReplacesDirectoryAndViceVersa() throws Exception {
        Map<String, Out> fs = flatten(
                layer(l -> l.dir("p").file("p/child", "c").file("q", "file q")),
                layer(l -> l.file("p", "now a file").dir("q").file("q/inside", "i")));
        assertEquals(List.of("p", "q", "q/inside"), new ArrayList<>(fs.keySet()));
        assertEquals("file", fs.get("p").type());
        assertEquals("now a file", fs.get("p").content());
        assertEquals("dir", fs.get("q").type());
    }

    @Test
    void directoryOverDirectoryMergesWithUpperMetadata() throws Exception {
        Map<String, Out> fs = flatten(
                layer(l -> l.dir("m", 0755, 0, 0).file("m/a", "a")),
                layer(l -> l.dir("m", 02770, 1001, 1002).file("m/b", "b")));
        assertEquals(List.of("m", "m/a", "m/b"), new ArrayList<>(fs.keySet()));
        assertEquals(new Out("dir", 02770, 1001, 1002, null, null, Map.of()), fs.get("m"));
    }

    @Test
    void hardlinkToALowerLayerTarget() throws Exception {
        Map<String, Out> fs = flatten(
                layer(l -> l.dir("t").file("t/orig", "data", 04755, 7, 8)),
                layer(l -> l.dir("t").hardlink("t/link", "t/orig")));
        // sorted output: t/link comes first and carries the data, t/orig links to it
        assertEquals(new Out("file", 04755, 7, 8, null, "data", Map.of()), fs.get("t/link"));
        assertEquals("hardlink", fs.get("t/orig").type());
        assertEquals("t/link", fs.get("t/orig").link());
    }

    @Test
    void hardlinkKeepsDataWhenTargetIsWhitedOut() throws Exception {
        Map<String, Out> fs = flatten(
                layer(l -> l.dir("h").file("h/orig", "orig-data").hardlink("h/link", "h/orig")),
                layer(l -> l.dir("h").whiteout("h/.wh.orig")));
        assertEquals(List.of("h", "h/link"), new ArrayList<>(fs.keySet()));
        assertEquals("file", fs.get("h/link").type());
        assertEquals("orig-data", fs.get("h/link").content());
    }

    @Test
    void hardlinkKeepsOldDataWhenTargetIsReplaced() throws Exception {
        Map<String, Out> fs = flatten(
                layer(l -> l.dir("r").file("r/orig", "v1").hardlink("r/zlink", "r/orig")),
                layer(l -> l.dir("r").file("r/orig", "v2")));
        assertEquals("v2", fs.get("r/orig").content());
        assertEquals("file", fs.get("r/zlink").type());
        assertEquals("v1", fs.get("r/zlink").content());
    }

    @Test
    void hardlinkGroupSurvivesWhenFirstNameIsRemoved() throws Exception {
        Map<String, Out> fs = flatten(
                layer(l -> l.dir("g").file("g/a", "shared").hardlink("g/b", "g/a").hardlink("g/c", "g/a")),
                layer(l -> l.dir("g").whiteout("g/.wh.a")));
        assertEquals("file", fs.get("g/b").type());
        assertEquals("shared", fs.get("g/b").content());
        assertEquals("hardlink", fs.get("g/c").type());
        assertEquals("g/b", fs.get("g/c").link());
    }

    @Test
    void specialFilesNamesAndMetadataAreKept() throws Exception {
        String longName = "l/" + "x".repeat(60) + "/" + "y".repeat(60) + "/" + "z".repeat(40);
        TarArchiveEntry chr = new TarArchiveEntry("dev/null", TarConstants.LF_CHR, true);
        chr.setDevMajor(1);
        chr.setDevMinor(3);
        chr.setMode(0666);
        TarArchiveEntry fifo = new TarArchiveEntry("run/pipe", TarConstants.LF_FIFO, true);
        fifo.setMode(0600);
        TarArchiveEntry withXattr = new TarArchiveEntry("bin/ping", TarConstants.LF_NORMAL, true);
        withXattr.setSize(4);
        withXattr.setMode(0755);
        withXattr.addPaxHeader("SCHILY.xattr.security.capability", "caps");
        Map<String, Out> fs = flatten(layer(l -> l.dir("dev").dir("run").dir("bin").entry(chr, null)
                .entry(fifo, null).entry(withXattr, "ping".getBytes(StandardCharsets.UTF_8))
                .file(longName, "long", 0640, 1234, 5678)
                .file("ünïcødé/файл", "utf8")
                .symlink("s1", "s2").symlink("s2", "/bin/ping")
                .file("big-ids", "ids", 0600, 3_000_000, 4_000_000)));
        assertEquals("char", fs.get("dev/null").type());
        assertEquals("fifo", fs.get("run/pipe").type());
        assertEquals("caps", fs.get("bin/ping").pax().get("SCHILY.xattr.security.capability"));
        assertEquals(new Out("file", 0640, 1234, 5678, null, "long", Map.of()), fs.get(longName));
        assertEquals("utf8", fs.get("ünïcødé/файл").content());
        assertEquals("dir", fs.get("l/" + "x".repeat(60)).type(), "missing parents are created");
        assertEquals("s2", fs.get("s1").link());
        assertEquals("/bin/ping", fs.get("s2").link());
        assertEquals(3_000_000, fs.get("big-ids").uid());
        assertEquals(4_000_000, fs.get("big-ids").gid());
    }

    @Test
    void resolveFollowsSymlinkChainsInsideTheRoot() throws Exception {
        Path archive = TestImage.classic(tmp.resolve("r.tar"), TestImage.DEFAULT_CONFIG,
                layer(l -> l.dir("usr").dir("usr/bin").file("usr/bin/dash", "ELF").symlink("bin", "usr/bin")
                        .symlink("usr/bin/sh", "dash").symlink("loop", "loop")));
        try (ImageArchive a = ImageArchive.open(archive, tmp)) {
            RootfsIndex index = RootfsIndex.of(a);
            assertEquals("usr/bin/dash", index.resolve("/bin/sh"));
            assertNull(index.resolve("/loop"));
            assertNull(index.resolve("/nothing"));
        }
    }

    @Test
    void dotDotEscapingTheRootIsRefusedNamingLayerAndEntry() throws Exception {
        PharosException e = assertThrows(PharosException.class, () -> flatten(
                layer(l -> l.dir("etc")),
                layer(l -> l.file("etc/../../evil", "x"))));
        assertTrue(e.getMessage().contains("layer1/layer.tar"), e.getMessage());
        assertTrue(e.getMessage().contains("etc/../../evil"), e.getMessage());
        assertTrue(e.getMessage().contains("escapes the image root"), e.getMessage());
    }

    @Test
    void hardlinkOutsideTheRootIsRefused() throws Exception {
        PharosException e = assertThrows(PharosException.class, () -> flatten(
                layer(l -> l.dir("a").hardlink("a/shadow", "../../../etc/shadow"))));
        assertTrue(e.getMessage().contains("a/shadow"), e.getMessage());
        assertTrue(e.getMessage().contains("escapes the image root"), e.getMessage());
    }

    @Test
    void entryBelowASymlinkIsRefused() throws Exception {
        PharosException e = assertThrows(PharosException.class, () -> flatten(
                layer(l -> l.symlink("etc", "/")),
                layer(l -> l.file("etc/passwd", "root::0:0::/:/bin/sh"))));
        assertTrue(e.getMessage().contains("etc/passwd") && e.getMessage().contains("symlink"), e.getMessage());
    }

    @Test
    void ociLayoutWithGzipLayersReadsTheSame() throws Exception {
        TestImage.Layer l0 = layer(l -> l.dir("a").file("a/f1", "one").file("a/f2", "two"));
        TestImage.Layer l1 = layer(l -> l.dir("a").whiteout("a/.wh.f1").hardlink("a/f3", "a/f2"));
        Path oci = TestImage.oci(tmp.resolve("oci.tar"), TestImage.DEFAULT_CONFIG, true, l0, l1);
        Path plain = TestImage.oci(tmp.resolve("oci-plain.tar"), TestImage.DEFAULT_CONFIG, false, l0, l1);
        Path classic = TestImage.classic(tmp.resolve("classic.tar"), TestImage.DEFAULT_CONFIG, l0, l1);
        Map<String, Out> expected;
        try (ImageArchive a = ImageArchive.open(classic, tmp)) {
            expected = read(RootfsIndex.of(a));
        }
        for (Path p : List.of(oci, plain)) {
            try (ImageArchive a = ImageArchive.open(p, tmp)) {
                assertEquals("test/oci:2", a.repoTag());
                assertEquals(2, a.layers().size());
                assertEquals(expected, read(RootfsIndex.of(a)));
            }
        }
        assertFalse(expected.containsKey("a/f1"));
        try (var files = java.nio.file.Files.list(tmp)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().startsWith(".pharos-layer-")),
                    "gzip spool files removed on close");
        }
    }
}
