package ai.pharos.core.deb;

import ai.pharos.core.Console;
import ai.pharos.core.PharosException;
import ai.pharos.core.process.ProcessRunner;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AptRepositoryTest {
    static final Instant DATE = Instant.parse("2026-01-01T00:00:00Z");

    @TempDir
    Path dir;

    private List<Path> debs() throws Exception {
        Path in = dir.resolve("in");
        Files.createDirectories(in);
        List<Path> out = new ArrayList<>();
        out.add(TestDebs.write(in, "beegfs-utils", "20:8.3.1", "amd64", "libc6 (>= 2.34)", "xz"));
        out.add(TestDebs.write(in, "beeond", "20:8.3.1", "all", "beegfs-utils (= 20:8.3.1)", "gz"));
        out.add(TestDebs.write(in, "beegfs-meta", "20:8.3.1+b2", "amd64", null, "zst"));
        out.add(TestDebs.write(in, "beegfs-meta", "20:8.3.1~rc1", "amd64", null, "xz"));
        return out;
    }

    private AptRepository.Result write(List<Path> debs, Path repo) throws PharosException {
        return AptRepository.write(new AptRepository.Request(debs, repo, DATE, "Pharos", "BeeGFS", null, 2),
                Console.SILENT);
    }

    @Test
    void writesSortedPackagesGzAndReleaseWithMatchingHashes() throws Exception {
        Path repo = dir.resolve("repo");
        AptRepository.Result r = write(debs(), repo);
        assertFalse(r.upToDate());
        String packages = Files.readString(repo.resolve("Packages"));
        List<String> names = packages.lines().filter(l -> l.startsWith("Package: ") || l.startsWith("Version: "))
                .toList();
        assertEquals(List.of("Package: beegfs-meta", "Version: 20:8.3.1~rc1", "Package: beegfs-meta",
                "Version: 20:8.3.1+b2", "Package: beegfs-utils", "Version: 20:8.3.1", "Package: beeond",
                "Version: 20:8.3.1"), names);
        assertTrue(packages.contains("Filename: ./beegfs-utils_8.3.1_amd64.deb\nSize: "), packages);
        Path utils = repo.resolve("beegfs-utils_8.3.1_amd64.deb");
        assertTrue(packages.contains("SHA256: " + sha256(Files.readAllBytes(utils)) + "\n"));
        byte[] gz = Files.readAllBytes(repo.resolve("Packages.gz"));
        assertArrayEquals(Files.readAllBytes(repo.resolve("Packages")),
                new GZIPInputStream(new ByteArrayInputStream(gz)).readAllBytes());
        String release = Files.readString(repo.resolve("Release"));
        assertTrue(release.contains("Date: Thu, 01 Jan 2026 00:00:00 UTC\n"), release);
        assertTrue(release.contains("Architectures: amd64\n"), release);
        assertTrue(release.contains("MD5Sum:\n " + hex("MD5", Files.readAllBytes(repo.resolve("Packages")))),
                release);
        assertTrue(release.contains(" " + sha256(gz) + " " + String.format("%16d", gz.length) + " Packages.gz\n"),
                release);
        assertEquals("rwxr-xr-x", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(repo)), "apt's _apt user must be able to read the repository");
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of("in", "repo"), s.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no temporary directories left");
        }
    }

    @Test
    void sameInputsGiveTheSameBytesAndASecondRunIsUpToDate() throws Exception {
        List<Path> debs = debs();
        write(debs, dir.resolve("a"));
        List<Path> shuffled = new ArrayList<>(debs);
        Collections.reverse(shuffled);
        write(shuffled, dir.resolve("b"));
        for (String f : List.of("Packages", "Packages.gz", "Release")) {
            assertArrayEquals(Files.readAllBytes(dir.resolve("a").resolve(f)),
                    Files.readAllBytes(dir.resolve("b").resolve(f)), f);
        }
        long before = Files.getLastModifiedTime(dir.resolve("a/Release")).toMillis();
        assertTrue(write(debs, dir.resolve("a")).upToDate());
        assertEquals(before, Files.getLastModifiedTime(dir.resolve("a/Release")).toMillis());
        // a changed input rewrites the repository, dropping packages that are gone
        assertFalse(write(debs.subList(0, 2), dir.resolve("a")).upToDate());
        assertFalse(Files.exists(dir.resolve("a/beegfs-meta_8.3.1+b2_amd64.deb")));
        assertEquals(2, Files.readString(dir.resolve("a/Packages")).lines().filter(l -> l.startsWith("Package:"))
                .count());
    }

    @Test
    void malformedInputIsRejectedByNameAndLeavesThePreviousRepository() throws Exception {
        List<Path> debs = new ArrayList<>(debs());
        Path repo = dir.resolve("repo");
        write(debs, repo);
        byte[] release = Files.readAllBytes(repo.resolve("Release"));
        Path bad = dir.resolve("in/broken_1.0_all.deb");
        Files.writeString(bad, "garbage");
        debs.add(bad);
        PharosException e = assertThrows(PharosException.class, () -> write(debs, repo));
        assertTrue(e.getMessage().startsWith("Malformed .deb broken_1.0_all.deb: not an ar archive"), e.getMessage());
        assertArrayEquals(release, Files.readAllBytes(repo.resolve("Release")));
    }

    @Test
    void duplicatePackagesAreRejected() throws Exception {
        List<Path> debs = debs();
        Path other = dir.resolve("other");
        Files.createDirectories(other);
        Path dup = TestDebs.write(other, "beeond", "20:8.3.1", "all", null, "xz");
        List<Path> all = new ArrayList<>(debs);
        all.add(dup);
        PharosException e = assertThrows(PharosException.class, () -> write(all, dir.resolve("repo")));
        assertTrue(e.getMessage().startsWith("Two .debs are the same package beeond 20:8.3.1 all"), e.getMessage());
    }

    @Test
    void indexMatchesDpkgScanpackagesFieldForField() throws Exception {
        Assumptions.assumeTrue(ProcessRunner.which("dpkg-scanpackages").isPresent(),
                "dpkg-scanpackages is not installed (apt-get install dpkg-dev)");
        Path repo = dir.resolve("repo");
        write(debs(), repo);
        List<String> out = new ArrayList<>();
        var r = ProcessRunner.run(List.of("dpkg-scanpackages", "-m", "."), repo, Map.of(), out::add, l -> { });
        assertEquals(0, r.exitCode());
        // Debian's archive and Pharos carry MD5sum and SHA256; dpkg-scanpackages also writes SHA1
        List<String> theirs = out.stream().filter(l -> !l.isBlank() && !l.startsWith("SHA1: ")).sorted().toList();
        List<String> ours = Files.readString(repo.resolve("Packages")).lines().filter(l -> !l.isBlank()).sorted()
                .toList();
        assertEquals(theirs, ours);
    }

    static String sha256(byte[] b) throws Exception {
        return hex("SHA-256", b);
    }

    static String hex(String algo, byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance(algo).digest(b));
    }

    @SuppressWarnings("unused")
    private static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
