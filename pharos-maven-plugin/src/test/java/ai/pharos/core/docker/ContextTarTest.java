package ai.pharos.core.docker;

import ai.pharos.core.PharosException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class ContextTarTest {
    static final Instant T = Instant.parse("2020-01-01T00:00:00Z");
    static final String LONG_DIR = "deep/" + "d".repeat(60) + "/";

    @TempDir
    Path tmp;

    /** The tree of the real-engine test too: tricky ignore patterns, a symlink, an executable, long/non-ASCII names. */
    static Path trickyTree(Path dir) throws IOException {
        write(dir, "Dockerfile", "FROM debian:trixie\nCOPY . /ctx\n");
        write(dir, ".dockerignore", String.join("\n",
                "# tricky patterns",
                "**/*.log",
                "!keep.log",
                "/build",
                "docs/**/draft*",
                "cache",
                "!cache/important.txt",
                "Dockerfile",
                ".dockerignore",
                "") + "\n");
        write(dir, "app/main.c", "int main(void) { return 0; }\n");
        write(dir, "app/debug.log", "x\n");
        write(dir, "keep.log", "kept\n");
        write(dir, "sub/keep.log", "excluded: !keep.log is anchored at the root\n");
        write(dir, "build/out.bin", "excluded\n");
        write(dir, "src/build/gen.c", "kept: /build is anchored\n");
        write(dir, "docs/guide.md", "kept\n");
        write(dir, "docs/draft1.md", "excluded: ** matches zero dirs\n");
        write(dir, "docs/a/b/draft-x.md", "excluded\n");
        write(dir, "docs/a/final.md", "kept\n");
        write(dir, "cache/tmp.bin", "excluded\n");
        write(dir, "cache/important.txt", "re-included\n");
        write(dir, "bin/run.sh", "#!/bin/sh\necho hi\n");
        Files.setPosixFilePermissions(dir.resolve("bin/run.sh"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createSymbolicLink(dir.resolve("link"), Path.of("app/main.c"));
        Files.createDirectories(dir.resolve("empty"));
        String longName = LONG_DIR + "f".repeat(120 - LONG_DIR.length());
        assertEquals(120, longName.length());
        write(dir, longName, "long\n");
        write(dir, "données/été.txt", "non-ascii\n");
        return dir;
    }

    static final Set<String> TRICKY_COPY_SET = new TreeSet<>(List.of(
            "app", "app/main.c", "keep.log", "sub", "src", "src/build", "src/build/gen.c",
            "docs", "docs/guide.md", "docs/a", "docs/a/b", "docs/a/final.md", "cache", "cache/important.txt",
            "bin", "bin/run.sh", "link", "empty", "deep", "deep/" + "d".repeat(60),
            LONG_DIR + "f".repeat(120 - LONG_DIR.length()), "données", "données/été.txt"));

    static void write(Path dir, String rel, String content) throws IOException {
        Path p = dir.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content, StandardCharsets.UTF_8);
    }

    private static byte[] tar(Path dir, Path dockerfile) throws PharosException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ContextTar.write(dir, dockerfile, T, out);
        return out.toByteArray();
    }

    private static Map<String, TarArchiveEntry> entries(byte[] tar) throws IOException {
        Map<String, TarArchiveEntry> m = new LinkedHashMap<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar), "UTF-8")) {
            TarArchiveEntry e;
            while ((e = in.getNextEntry()) != null) {
                m.put(e.getName(), e);
            }
        }
        return m;
    }

    @Test
    void honoursDockerignoreAndComputesWhatCopySees() throws Exception {
        Path dir = trickyTree(tmp.resolve("ctx"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ContextTar.Summary s = ContextTar.write(dir, null, T, out);
        byte[] bytes = out.toByteArray();

        assertEquals("Dockerfile", s.dockerfile());
        assertEquals(TRICKY_COPY_SET, s.copySet());
        // the Dockerfile and .dockerignore are sent although excluded; the daemon drops them after reading
        assertTrue(s.sentPaths().contains("Dockerfile"));
        assertTrue(s.sentPaths().contains(".dockerignore"));
        // the excluded directory with an exception inside is not sent as an entry, only what is re-included
        assertFalse(s.sentPaths().contains("cache"));
        assertTrue(s.sentPaths().contains("cache/important.txt"));
        assertFalse(s.sentPaths().contains("build"));

        assertEquals(bytes.length, s.tarBytes());
        assertEquals(s.sentPaths().size(), s.entryCount());
        assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)), s.sha256());

        Map<String, TarArchiveEntry> entries = entries(bytes);
        List<String> names = new ArrayList<>();
        for (String n : entries.keySet()) {
            names.add(n.endsWith("/") ? n.substring(0, n.length() - 1) : n);
        }
        assertEquals(s.sentPaths(), names, "summary lists the tar entries in tar order");
        long content = 0;
        for (TarArchiveEntry e : entries.values()) {
            assertEquals(0, e.getLongUserId());
            assertEquals(0, e.getLongGroupId());
            assertEquals("", e.getUserName());
            assertEquals("", e.getGroupName());
            assertEquals(T, e.getLastModifiedTime().toInstant(), e.getName());
            content += e.isFile() ? e.getSize() : 0;
        }
        assertEquals(content, s.contentBytes());
        assertEquals(0755, entries.get("bin/run.sh").getMode() & 07777);
        assertTrue(entries.get("link").isSymbolicLink());
        assertEquals("app/main.c", entries.get("link").getLinkName());
        assertTrue(entries.get("empty/").isDirectory());
        assertTrue(entries.containsKey(LONG_DIR + "f".repeat(120 - LONG_DIR.length())));
        assertTrue(entries.containsKey("données/été.txt"));
    }

    @Test
    void sameTreeSameBytesEvenAfterTouchAndChown() throws Exception {
        Path dir = trickyTree(tmp.resolve("ctx"));
        byte[] first = tar(dir, null);
        Thread.sleep(1100); // anything taking "now" would show in the second run
        assertArrayEquals(first, tar(dir, null));

        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.toList()) {
                if (!Files.isSymbolicLink(p)) {
                    Files.setLastModifiedTime(p, FileTime.from(Instant.parse("2031-05-06T07:08:09.123Z")));
                }
            }
        }
        assertArrayEquals(first, tar(dir, null), "mtimes on disk do not matter");

        boolean chowned = false;
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.toList()) {
                Files.setAttribute(p, "unix:uid", 4321, LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(p, "unix:gid", 4321, LinkOption.NOFOLLOW_LINKS);
            }
            chowned = true;
        } catch (IOException | SecurityException e) {
            // not root: ownership cannot be changed here
        }
        if (chowned) {
            assertArrayEquals(first, tar(dir, null), "ownership on disk does not matter");
        }

        Files.writeString(dir.resolve("docs/guide.md"), "changed\n");
        assertNotEquals(HexFormat.of().formatHex(first), HexFormat.of().formatHex(tar(dir, null)));
        assumeTrue(chowned, "not running as root: ownership normalisation not exercised");
    }

    @Test
    void contentModeAndExcludedChangesAreSeen() throws Exception {
        Path dir = trickyTree(tmp.resolve("ctx"));
        ContextTar.Summary base = ContextTar.write(dir, null, T, new ByteArrayOutputStream());

        Files.setPosixFilePermissions(dir.resolve("app/main.c"), PosixFilePermissions.fromString("rwxr-xr-x"));
        ContextTar.Summary modeChanged = ContextTar.write(dir, null, T, new ByteArrayOutputStream());
        assertNotEquals(base.sha256(), modeChanged.sha256(), "the exec bit is part of the context");

        Files.writeString(dir.resolve("build/out.bin"), "changed but excluded\n");
        Files.writeString(dir.resolve("cache/tmp.bin"), "changed but excluded\n");
        ContextTar.Summary excludedChanged = ContextTar.write(dir, null, T, new ByteArrayOutputStream());
        assertEquals(modeChanged.sha256(), excludedChanged.sha256(), "excluded files do not count");

        ContextTar.Summary otherTime = ContextTar.write(dir, null, T.plusSeconds(1), new ByteArrayOutputStream());
        assertNotEquals(excludedChanged.sha256(), otherTime.sha256());
    }

    @Test
    void dockerfileOutsideTheContextGetsADeterministicName() throws Exception {
        Path dir = tmp.resolve("ctx");
        write(dir, "a.txt", "a\n");
        write(tmp, "elsewhere/Dockerfile.build", "FROM debian:trixie\nCOPY . /ctx\n");
        Path df = tmp.resolve("elsewhere/Dockerfile.build");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ContextTar.Summary s = ContextTar.write(dir, df, T, out);
        assertTrue(s.dockerfile().matches("\\.dockerfile\\.[0-9a-f]{20}"), s.dockerfile());
        assertEquals(List.of("a.txt", s.dockerfile(), ".dockerignore"), s.sentPaths());
        assertEquals(Set.of("a.txt"), s.copySet(), "the added Dockerfile and synthesized .dockerignore are dropped");
        Map<String, TarArchiveEntry> entries = entries(out.toByteArray());
        assertEquals(s.dockerfile(), ContextTar.write(dir, df, T, new ByteArrayOutputStream()).dockerfile());

        // with a .dockerignore of its own, the name is appended to it and the file itself stays visible
        write(dir, ".dockerignore", "*.tmp");
        write(dir, "x.tmp", "x");
        ByteArrayOutputStream out2 = new ByteArrayOutputStream();
        ContextTar.Summary s2 = ContextTar.write(dir, df, T, out2);
        assertEquals(Set.of(".dockerignore", "a.txt"), s2.copySet());
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(out2.toByteArray()))) {
            TarArchiveEntry e;
            while ((e = in.getNextEntry()) != null) {
                if (e.getName().equals(".dockerignore")) {
                    assertEquals("*.tmp\n" + s2.dockerfile() + "\n",
                            new String(in.readAllBytes(), StandardCharsets.UTF_8));
                }
            }
        }
        assertFalse(entries.isEmpty());
    }

    @Test
    void nestedDockerfileInExcludedDirectoryIsStillSent() throws Exception {
        Path dir = tmp.resolve("ctx");
        write(dir, "docker/Dockerfile", "FROM debian:trixie\n");
        write(dir, "docker/other.txt", "x");
        write(dir, "main.txt", "x");
        write(dir, ".dockerignore", "docker\n");
        ContextTar.Summary s = ContextTar.write(dir, Path.of("docker/Dockerfile"), T, new ByteArrayOutputStream());
        assertEquals("docker/Dockerfile", s.dockerfile());
        assertTrue(s.sentPaths().contains("docker/Dockerfile"));
        assertFalse(s.sentPaths().contains("docker/other.txt"));
        assertEquals(Set.of(".dockerignore", "main.txt", "docker"), s.copySet());
    }

    @Test
    void wildcardExceptionDoesNotReopenExcludedDirectory() throws Exception {
        Path dir = tmp.resolve("ctx");
        write(dir, "Dockerfile", "FROM debian:trixie\n");
        write(dir, "logs/keep.log", "x");
        write(dir, "keep.log", "x");
        write(dir, ".dockerignore", "logs\n!**/keep.log\n");
        ContextTar.Summary s = ContextTar.write(dir, null, T, new ByteArrayOutputStream());
        assertEquals(Set.of(".dockerignore", "Dockerfile", "keep.log"), s.copySet());
    }

    @Test
    void unreadableFileFailsNamingIt() throws Exception {
        assumeTrue(!"root".equals(System.getProperty("user.name")), "root reads every file: cannot test as root");
        Path dir = tmp.resolve("ctx");
        write(dir, "Dockerfile", "FROM debian:trixie\n");
        write(dir, "secret.txt", "x");
        Files.setPosixFilePermissions(dir.resolve("secret.txt"), PosixFilePermissions.fromString("---------"));
        PharosException e = assertThrows(PharosException.class,
                () -> ContextTar.write(dir, null, T, new ByteArrayOutputStream()));
        assertTrue(e.getMessage().contains("secret.txt"), e.getMessage());
    }

    @Test
    void missingDockerfileAndContextFailWithTheOption() throws Exception {
        Path dir = tmp.resolve("ctx");
        write(dir, "a.txt", "a");
        PharosException e = assertThrows(PharosException.class,
                () -> ContextTar.write(dir, null, T, new ByteArrayOutputStream()));
        assertEquals("pharos.build.dockerfile", e.option());
        assertTrue(e.getMessage().contains("Dockerfile"), e.getMessage());
        PharosException e2 = assertThrows(PharosException.class,
                () -> ContextTar.write(tmp.resolve("nope"), null, T, new ByteArrayOutputStream()));
        assertEquals("pharos.build.contextDirectory", e2.option());
    }
}
