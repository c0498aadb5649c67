package ai.pharos.core.deb;

import ai.pharos.core.Console;
import ai.pharos.core.PharosException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The apt-repo digest cache: an unchanged package is not read again and gives the same index; any change the quick
 * check can see (content with a new mtime, a rename over the file, a restored mtime on a new inode) is read again;
 * racy (fresh) files are not stored; a damaged cache is ignored; a failed run leaves the cache as it was.
 */
class DigestCacheTest {
    /** Short enough for a test to wait it out; the goal uses {@link DigestCache#SETTLE}. */
    private static final Duration SETTLE = Duration.ofMillis(50);

    @TempDir
    Path dir;

    private Path in() throws Exception {
        return Files.createDirectories(dir.resolve("in"));
    }

    private List<Path> debs() throws Exception {
        Path in = in();
        List<Path> out = new ArrayList<>();
        out.add(TestDebs.write(in, "beegfs-utils", "20:8.3.1", "amd64", "libc6 (>= 2.34)", ""));
        out.add(TestDebs.write(in, "beeond", "20:8.3.1", "all", "beegfs-utils (= 20:8.3.1)", "gz"));
        out.add(TestDebs.write(in, "beegfs-meta", "20:8.3.1+b2", "amd64", null, "zst"));
        out.add(TestDebs.write(in, "beegfs-client", "20:8.3.1", "all", null, "xz"));
        return out;
    }

    private AptRepository.Result index(List<Path> debs, String repo, Duration settle) throws PharosException {
        return AptRepository.write(new AptRepository.Request(debs, dir.resolve(repo), AptRepositoryTest.DATE,
                "Pharos", "BeeGFS", null, 2, dir.resolve("cache/digests")), Console.SILENT, settle);
    }

    private static void settle() throws InterruptedException {
        Thread.sleep(SETTLE.toMillis() * 3);
    }

    /** The four packages, settled and indexed once with the cache. */
    private List<Path> indexedOnce() throws Exception {
        List<Path> debs = debs();
        settle();
        index(debs, "repo", SETTLE);
        return debs;
    }

    /** beegfs-utils 20:8.3.2: as long as 20:8.3.1 (uncompressed members, same-length version), other bytes. */
    private static void writeNextUtils(Path deb) throws java.io.IOException {
        TestDebs.write(deb, TestDebs.control("beegfs-utils", "20:8.3.2", "amd64", "libc6 (>= 2.34)"),
                Map.of("./usr/share/doc/beegfs-utils/README", "hello\n".getBytes(StandardCharsets.UTF_8)), "", true);
    }

    @Test
    void anUnchangedPackageIsNotReadAgainAndTheIndexIsTheSameAsWithout() throws Exception {
        List<Path> debs = debs();
        settle();
        AptRepository.Result first = index(debs, "repo", SETTLE);
        assertEquals(0, first.fromCache());
        assertTrue(Files.isRegularFile(dir.resolve("cache/digests")));

        AptRepository.Result second = index(debs, "repo", SETTLE);
        assertEquals(4, second.fromCache());
        assertTrue(second.upToDate(), "the index from the cache is the index the packages give");
        // the same bytes as a run that reads every package
        AptRepository.write(new AptRepository.Request(debs, dir.resolve("plain"), AptRepositoryTest.DATE, "Pharos",
                "BeeGFS", null, 2), Console.SILENT);
        for (String f : List.of("Packages", "Packages.gz", "Release")) {
            assertArrayEquals(Files.readAllBytes(dir.resolve("plain").resolve(f)),
                    Files.readAllBytes(dir.resolve("repo").resolve(f)), f);
        }
        // a cached package is really not read: garbage behind an unchanged stamp is not noticed (that is the
        // contract of a quick check, the same as apt-ftparchive --db), so this shows the cache was used
        Path utils = debs.get(0);
        FileTime mtime = Files.getLastModifiedTime(utils);
        byte[] original = Files.readAllBytes(utils);
        byte[] garbage = new byte[original.length];
        Files.write(utils, garbage);
        Files.setLastModifiedTime(utils, mtime);
        assertEquals(4, index(debs, "repo2", SETTLE).fromCache());
        Files.write(utils, original);
        Files.setLastModifiedTime(utils, mtime);
    }

    @Test
    void aPackageRewrittenWithTheSameSizeIsReadAgain() throws Exception {
        List<Path> debs = indexedOnce();
        Path utils = debs.get(0);
        long size = Files.size(utils);
        Thread.sleep(20); // a new mtime
        writeNextUtils(utils);
        assertEquals(size, Files.size(utils));

        AptRepository.Result r = index(debs, "repo", SETTLE);
        assertEquals(3, r.fromCache());
        assertFalse(r.upToDate());
        String packages = Files.readString(dir.resolve("repo/Packages"));
        assertTrue(packages.contains("Package: beegfs-utils\nVersion: 20:8.3.2\n"), packages);
        assertTrue(packages.contains("SHA256: " + AptRepositoryTest.sha256(Files.readAllBytes(utils)) + "\n"));
    }

