package ai.pharos.core.deb;

import ai.pharos.core.PharosException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DebReaderTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"gz", "xz", "zst", ""})
    void readsControlOfEveryCompression(String compression) throws Exception {
        Path deb = TestDebs.write(dir, "beegfs-meta", "20:8.3.1", "amd64", "libc6 (>= 2.34)", compression);
        DebPackage p = DebReader.read(deb, true);
        assertEquals("beegfs-meta", p.packageName());
        assertEquals("20:8.3.1", p.version());
        assertEquals("amd64", p.architecture());
        assertEquals("libc6 (>= 2.34)", p.control().depends());
        assertEquals("control.tar" + TestDebs.suffix(compression), p.controlMember());
        assertEquals("data.tar" + TestDebs.suffix(compression), p.dataMember());
        assertEquals("beegfs-meta_8.3.1_amd64.deb", p.canonicalFileName());
        assertEquals(Files.size(deb), p.size());
        byte[] bytes = Files.readAllBytes(deb);
        assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)), p.sha256());
        assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes)), p.md5());
        assertEquals(" A package written by the Pharos tests.",
                p.control().get("description").split("\n")[1]);
    }

    @Test
    void truncatedDebIsRejectedByName() throws Exception {
        Path deb = TestDebs.write(dir, "beegfs-storage", "20:8.3.1", "amd64", null, "xz");
        byte[] bytes = Files.readAllBytes(deb);
        Path cut = dir.resolve("cut_8.3.1_amd64.deb");
        Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length - 40));
        PharosException e = assertThrows(PharosException.class, () -> DebReader.read(cut));
        assertTrue(e.getMessage().startsWith("Malformed .deb cut_8.3.1_amd64.deb: truncated"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void notAnArArchiveIsRejectedByName() throws Exception {
        Path bogus = dir.resolve("bogus_1.0_all.deb");
        Files.writeString(bogus, "#!/bin/sh\necho I am not a package\n");
        PharosException e = assertThrows(PharosException.class, () -> DebReader.read(bogus));
        assertEquals("Malformed .deb bogus_1.0_all.deb: not an ar archive (no '!<arch>' magic) (" + bogus + ")",
                e.getMessage());
        Path empty = dir.resolve("empty_1.0_all.deb");
        Files.write(empty, new byte[0]);
        assertTrue(assertThrows(PharosException.class, () -> DebReader.read(empty)).getMessage()
                .startsWith("Malformed .deb empty_1.0_all.deb: not an ar archive"));
    }

    @Test
    void missingControlIsRejectedByName() throws Exception {
        Path deb = dir.resolve("nocontrol_1.0_all.deb");
        TestDebs.write(deb, "", Map.of("./x", "x".getBytes(StandardCharsets.UTF_8)), "gz", false);
        PharosException e = assertThrows(PharosException.class, () -> DebReader.read(deb));
        assertTrue(e.getMessage().startsWith("Malformed .deb nocontrol_1.0_all.deb: no control.tar member"),
                e.getMessage());
    }

    @Test
    void controlWithoutVersionIsRejected() throws Exception {
        Path deb = dir.resolve("nover_1.0_all.deb");
        TestDebs.write(deb, "Package: nover\nArchitecture: all\n", Map.of("./x", new byte[1]), "gz", true);
        PharosException e = assertThrows(PharosException.class, () -> DebReader.read(deb));
        assertTrue(e.getMessage().startsWith("Malformed .deb nover_1.0_all.deb: control file has no Version field"),
                e.getMessage());
    }

    @Test
    void readsWhatDpkgDebBuilds() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(ai.pharos.core.process.ProcessRunner.which("dpkg-deb")
                .isPresent(), "dpkg-deb is not installed (apt-get install dpkg)");
        Path root = dir.resolve("pkgroot");
        Files.createDirectories(root.resolve("DEBIAN"));
        Files.createDirectories(root.resolve("opt/x"));
        Files.writeString(root.resolve("opt/x/hello"), "hi\n");
        Files.writeString(root.resolve("DEBIAN/control"), TestDebs.control("hello-pharos", "1:2.0~rc1-3", "amd64",
                "libc6 (>= 2.36), beegfs-utils (= 20:8.3.1) | beeond"));
        for (String z : new String[] {"gzip", "xz", "zstd", "none"}) {
            Path out = dir.resolve("hello-" + z + ".deb");
            var r = ai.pharos.core.process.ProcessRunner.run(java.util.List.of("dpkg-deb", "--root-owner-group",
                    "-Z" + z, "--build", root.toString(), out.toString()), null, Map.of(), l -> { }, l -> { });
            assertEquals(0, r.exitCode(), String.join("\n", r.stderrTail()));
            DebPackage p = DebReader.read(out, true);
            assertEquals("hello-pharos", p.packageName());
            assertEquals("1:2.0~rc1-3", p.version());
            assertEquals("libc6 (>= 2.36), beegfs-utils (= 20:8.3.1) | beeond", p.control().depends());
        }
    }
}
