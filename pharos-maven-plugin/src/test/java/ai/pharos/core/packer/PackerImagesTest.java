package ai.pharos.core.packer;

import ai.pharos.core.PharosException;
import ai.pharos.core.process.ProcessRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
