package ai.pharos.core.packer;

import ai.pharos.core.Console;
import ai.pharos.core.PharosException;
import ai.pharos.core.process.ProcessRunner;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The in-image tests run after every build. The image is booted from a throw-away overlay ({@code -snapshot}: the
 * qcow2 is not modified) with qemu user networking restricted to the SSH forward on 127.0.0.1, and a fresh
 * cloud-init seed that creates a check user {@code pharos-check} with the provisioning key — the build user is gone,
 * and creating a different user lets the tests see that. Then {@code common/checks.sh} and {@code <image>/checks.sh}
 * run as root over SSH; the package list is read for the provenance.
 */
public final class ImageChecks {
    static final String CHECK_USER = "pharos-check";
    private final Path moduleDir;
    private final SshKeys.KeyPairFiles key;
    private final String accelerator;
    private final Console console;

    public ImageChecks(Path moduleDir, SshKeys.KeyPairFiles key, String accelerator, Console console) {
        this.moduleDir = moduleDir;
        this.key = key;
        this.accelerator = accelerator;
        this.console = console;
    }

    /** Boot {@code qcow2}, run the checks, return the installed packages. */
    public Map<String, String> run(String image, Path qcow2, Path workDir) throws PharosException {
        Instant t0 = Instant.now();
        Path seed = SeedIso.write(workDir.resolve("check-seed.iso"), "pharos-check-" + image,
                SeedIso.checkUserData(CHECK_USER, key.publicKeyLine()));
        QemuVm.Spec spec = new QemuVm.Spec(qcow2, true, accelerator, 2, 1024, null, null, null, seed, true,
                workDir.resolve("check-console.log"));
        console.info(image + ": in-image tests: booting the image (no network beyond SSH on 127.0.0.1)");
        Map<String, String> packages = new TreeMap<>();
        try (QemuVm vm = QemuVm.startAndWaitForSsh(spec, key.privateKey(), CHECK_USER, QemuVm.SSH_TIMEOUT, console)) {
            vm.sshOutput("sudo cloud-init status --wait >/dev/null 2>&1 || true", Duration.ofMinutes(5));
            StringBuilder script = new StringBuilder("set -u\nIMAGE=" + image + "\n");
            script.append(read(moduleDir.resolve(PackerImages.COMMON).resolve("checks.sh")));
            Path own = moduleDir.resolve(image).resolve("checks.sh");
            if (Files.isRegularFile(own)) {
                script.append('\n').append(read(own));
            }
            script.append("\nfinish\n");
            List<String> lines = new ArrayList<>();
            ProcessRunner.Result r = sshScript(vm, script.toString(), lines);
            List<String> failures = new ArrayList<>();
            for (String l : lines) {
                if (l.startsWith("FAIL")) {
                    failures.add(l);
                    console.warn(image + ": " + l);
                } else {
                    console.info(image + ": " + l);
                }
            }
            if (!r.ok() || !failures.isEmpty()) {
                throw new PharosException("In-image tests of " + image + " failed: " + (failures.isEmpty()
                        ? "exit " + r.exitCode() + " " + String.join(" | ", r.stderrTail()) : String.join(" | ", failures))
                        + " (console log " + spec.serialLog() + ")", "pharos.images",
                        "Fix the provisioning of " + image + " so that its checks pass.");
            }
            packages.putAll(installedPackages(vm.sshOutput(
                    "dpkg-query -W -f '${db:Status-Abbrev} ${Package} ${Version}\\n'", Duration.ofMinutes(2))));
            vm.close();
        }
        console.info(image + ": in-image tests passed in " + Duration.between(t0, Instant.now()).toSeconds()
                + " s (" + packages.size() + " packages installed)");
        try {
            Files.deleteIfExists(seed);
        } catch (IOException ignored) {
            // harmless
        }
        return packages;
    }

    private ProcessRunner.Result sshScript(QemuVm vm, String script, List<String> lines) throws PharosException {
        List<String> cmd = List.of("timeout", "--kill-after=5", "600s", "ssh", "-i", key.privateKey().toString(),
                "-p", Integer.toString(vm.port()), "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
                "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "IdentitiesOnly=yes",
                CHECK_USER + "@127.0.0.1", "--", "sudo", "bash", "-s");
        return ProcessRunner.run(cmd, null, Map.of(),
                new ByteArrayInputStream(script.getBytes(StandardCharsets.UTF_8)), lines::add, lines::add);
    }

    /**
     * Slurm and munge must have the same version in every image: compare with the manifests of the other images
     * already built in {@code buildDir}.
     */
    /**
     * The installed packages in {@code dpkg-query -W -f '${db:Status-Abbrev} ${Package} ${Version}\n'} output:
     * status {@code ?i} (installed), whatever is wanted — held packages ({@code hi}) count: Slurm and munge are held.
     */
    static Map<String, String> installedPackages(String dpkgQuery) {
        Map<String, String> packages = new TreeMap<>();
        for (String l : dpkgQuery.split("\n")) {
            String[] f = l.trim().split("\\s+");
            if (f.length == 3 && f[0].length() >= 2 && f[0].charAt(1) == 'i') {
                packages.put(f[1], f[2]);
            }
        }
        return packages;
    }

    public void checkSameVersions(String image, Map<String, String> packages, Path buildDir, List<String> images)
            throws PharosException {
        for (String other : images) {
            Path m = buildDir.resolve(other).resolve("manifest.json");
            if (other.equals(image) || !Files.isRegularFile(m)) {
                continue;
            }
            Map<String, String> theirs = Provenance.read(m).packages();
            for (String p : PackerImages.slurmPackages()) {
                String mine = packages.get(p);
                String their = theirs == null ? null : theirs.get(p);
                if (mine != null && their != null && !mine.equals(their)) {
                    throw new PharosException(image + " has " + p + " " + mine + " but " + other + " has " + their,
                            "pharos.images", "Pin one version in common/versions.pkrvars.hcl and rebuild both images.");
                }
            }
        }
        String slurm = packages.getOrDefault("slurm-client", packages.get("slurmd"));
        if (slurm != null) {
            console.info(image + ": Slurm " + slurm + ", munge " + packages.get("munge")
                    + " (same as the other images built)");
        }
    }

    private static String read(Path p) throws PharosException {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new PharosException("Cannot read " + p + ": " + e.getMessage(), null, null, e);
        }
    }
}
