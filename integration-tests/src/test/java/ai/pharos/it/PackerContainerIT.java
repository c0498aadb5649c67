package ai.pharos.it;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Packer in the dev container (the packer-images default), interrupted the hard way: Maven is killed with SIGKILL
 * while a provisioner runs. The engine keeps a container running when its client dies, so this is what the
 * plugin's heartbeat watchdog is for: Packer must stop, its qemu must be gone, its output removed, and no manifest
 * may claim the image was built. (The host-Packer path is covered by the plugin's PackerEndToEndTest.)
 */
class PackerContainerIT {

    @Test
    void killingMavenMidProvisioningStopsPackerAndQemuInTheDevContainer() throws Exception {
        assumeTrue(Boolean.getBoolean("pharos.packer.e2e"),
                "builds a VM under TCG: enable with -Dpharos.packer.e2e=true (the README's test command does)");
        Docker.assumeDevImage();
        Path repo = Path.of(System.getProperty("pharos.its.source")).toAbsolutePath().getParent().getParent()
                .getParent().normalize();
        Path fixture = repo.resolve("pharos-maven-plugin/src/test/resources/packer-fixture/tiny");
        Path common = repo.resolve("packer-images/common");
        assumeTrue(Files.isDirectory(fixture) && Files.isDirectory(common), "no Packer fixture under " + repo);

        Path project = MavenRun.copy("packer-container", "kill");
        MavenRun.copyTree(common, project.resolve("common"));
        MavenRun.copyTree(fixture, project.resolve("tiny"));
        Files.writeString(project.resolve("tiny/image.pkrvars.hcl"), "label = \"slow\"\nsleep_seconds = 900\n");

        List<String> cmd = List.of(Path.of(System.getProperty("maven.home"), "bin", "mvn").toString(), "-B", "-o",
                "-Dmaven.repo.local=" + System.getProperty("pharos.localRepository"),
                "-Dpharos.version=" + System.getProperty("pharos.version"), "package");
        Process maven = new ProcessBuilder(cmd).directory(project.toFile()).redirectErrorStream(true).start();
        List<String> output = new ArrayList<>();
        CountDownLatch provisioning = new CountDownLatch(1);
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(maven.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    System.out.println("    | " + line);
                    synchronized (output) {
                        output.add(line);
                    }
                    if (line.contains("pharos-tiny-slow")) {
                        provisioning.countDown();
                    }
                }
            } catch (java.io.IOException ignored) {
                // Maven was killed
            }
        });
        reader.setDaemon(true);
        reader.start();
        try {
            assertTrue(provisioning.await(20, TimeUnit.MINUTES), "the build never reached the provisioner");
            synchronized (output) {
                assertTrue(output.stream().anyMatch(l -> l.contains("dev container pharos-dev")),
                        "Packer should run in the dev container: " + output);
            }
            assertFalse(qemuFor(project).isEmpty(), "qemu should be running mid-provisioning");
        } finally {
            // SIGKILL to Maven's JVM (bin/mvn execs java): no shutdown hook, no finally block runs in it
            maven.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
            maven.destroyForcibly();
            maven.waitFor();
        }

        // the watchdog notices the stale heartbeat (30 s), Packer stops qemu and cleans up, the container ends
        Instant deadline = Instant.now().plus(Duration.ofSeconds(180));
        while (!qemuFor(project).isEmpty() && Instant.now().isBefore(deadline)) {
            Thread.sleep(2000);
        }
        assertEquals(List.of(), qemuFor(project), "no qemu may be left running after Maven was killed");
        Instant gone = Instant.now().plus(Duration.ofSeconds(60));
        while (!runningPackerContainers(project).isEmpty() && Instant.now().isBefore(gone)) {
            Thread.sleep(2000);
        }
        assertEquals("", runningPackerContainers(project), "the dev container running Packer must have ended");
        assertFalse(Files.exists(project.resolve("target/tiny/manifest.json")), "an interrupted build has no manifest");
        assertFalse(Files.exists(project.resolve("target/tiny/tiny.qcow2")), "no image from an interrupted build");
        assertFalse(Files.exists(project.resolve("target/tiny/packer-output/tiny.qcow2")),
                "Packer removed its partial output");
    }

    /** qemu processes (in any container: the host sees them) whose command line mentions {@code dir}. */
    static List<Long> qemuFor(Path dir) {
        return ProcessHandle.allProcesses().filter(p -> p.info().commandLine().map(c -> c.contains("qemu-system")
                && c.contains(dir.toString())).orElse(false)).map(ProcessHandle::pid).toList();
    }

    /** Running containers of the plugin whose command mentions the project (docker ps, independent of the plugin). */
    static String runningPackerContainers(Path project) throws Exception {
        Docker.Out ps = Docker.cli("ps", "--no-trunc", "--filter", "label=ai.pharos.run", "--format", "{{.Command}}");
        return ps.stdout().lines().filter(l -> l.contains(project.toString())).reduce("", (a, b) -> a + b + "\n");
    }
}