    @Test
    void aPackageReplacedByARenameIsReadAgainEvenWithItsSizeAndMtimePutBack() throws Exception {
        List<Path> debs = indexedOnce();
        Path utils = debs.get(0);
        FileTime mtime = Files.getLastModifiedTime(utils);
        Path next = dir.resolve("next.deb");
        writeNextUtils(next);
        Files.setLastModifiedTime(next, mtime);
        assertEquals(Files.size(utils), Files.size(next));
        Files.move(next, utils, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);

        AptRepository.Result r = index(debs, "repo", SETTLE);
        assertEquals(3, r.fromCache(), "a new inode is a new file");
        assertTrue(Files.readString(dir.resolve("repo/Packages")).contains("Version: 20:8.3.2\n"));
    }

    @Test
    void freshPackagesAreReadAgainByTheNextRun() throws Exception {
        List<Path> debs = debs();
        // written just now: within the goal's settle time of the run's start, so not stored
        index(debs, "repo", DigestCache.SETTLE);
        assertEquals(0, index(debs, "repo", DigestCache.SETTLE).fromCache());
        assertTrue(new DigestCache.Stamp(1, 2, 3, 0).settledBefore(FileTime.fromMillis(2_001), DigestCache.SETTLE));
        assertFalse(new DigestCache.Stamp(1, 2, 3, 1_000_000L).settledBefore(FileTime.fromMillis(2_001),
                DigestCache.SETTLE));
    }

    @Test
    void aPackageThatChangedWhileItWasReadIsNotStored() throws Exception {
        Path deb = debs().get(0);
        settle();
        DebPackage p = DebReader.read(deb);
        DigestCache.Stamp before = DigestCache.Stamp.of(deb);
        DigestCache.Stamp after = new DigestCache.Stamp(before.device(), before.inode(), before.size(),
                before.mtimeNanos() + 1);
        DigestCache cache = DigestCache.open(dir.resolve("cache/digests"), SETTLE);
        cache.remember(p, before, after);
        cache.save();
        DigestCache next = DigestCache.open(dir.resolve("cache/digests"), SETTLE);
        assertEquals(null, next.lookup(deb, before));
        next.remember(p, before, before);
        next.save();
        DigestCache last = DigestCache.open(dir.resolve("cache/digests"), SETTLE);
        DebPackage known = last.lookup(deb, before);
        last.discard();
        assertEquals(List.of(p.file(), p.size(), p.md5(), p.sha256(), p.control().fields(), p.controlMember(),
                p.dataMember()), List.of(known.file(), known.size(), known.md5(), known.sha256(),
                known.control().fields(), known.controlMember(), known.dataMember()));
        assertEquals(List.copyOf(p.control().fields().keySet()), List.copyOf(known.control().fields().keySet()),
                "fields in their original order");
    }

    @Test
    void aDamagedCacheIsIgnoredAndReplaced() throws Exception {
        List<Path> debs = indexedOnce();
        Path cache = dir.resolve("cache/digests");
        byte[] good = Files.readAllBytes(cache);
        // cut off, and foreign bytes: both read nothing, and the run writes a good cache again
        for (byte[] damaged : List.of(java.util.Arrays.copyOf(good, good.length / 2),
                "not a cache".getBytes(StandardCharsets.UTF_8))) {
            Files.write(cache, damaged);
            AptRepository.Result r = index(debs, "repo", SETTLE);
            assertEquals(0, r.fromCache());
            assertTrue(r.upToDate());
            assertArrayEquals(good, Files.readAllBytes(cache));
        }
        assertEquals(4, index(debs, "repo", SETTLE).fromCache());
    }

    @Test
    void theCacheHoldsTheLastRunsPackagesAndAFailedRunLeavesItAsItWas() throws Exception {
        List<Path> debs = indexedOnce();
        assertEquals(3, index(debs.subList(1, 4), "repo", SETTLE).fromCache());
        assertEquals(3, index(debs, "repo", SETTLE).fromCache(), "the package left out last time was read again");

        Path cache = dir.resolve("cache/digests");
        byte[] before = Files.readAllBytes(cache);
        Path bad = in().resolve("broken_1.0_all.deb");
        Files.writeString(bad, "garbage");
        List<Path> withBad = new ArrayList<>(debs);
        withBad.add(bad);
        PharosException e = assertThrows(PharosException.class, () -> index(withBad, "repo", SETTLE));
        assertTrue(e.getMessage().startsWith("Malformed .deb broken_1.0_all.deb"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(cache));
        try (Stream<Path> s = Files.list(dir.resolve("cache"))) {
            assertEquals(List.of("digests"), s.map(p -> p.getFileName().toString()).toList(), "no temporary files");
        }
    }
}
