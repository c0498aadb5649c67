package ai.pharos.core.packer;

import ai.pharos.core.PharosException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BaseImageTest {

    private static BaseImage.Request request(BaseImage.Source source, Path image, Path cache, SshKeys.KeyPairFiles key) {
        return new BaseImage.Request(source, image.toUri().toString(), null, "trixie", "http://127.0.0.1:9/debian",
                1024, cache, key, "tcg", new RootRunner.Host());
    }

    /** A pinned-looking genericcloud image under {@code dir/mirror/} with a SHA512SUMS that matches it. */
    private static Path cloudImage(Path dir, String content) throws Exception {
        Path image = dir.resolve("mirror/debian-13-genericcloud-amd64-20990101-1.qcow2");
        Files.createDirectories(image.getParent());
        Files.writeString(image, content);
        sums(image, Fingerprint.digest(image, "SHA-512"));
        return image;
    }

    private static void sums(Path image, String sha512) throws Exception {
        Files.writeString(image.resolveSibling("SHA512SUMS"), "0".repeat(128) + "  other.qcow2\n" + sha512 + "  "
                + image.getFileName() + "\n");
    }

    @Test
    void downloadsFileUrlVerifiedAgainstSha512SumsAndCachesIt(@TempDir Path dir) throws Exception {
        Path image = cloudImage(dir, "not really a qcow2, but bytes to verify");
        SshKeys.KeyPairFiles key = SshKeys.ensure(dir.resolve("ssh"), new RecordingConsole());
        RecordingConsole console = new RecordingConsole();
        BaseImage.Base base = BaseImage.fetch(request(BaseImage.Source.AUTO, image, dir.resolve("cache"), key), console);
        assertEquals("download", base.origin());
        assertFalse(base.keyBaked());
        assertEquals(Fingerprint.sha256(image), base.sha256());
        assertTrue(base.diskPath().startsWith(dir.resolve("cache/base")));
        assertTrue(console.all().contains("downloaded " + image.toUri()), console.all());
        RecordingConsole again = new RecordingConsole();
        BaseImage.fetch(request(BaseImage.Source.AUTO, image, dir.resolve("cache"), key), again);
        assertTrue(again.all().contains("up to date"), again.all());
    }

    @Test
    void refusesADownloadThatDoesNotMatchItsChecksum(@TempDir Path dir) throws Exception {
        Path image = dir.resolve("debian-13-genericcloud-amd64.qcow2");
        Files.write(image, "tampered".getBytes());
        sums(image, "ab".repeat(64));
        SshKeys.KeyPairFiles key = SshKeys.ensure(dir.resolve("ssh"), new RecordingConsole());
        // auto must not fall back to the mirror on a checksum mismatch (the mirror URL is unreachable anyway)
        PharosException e = assertThrows(PharosException.class, () -> BaseImage.fetch(
                request(BaseImage.Source.AUTO, image, dir.resolve("cache"), key), new RecordingConsole()));
        assertTrue(e.getMessage().contains("does not match"), e.getMessage());
        assertEquals("pharos.base.url", e.option());
        try (var s = Files.list(dir.resolve("cache/base"))) {
            assertEquals(0, s.count(), "nothing cached");
        }
    }

    @Test
    void aCachedBaseWhoseDiskChangedIsRefused(@TempDir Path dir) throws Exception {
        Path image = dir.resolve("debian.qcow2");
        Files.write(image, "original".getBytes());
        sums(image, Fingerprint.digest(image, "SHA-512"));
        SshKeys.KeyPairFiles key = SshKeys.ensure(dir.resolve("ssh"), new RecordingConsole());
        BaseImage.Base base = BaseImage.fetch(request(BaseImage.Source.DOWNLOAD, image, dir.resolve("cache"), key),
                new RecordingConsole());
        Files.write(base.diskPath(), "corrupted".getBytes());
        PharosException e = assertThrows(PharosException.class, base::verify);
        assertTrue(e.getMessage().contains("does not match its checksum"), e.getMessage());
    }

    @Test
    void findsTheImageInSha512Sums() {
        String sums = "a".repeat(128) + "  debian-13-generic-amd64.qcow2\n" + "B".repeat(128) + " *debian-13-genericcloud-amd64.qcow2\n";
        assertEquals("b".repeat(128), BaseImage.expectedSha512(sums, "debian-13-genericcloud-amd64.qcow2").orElseThrow());
        assertTrue(BaseImage.expectedSha512(sums, "debian-13-nocloud-amd64.qcow2").isEmpty());
    }

    @Test
    void mirrorFingerprintFollowsTheKeyAndTheSuite(@TempDir Path dir) throws Exception {
        SshKeys.KeyPairFiles k1 = SshKeys.ensure(dir.resolve("a"), new RecordingConsole());
        SshKeys.KeyPairFiles k2 = SshKeys.ensure(dir.resolve("b"), new RecordingConsole());
        Path img = dir.resolve("x");
        String f1 = BaseImage.mirrorFingerprint(request(BaseImage.Source.MIRROR, img, dir, k1));
        assertEquals(f1, BaseImage.mirrorFingerprint(request(BaseImage.Source.MIRROR, img, dir, k1)));
        assertFalse(f1.equals(BaseImage.mirrorFingerprint(request(BaseImage.Source.MIRROR, img, dir, k2))));
    }

    @Test
    void extraPackagesGiveTheirOwnBaseAndLeaveThePlainOneAlone(@TempDir Path dir) throws Exception {
        SshKeys.KeyPairFiles k = SshKeys.ensure(dir.resolve("a"), new RecordingConsole());
        BaseImage.Request plain = request(BaseImage.Source.MIRROR, dir.resolve("x"), dir, k);
        BaseImage.Extras gpu = new BaseImage.Extras(java.util.List.of("nvidia-kernel-dkms"), "main non-free");
        String f0 = BaseImage.mirrorFingerprint(plain);
        String f1 = BaseImage.mirrorFingerprint(plain.withExtras(gpu));
        assertFalse(f0.equals(f1));
        assertEquals(f0, BaseImage.mirrorFingerprint(plain.withExtras(BaseImage.Extras.NONE)));
        assertFalse(f1.equals(BaseImage.mirrorFingerprint(plain.withExtras(
                new BaseImage.Extras(java.util.List.of("nvidia-kernel-dkms"), "main contrib non-free")))));
        assertEquals(BaseImage.Source.MIRROR, request(BaseImage.Source.AUTO, dir.resolve("x"), dir, k)
                .withExtras(gpu).source());
    }

    @Test
    void basePackagesFileIsParsedAndBadNamesAreRefusedWithTheFile(@TempDir Path dir) throws Exception {
        assertTrue(BaseImage.Extras.read(dir.resolve("absent.txt")).isEmpty());
        Path f = dir.resolve("base-packages.txt");
        Files.writeString(f, "# heavy packages\ncomponents: main  contrib non-free\n"
                + "dkms linux-headers-cloud-amd64   # headers\n\nnvidia-kernel-dkms=550.163.01-2\n");
        BaseImage.Extras e = BaseImage.Extras.read(f);
        assertEquals(java.util.List.of("dkms", "linux-headers-cloud-amd64", "nvidia-kernel-dkms=550.163.01-2"),
                e.packages());
        assertEquals("main contrib non-free", e.components());
        Files.writeString(f, "dkms; rm -rf /\n");
        PharosException bad = assertThrows(PharosException.class, () -> BaseImage.Extras.read(f));
        assertTrue(bad.getMessage().contains("'dkms;'") && bad.getMessage().contains(f.toString()), bad.getMessage());
        assertEquals("pharos.packer.directory", bad.option());
    }

    @Test
    void aDownloadedBaseServesEveryImageAndStalePerImageRecordsGo(@TempDir Path dir) throws Exception {
        Path image = cloudImage(dir, "bytes");
        Path module = dir.resolve("module");
        for (String name : java.util.List.of("plain", "gpu")) {
            Files.createDirectories(module.resolve(name));
            Files.writeString(module.resolve(name).resolve(name + ".pkr.hcl"), "");
        }
        Files.writeString(module.resolve("gpu/base-packages.txt"), "nvidia-kernel-dkms\n");
        Path records = dir.resolve("target/pharos");
        Files.createDirectories(records);
        Files.writeString(records.resolve("base-gpu.json"), "{}"); // from an earlier mirror build
        RecordingConsole console = new RecordingConsole();
        BaseImage.Base base = PackerImages.prepareBases(request(BaseImage.Source.AUTO, image, dir.resolve("cache"),
                SshKeys.ensure(dir.resolve("ssh"), console)), module, java.util.List.of(), records, console);
        assertEquals("download", base.origin());
        assertFalse(Files.exists(records.resolve("base-gpu.json")), "a stale per-image record must not be used");
        assertTrue(console.all().contains("gpu: base is the downloaded image; its provisioning installs"),
                console.all());
        assertEquals(base.sha256(), PackerImages.recordedBases(records).of("gpu").sha256());
    }
}
