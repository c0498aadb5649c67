package ai.pharos.core.packer;

import ai.pharos.core.PharosException;
import ai.pharos.core.process.ProcessRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class PackerImagesTest {

    /** The repository's packer-images module, located from the repo root (the directory holding mvnw). */
    static Path moduleDir() {
        String root = System.getProperty("maven.multiModuleProjectDirectory");
        Path dir = root != null ? Path.of(root) : Path.of(System.getProperty("user.dir")).toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("mvnw"))) {
            dir = dir.getParent();
        }
        assumeTrue(dir != null, "repository root (mvnw) not found from " + System.getProperty("user.dir"));
        return dir.resolve("packer-images");
    }

    static void copyTree(Path src, Path dst) throws Exception {
        try (Stream<Path> s = Files.walk(src)) {
            for (Path p : s.toList()) {
                Path t = dst.resolve(src.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    private static PackerImages images(Path module, Path target, List<String> only, Map<String, String> vars,
                                       PackerTool tool, RecordingConsole console) throws Exception {
        SshKeys.KeyPairFiles key = SshKeys.ensure(target.resolve("ssh"), console);
        Path repo = target.resolve("apt");
        Files.createDirectories(repo);
        return new PackerImages(new PackerImages.Settings(module, only, target, key, repo, "tcg", vars, false), tool,
                console);
    }

    @Test
    void discoversTheThreeImages() throws Exception {
        assertEquals(List.of("cloud-base", "hpc-compute", "hpc-controller"), PackerImages.discover(moduleDir()));
    }

    @Test
    void anUnknownImageNameIsRejectedWithTheKnownOnes(@TempDir Path t) throws Exception {
        PharosException e = assertThrows(PharosException.class, () -> images(moduleDir(), t, List.of("hpc-login"),
                Map.of(), new PackerTool.Host(), new RecordingConsole()).selected());
        assertEquals("pharos.images", e.option());
        assertTrue(e.getMessage().contains("[cloud-base, hpc-compute, hpc-controller]"), e.getMessage());
    }

    @Test
    void variablesAreHclQuotedAndVarFilesComeFirst(@TempDir Path t) throws Exception {
        assertEquals("[[\"-drive\",\"file=/a b/\\\"s\\\".iso,media=cdrom\"]]",
                PackerImages.hclList(List.of(List.of("-drive", "file=/a b/\"s\".iso,media=cdrom"))));
        PackerImages p = images(moduleDir(), t, List.of(), Map.of("memory", "2048"), new PackerTool.Host(),
                new RecordingConsole());
        Map<String, String> vars = p.variables("hpc-controller", "/b.qcow2", "sha256:00", t.resolve("o"),
                t.resolve("apt"), List.of());
        List<String> args = p.varArgs("hpc-controller", vars);
        assertTrue(args.get(0).startsWith("-var-file=") && args.get(0).endsWith("common/versions.pkrvars.hcl"));
        assertTrue(args.get(1).endsWith("hpc-controller/image.pkrvars.hcl"));
        assertTrue(args.contains("-var=memory=2048"), args.toString());
        assertTrue(args.contains("-var=apt_repo_dir=" + t.resolve("apt").toAbsolutePath()), args.toString());
        assertTrue(p.usesAptRepo("hpc-compute"));
        assertTrue(!p.usesAptRepo("cloud-base"));
        assertTrue(p.variables("cloud-base", "/b", "sha256:00", t, t, List.of()).get("apt_repo_dir") == null);
    }

    @Test
    void aVariableChangeInOneImageChangesOnlyThatImagesFingerprint(@TempDir Path t) throws Exception {
        Path module = t.resolve("module");
        copyTree(moduleDir(), module);
        PackerImages p = images(module, t.resolve("target"), List.of(), Map.of(), new PackerTool.Host(),
                new RecordingConsole());
        BaseImage.Base base = new BaseImage.Base("/b", "ab", "mirror", "m", null, true, "f", "now");
        String ctl = p.fingerprint("hpc-controller", base, "1.6.6", "7.2").digest();
        String cmp = p.fingerprint("hpc-compute", base, "1.6.6", "7.2").digest();
        Files.writeString(module.resolve("hpc-controller/image.pkrvars.hcl"), "memory = 1536\n");
        assertNotEquals(ctl, p.fingerprint("hpc-controller", base, "1.6.6", "7.2").digest());
        assertEquals(cmp, p.fingerprint("hpc-compute", base, "1.6.6", "7.2").digest());
        // the base checksum, the tool versions and the apt repository content are inputs too
        assertNotEquals(cmp, p.fingerprint("hpc-compute", base, "1.6.7", "7.2").digest());
        assertNotEquals(cmp, p.fingerprint("hpc-compute",
                new BaseImage.Base("/b", "cd", "mirror", "m", null, true, "f", "now"), "1.6.6", "7.2").digest());
        Files.writeString(t.resolve("target/apt/Packages"), "Package: beegfs-utils\n");
        assertNotEquals(cmp, p.fingerprint("hpc-compute", base, "1.6.6", "7.2").digest());
    }

    @Test
    void packerValidatesTheThreeTemplates(@TempDir Path t) throws Exception {
        assumeTrue(ProcessRunner.which("packer").isPresent(), "packer is not installed");
        RecordingConsole console = new RecordingConsole();
        images(moduleDir(), t, List.of(), Map.of(), new PackerTool.Host(), console).validate();
        for (String image : List.of("cloud-base", "hpc-compute", "hpc-controller")) {
            assertTrue(console.all().contains("packer validate " + image + ": OK"), console.all());
        }
    }

    @Test
    void aTemplateWithAnErrorFailsValidateWithPackersMessage(@TempDir Path t) throws Exception {
        assumeTrue(ProcessRunner.which("packer").isPresent(), "packer is not installed");
        Path module = t.resolve("module");
        copyTree(moduleDir(), module);
        Path template = module.resolve("cloud-base/cloud-base.pkr.hcl");
        Files.writeString(template, Files.readString(template).replaceFirst("provisioner \"shell\" \\{",
                "provisioner \"shell\" {\n    no_such_option = true"));
        PharosException e = assertThrows(PharosException.class, () -> images(module, t.resolve("target"),
                List.of("cloud-base"), Map.of(), new PackerTool.Host(), new RecordingConsole()).validate());
        assertTrue(e.getMessage().startsWith("packer validate of cloud-base failed"), e.getMessage());
        assertTrue(e.getMessage().contains("no_such_option"), e.getMessage());
    }

    /** A PackerTool that records the calls and answers like Packer 1.6.6 would. */
    static final class FakePacker implements PackerTool {
        final List<List<String>> calls = new ArrayList<>();

        @Override
        public int packer(List<String> args, Path workDir, Map<String, String> env, List<Path> paths,
                          Consumer<String> out) {
            calls.add(args);
            return 0;
        }

        @Override
        public int tool(List<String> command, List<Path> paths, Consumer<String> out) {
            calls.add(command);
            out.accept(command.get(0).equals("packer") ? "Packer v1.6.6" : "QEMU emulator version 7.2.22");
            return 0;
        }

        @Override
        public String describe() {
            return "fake";
        }
    }

    /**
     * Packer whose first {@code silentBoots} builds never get SSH (as Packer 1.6.6 reports it, console written),
     * later builds succeed (the qcow2 appears); qemu-img convert writes its output.
     */
    static final class SilentGuestPacker implements PackerTool {
        final int silentBoots;
        int builds;

        SilentGuestPacker(int silentBoots) {
            this.silentBoots = silentBoots;
        }

        @Override
        public int packer(List<String> args, Path workDir, Map<String, String> env, List<Path> paths,
                          Consumer<String> out) throws PharosException {
            String dir = args.stream().filter(a -> a.startsWith("-var=output_directory=")).findFirst().orElseThrow()
                    .substring("-var=output_directory=".length());
            Path packerOut = Path.of(dir);
            try {
                Files.createDirectories(packerOut);
                Files.writeString(Path.of(env.get("PACKER_LOG_PATH")), "packer log of build " + (builds + 1) + "\n");
                if (++builds <= silentBoots) {
                    Files.writeString(Path.of(dir + "-console.log"), "[    0.000000] Linux version 6.12\r\n"
                            + "[    3.100000] hung in boot " + builds + "\r\n");
                    out.accept("1,,ui,say,==> x.qemu.vm: Waiting for SSH to become available...");
                    out.accept("2,,ui,error,==> x.qemu.vm: Timeout waiting for SSH.");
                    out.accept("3,,ui,say,==> x.qemu.vm: Deleting output directory...");
                    out.accept("4,,ui,error,Build 'x.qemu.vm' errored after 5 minutes: Timeout waiting for SSH.");
                    return 1;
                }
                Files.writeString(packerOut.resolve("cloud-base.qcow2"), "disk");
                out.accept("1,,ui,say,==> x.qemu.vm: Connected to SSH!");
                return 0;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public int tool(List<String> command, List<Path> paths, Consumer<String> out) {
            if (command.get(0).equals("qemu-img") && command.get(1).equals("convert")) {
                try {
                    Files.writeString(Path.of(command.get(command.size() - 1)), "compressed");
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                return 0;
            }
            out.accept(command.get(0).equals("packer") ? "Packer v1.6.6" : "QEMU emulator version 7.2.22");
            return 0;
        }

        @Override
        public String describe() {
            return "fake";
        }
    }

    private static BaseImage.Base fakeBase(Path t) throws Exception {
        Path disk = t.resolve("base.qcow2");
        Files.writeString(disk, "base");
        return new BaseImage.Base(disk.toString(), Fingerprint.sha256(disk), "mirror", "m", null, true, "f", "n");
    }

    @Test
    void aGuestThatNeverAnswersSshIsBootedOnceMoreAndTheFirstConsoleIsKept(@TempDir Path t) throws Exception {
        SilentGuestPacker packer = new SilentGuestPacker(1);
        RecordingConsole console = new RecordingConsole();
        List<PackerImages.Outcome> out = images(moduleDir(), t, List.of("cloud-base"), Map.of(), packer, console)
                .build(fakeBase(t));
        assertEquals(2, packer.builds);
        assertFalse(out.get(0).upToDate());
        assertEquals("compressed", Files.readString(out.get(0).qcow2()));
        assertTrue(console.all().contains("WARN cloud-base: the guest did not answer SSH (guest console: "
                + "[    0.000000] Linux version 6.12 | [    3.100000] hung in boot 1): building once more"), console.all());
        assertEquals("[    3.100000] hung in boot 1", Files.readAllLines(t.resolve(
                "cloud-base/packer-output-console.log.attempt1")).get(1));
        assertEquals("packer log of build 1", Files.readString(t.resolve("cloud-base/packer.log.attempt1")).strip());
        assertEquals("packer log of build 2", Files.readString(t.resolve("cloud-base/packer.log")).strip());
    }

    @Test
    void aGuestSilentTwiceFailsNamingTheWaitAndQuotingTheConsole(@TempDir Path t) throws Exception {
        SilentGuestPacker packer = new SilentGuestPacker(2);
        PharosException e = assertThrows(PharosException.class, () -> images(moduleDir(), t, List.of("cloud-base"),
                Map.of(), packer, new RecordingConsole()).build(fakeBase(t)));
        assertEquals(2, packer.builds);
        assertTrue(e.getMessage().startsWith("packer build of cloud-base failed (exit 1) in step 'Waiting for SSH to "
                + "become available...': Build 'x.qemu.vm' errored after 5 minutes: Timeout waiting for SSH."),
                e.getMessage());
        assertTrue(e.getMessage().contains("(guest console, accelerator tcg: [    0.000000] Linux version 6.12 | "
                + "[    3.100000] hung in boot 2; full console "), e.getMessage());
        assertFalse(Files.exists(t.resolve("cloud-base/manifest.json")));
        assertFalse(Files.exists(t.resolve("cloud-base/packer-output")));
    }

    @Test
    void aBaseImageWithAWrongChecksumIsRefusedBeforePackerStarts(@TempDir Path t) throws Exception {
        Path disk = t.resolve("base.qcow2");
        Files.writeString(disk, "base");
        BaseImage.Base base = new BaseImage.Base(disk.toString(), "00".repeat(32), "mirror", "m", null, true, "f", "n");
        FakePacker fake = new FakePacker();
        PharosException e = assertThrows(PharosException.class, () -> images(moduleDir(), t, List.of("cloud-base"),
                Map.of(), fake, new RecordingConsole()).build(base));
        assertTrue(e.getMessage().contains("does not match its checksum"), e.getMessage());
        assertEquals(List.of(), fake.calls, "Packer must not have been started");
    }
}
