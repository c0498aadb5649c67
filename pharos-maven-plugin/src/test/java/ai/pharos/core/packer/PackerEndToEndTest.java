package ai.pharos.core.packer;

import ai.pharos.core.Console;
import ai.pharos.core.PharosException;
import ai.pharos.core.process.ProcessRunner;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Real Packer, real qemu (TCG without KVM), real boots: two small fixture images built from the mirror-built base
 * (cached in ~/.cache/pharos), booted again and checked; a second run is up to date; a variable change rebuilds only
 * that image; killing the build's JVM mid-provisioning leaves no qemu and an untrusted output, and the next build
 * names its failing provisioner. Takes ~10 min under TCG, so it is opt-in: {@code -Dpharos.packer.e2e=true} (CI sets it). Needs root (debootstrap) the first time.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PackerEndToEndTest {
    static Path module;
    static Path target;
    static SshKeys.KeyPairFiles key;
    static BaseImage.Base base;

    @BeforeAll
    static void setUp() throws Exception {
        assumeTrue(Boolean.getBoolean("pharos.packer.e2e"),
                "end-to-end Packer builds take ~15 min under TCG: enable with -Dpharos.packer.e2e=true");
        for (String tool : List.of("packer", "qemu-system-x86_64", "qemu-img", "xorriso", "ssh", "setpriv")) {
            assumeTrue(ProcessRunner.which(tool).isPresent(), tool + " is not installed");
        }
        Path cache = Path.of(System.getProperty("user.home"), ".cache", "pharos");
        key = SshKeys.ensure(cache.resolve("ssh"), Console.SILENT);
        assumeTrue(RootRunner.isRoot() || Files.isDirectory(cache.resolve("base")),
                "building the mirror base needs root (debootstrap)");
        base = BaseImage.fetch(new BaseImage.Request(BaseImage.Source.MIRROR, "", null, "trixie",
                System.getProperty("pharos.base.mirror", "http://deb.debian.org/debian"), 4096, cache, key,
                QemuVm.defaultAccelerator(), new RootRunner.Host()), new RecordingConsole());
        Path root = Path.of(System.getProperty("user.dir")).resolve("target").resolve("packer-e2e");
        BaseImage.deleteTree(root);
        module = root.resolve("module");
        target = root.resolve("target");
        PackerImagesTest.copyTree(PackerImagesTest.moduleDir().resolve("common"), module.resolve("common"));
        Path fixture = Path.of(PackerEndToEndTest.class.getResource("/packer-fixture/tiny").toURI());
        for (String name : List.of("tiny-a", "tiny-b")) {
            PackerImagesTest.copyTree(fixture, module.resolve(name));
            Path t = module.resolve(name).resolve(name + ".pkr.hcl");
            Files.move(module.resolve(name).resolve("tiny.pkr.hcl"), t);
            Files.writeString(t, Files.readString(t).replace("\"tiny\"", "\"" + name + "\"")
                    .replace("source.qemu.tiny", "source.qemu." + name).replace("tiny.qcow2", name + ".qcow2"));
        }
    }

    static PackerImages images(List<String> only, boolean check, Console console) {
        return new PackerImages(new PackerImages.Settings(module, only, target, key, null, QemuVm.defaultAccelerator(),
                Map.of(), check), new PackerTool.Host(), console);
    }

    @Test
    @Order(1)
    void buildsBootsAndChecksTwoImagesThenIsUpToDate() throws Exception {
        // the in-image checks boot tiny-a once more (the real images in packer-images are all checked; one boot
        // here is enough to cover the mechanism, and each TCG boot costs the CI run a minute and a half)
        RecordingConsole console = new RecordingConsole();
        List<PackerImages.Outcome> built = new ArrayList<>(images(List.of("tiny-a"), true, console).build(base));
        built.addAll(images(List.of("tiny-b"), false, console).build(base));
        assertEquals(2, built.size());
        for (PackerImages.Outcome o : built) {
            assertFalse(o.upToDate());
            Provenance p = Provenance.read(o.manifest());
            assertEquals(Fingerprint.sha256(o.qcow2()), p.sha256());
            assertEquals("sha256:" + base.sha256(), p.baseChecksum());
            assertTrue(p.packerVersion().matches("\\d+\\.\\d+\\.\\d+"), p.packerVersion());
            assertTrue(console.all().contains("[" + o.image() + "] Provisioning with shell script"), console.all());
            assertTrue(Files.isRegularFile(target.resolve(o.image()).resolve("packer.log")));
            // zstd-compressed qcow2
            List<String> info = new ArrayList<>();
            ProcessRunner.run(List.of("qemu-img", "info", o.qcow2().toString()), null, Map.of(), info::add, info::add);
            assertTrue(String.join("\n", info).contains("compression type: zstd"), String.join("\n", info));
        }
        Provenance checked = Provenance.read(built.get(0).manifest());
        assertTrue(checked.packages().containsKey("cloud-init"), "package list read from the image");
        assertTrue(console.all().contains("tiny-a: ok: all checks passed"), console.all());
        RecordingConsole again = new RecordingConsole();
        List<PackerImages.Outcome> second = images(List.of(), false, again).build(base);
        assertTrue(second.stream().allMatch(PackerImages.Outcome::upToDate), again.all());
        assertFalse(again.all().contains("packer build"), again.all());
    }

    @Test
    @Order(2)
    void aVariableChangeRebuildsOnlyThatImage() throws Exception {
        String before = Provenance.read(target.resolve("tiny-b/manifest.json")).sha256();
        Files.writeString(module.resolve("tiny-a/image.pkrvars.hcl"), "label = \"changed\"\n");
        RecordingConsole console = new RecordingConsole();
        List<PackerImages.Outcome> out = images(List.of(), false, console).build(base);
        assertFalse(out.get(0).upToDate(), console.all());
        assertTrue(out.get(1).upToDate(), console.all());
        assertEquals(before, Provenance.read(target.resolve("tiny-b/manifest.json")).sha256());
        assertTrue(console.all().contains("pharos-tiny-changed"), console.all());
    }

    @Test
    @Order(3)
    void killingTheBuildMidProvisioningLeavesNoQemuAndTheNextRunBuildsAgainAndNamesAFailingProvisioner() throws Exception {
        Files.writeString(module.resolve("tiny-b/image.pkrvars.hcl"), "label = \"slow\"\nsleep_seconds = 900\n");
        base.write(target.getParent().resolve("base.json"));
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process child = new ProcessBuilder(java.toString(), "-cp", classpath, PackerEndToEndMain.class.getName(),
                module.toString(), target.toString(), key.privateKey().getParent().toString(),
                target.getParent().resolve("base.json").toString(), "tiny-b").redirectErrorStream(true).start();
        CountDownLatch provisioning = new CountDownLatch(1);
        List<String> output = new ArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream()))) {
                String line;
                while ((line = r.readLine()) != null) {
                    synchronized (output) {
                        output.add(line);
                    }
                    if (line.contains("pharos-tiny-slow")) {
                        provisioning.countDown();
                    }
                }
            } catch (java.io.IOException ignored) {
                // child killed
            }
        });
        reader.setDaemon(true);
        reader.start();
        boolean reached = provisioning.await(15, TimeUnit.MINUTES);
        assertTrue(reached, "the build never reached the provisioner: " + output);
        assertTrue(qemuFor(target).size() > 0, "qemu should be running mid-provisioning");
        child.destroyForcibly(); // SIGKILL: no shutdown hook runs; Packer gets SIGTERM through its parent-death signal
        child.waitFor();
        Instant deadline = Instant.now().plus(Duration.ofSeconds(120));
        while (!qemuFor(target).isEmpty() && Instant.now().isBefore(deadline)) {
            Thread.sleep(2000);
        }
        assertEquals(List.of(), qemuFor(target), "no qemu may be left running");
        assertFalse(Files.exists(target.resolve("tiny-b/manifest.json")), "an interrupted build has no manifest");
        // The next run does not trust what is left: it builds again. That build gets a failing provisioner, which
        // also shows how a provisioner failure is reported (one boot less for the CI run than a separate test).
        Files.writeString(module.resolve("tiny-b/image.pkrvars.hcl"), "label = \"b2\"\n");
        Path t = module.resolve("tiny-b/tiny-b.pkr.hcl");
        Files.writeString(t, Files.readString(t).replace("\"echo pharos-tiny-${var.label}\",",
                "\"echo pharos-tiny-${var.label}\", \"echo about to fail >&2\", \"exit 7\","));
        RecordingConsole console = new RecordingConsole();
        PharosException e = org.junit.jupiter.api.Assertions.assertThrows(PharosException.class,
                () -> images(List.of("tiny-b"), false, console).build(base));
        assertTrue(console.all().contains("tiny-b: packer build ("), "a new build was started: " + console.all());
        assertTrue(console.all().contains("pharos-tiny-b2"), console.all());
        assertTrue(e.getMessage().startsWith("packer build of tiny-b failed (exit 1) in provisioner 'shell script"),
                e.getMessage());
        assertTrue(e.getMessage().contains("exit status: 7"), e.getMessage());
        assertTrue(e.getMessage().contains("(guest console, accelerator "), e.getMessage());
        assertFalse(Files.exists(target.resolve("tiny-b/packer-output")));
        assertFalse(Files.exists(target.resolve("tiny-b/manifest.json")));
        assertEquals(List.of(), qemuFor(target));
    }

    /** qemu processes whose command line mentions {@code dir}. */
    static List<Long> qemuFor(Path dir) {
        return ProcessHandle.allProcesses().filter(p -> p.info().commandLine().map(c -> c.contains("qemu-system")
                && c.contains(dir.toString())).orElse(false)).map(ProcessHandle::pid).toList();
    }
}
