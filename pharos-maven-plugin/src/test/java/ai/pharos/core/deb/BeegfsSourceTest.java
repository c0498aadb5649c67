package ai.pharos.core.deb;

import ai.pharos.core.Console;
import ai.pharos.core.PharosException;
import ai.pharos.core.process.ProcessRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class BeegfsSourceTest {
    @TempDir
    Path dir;

    private Path tree() throws Exception {
        Path t = dir.resolve("tree");
        Files.createDirectories(t.resolve("debian"));
        Files.writeString(t.resolve("Makefile"), "package-deb:\n\ttrue\n");
        Files.writeString(t.resolve("debian/control"), "Source: beegfs\nBuild-Depends: debhelper (>= 12)\n");
        Files.createDirectories(t.resolve(".git"));
        Files.writeString(t.resolve(".git/HEAD"), "ref: refs/heads/master\n");
        return t;
    }

    private static List<String> run(Path cwd, String... cmd) throws PharosException {
        List<String> out = new ArrayList<>();
        var r = ProcessRunner.run(List.of(cmd), cwd, Map.of("GIT_AUTHOR_NAME", "t", "GIT_AUTHOR_EMAIL", "t@e.invalid",
                "GIT_COMMITTER_NAME", "t", "GIT_COMMITTER_EMAIL", "t@e.invalid"), out::add, out::add);
        assertEquals(0, r.exitCode(), String.join("\n", out));
        return out;
    }

    @Test
    void directoryIdentityIsTheTreeHashAndTheCopyLeavesTheTreeAlone() throws Exception {
        Path t = tree();
        BeegfsSource a = BeegfsSource.resolve(t.toString(), null, null, dir.resolve("cache"), Console.SILENT);
        assertEquals(BeegfsSource.Kind.DIRECTORY, a.kind());
        assertTrue(a.identity().startsWith("tree:"));
        Files.writeString(t.resolve(".git/HEAD"), "changed\n"); // VCS metadata does not count
        assertEquals(a.identity(), BeegfsSource.resolve(t.toString(), null, null, dir.resolve("cache"),
                Console.SILENT).identity());
        Files.writeString(t.resolve("Makefile"), "package-deb:\n\tfalse\n");
        assertNotEquals(a.identity(), BeegfsSource.resolve(t.toString(), null, null, dir.resolve("cache"),
                Console.SILENT).identity());
        Path copy = dir.resolve("copy");
        a.materialize(copy);
        assertTrue(Files.isRegularFile(copy.resolve("debian/control")));
        assertFalse(Files.exists(copy.resolve(".git")));
        assertFalse(a.isFixture());
    }

    @Test
    void tarballNeedsItsSha256AndAMismatchIsOneClearError() throws Exception {
        Path t = tree();
        Path tgz = dir.resolve("beegfs-8.3.1.tar.gz");
        run(dir, "tar", "-czf", tgz.toString(), "-C", dir.toString(), "tree");
        PharosException none = assertThrows(PharosException.class, () -> BeegfsSource.resolve(tgz.toString(), null,
                null, dir.resolve("cache"), Console.SILENT));
        assertEquals("BeeGFS tarball " + tgz + " needs its sha256 (got none)", none.getMessage());
        assertEquals("pharos.beegfs.sha256", none.option());
        PharosException bad = assertThrows(PharosException.class, () -> BeegfsSource.resolve(tgz.toString(), null,
                "a".repeat(64), dir.resolve("cache"), Console.SILENT));
        String sha = BeegfsSource.sha256Of(tgz);
        assertEquals("Checksum mismatch for BeeGFS tarball " + tgz + ": sha256 is " + sha + ", expected "
                + "a".repeat(64), bad.getMessage());
        BeegfsSource ok = BeegfsSource.resolve(tgz.toString(), null, sha.toUpperCase(), dir.resolve("cache"),
                Console.SILENT);
        assertEquals("sha256:" + sha, ok.identity());
        Path out = dir.resolve("x");
        ok.materialize(out);
        assertEquals(Files.readString(t.resolve("Makefile")), Files.readString(out.resolve("Makefile")),
                "the single top-level directory is stripped");
    }

    @Test
    void gitSourceIsClonedAtTheTagOnceAndIdentifiedByCommit() throws Exception {
        assumeTrue(ProcessRunner.which("git").isPresent(), "git is not installed");
        Path t = tree();
        AptRepository.deleteTree(t.resolve(".git"));
        run(t, "git", "init", "-q");
        run(t, "git", "add", "-A");
        run(t, "git", "commit", "-q", "-m", "release");
        run(t, "git", "tag", "8.3.1");
        String commit = run(t, "git", "rev-parse", "HEAD").get(0).strip();
        Path bare = dir.resolve("beegfs.git");
        run(dir, "git", "clone", "-q", "--bare", t.toString(), bare.toString());
        String url = "file://" + bare;
        BeegfsSource s = BeegfsSource.resolve(url, "8.3.1", null, dir.resolve("cache"), Console.SILENT);
        assertEquals(BeegfsSource.Kind.GIT, s.kind());
        assertEquals("git:" + commit, s.identity());
        // the clone is cached: the remote can vanish (air-gapped second build) and the identity stays
        AptRepository.deleteTree(bare);
        assertEquals("git:" + commit, BeegfsSource.resolve(url, "8.3.1", null, dir.resolve("cache"),
                Console.SILENT).identity());
        Path copy = dir.resolve("copy");
        s.materialize(copy);
        assertTrue(Files.isRegularFile(copy.resolve("Makefile")));
        assertFalse(Files.exists(copy.resolve(".git")));
    }

    @Test
    void unreachableRepositoryIsOneClearError() throws Exception {
        assumeTrue(ProcessRunner.which("git").isPresent(), "git is not installed");
        String url = "file://" + dir.resolve("nowhere/beegfs.git");
        PharosException e = assertThrows(PharosException.class, () -> BeegfsSource.resolve(url, "8.3.1", null,
                dir.resolve("cache"), Console.SILENT));
        assertTrue(e.getMessage().startsWith("Cannot fetch BeeGFS source " + url + " at tag 8.3.1: "),
                e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        assertEquals("pharos.beegfs.source", e.option());
        try (var s = Files.list(dir.resolve("cache/git"))) {
            assertEquals(0, s.count(), "no half-made clone is left");
        }
    }

    @Test
    void missingDirectoryIsOneClearError() {
        PharosException e = assertThrows(PharosException.class, () -> BeegfsSource.resolve(
                dir.resolve("nope").toString(), null, null, dir.resolve("cache"), Console.SILENT));
        assertEquals("BeeGFS source " + dir.resolve("nope") + " does not exist or is not a directory",
                e.getMessage());
    }
}
