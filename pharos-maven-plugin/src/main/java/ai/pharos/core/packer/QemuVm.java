package ai.pharos.core.packer;

import ai.pharos.core.Console;
import ai.pharos.core.PharosException;
import ai.pharos.core.process.ProcessRunner;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A short-lived qemu VM on the host, reached over SSH on a port forwarded from 127.0.0.1 only. Used to finish the
 * mirror-built base disk (GRUB installed inside the guest) and for the in-image tests. The qemu process gets
 * {@code setpriv --pdeathsig KILL}, so it dies with the build even when the JVM is killed outright; {@link #close()}
 * kills it otherwise.
 */
public final class QemuVm implements AutoCloseable {

    /**
     * How to boot.
     *
     * @param disk        the qcow2 to boot
     * @param snapshot    write guest changes to a temporary overlay (the image stays untouched)
     * @param accelerator {@code kvm} or {@code tcg}
     * @param kernel      direct kernel boot: kernel, initrd and command line (null: boot the disk's bootloader)
     * @param seedIso     a cloud-init {@code cidata} ISO to attach, or null
     * @param restrictNet no guest traffic beyond the SSH forward (qemu user net {@code restrict=on})
     * @param serialLog   where the guest console goes
     */
    public record Spec(Path disk, boolean snapshot, String accelerator, int cpus, int memoryMiB, Path kernel,
                       Path initrd, String append, Path seedIso, boolean restrictNet, Path serialLog) {
    }

    /**
     * The programs a VM needs: qemu, behind {@code setpriv --pdeathsig KILL} so that it dies with the JVM, and ssh.
     * Tests put scripts in their place.
     */
    record Programs(List<String> qemu, String ssh) {
        static final Programs SYSTEM = new Programs(
                List.of("setpriv", "--pdeathsig", "KILL", "qemu-system-x86_64"), "ssh");
    }

    private final Process process;
    private final Programs programs;
    private final int port;
    private final Path privateKey;
    private final String user;
    private final Console console;
    private final Spec spec;

    private QemuVm(Process process, Programs programs, int port, Path privateKey, String user, Console console,
                   Spec spec) {
        this.process = process;
        this.programs = programs;
        this.port = port;
        this.privateKey = privateKey;
        this.user = user;
        this.console = console;
        this.spec = spec;
    }

    /**
     * The accelerator to use: {@code kvm} when /dev/kvm can be opened read-write and the CPU advertises hardware
     * virtualisation (vmx/svm in /proc/cpuinfo; sandboxes expose a /dev/kvm that cannot run guests), else
     * {@code tcg}.
     */
    public static String defaultAccelerator() {
        Path kvm = Path.of("/dev/kvm");
        if (!Files.isReadable(kvm) || !Files.isWritable(kvm)) {
            return "tcg";
        }
        try {
            String cpuinfo = Files.readString(Path.of("/proc/cpuinfo"));
            return java.util.regex.Pattern.compile("^flags\\s*:.*\\b(vmx|svm)\\b", java.util.regex.Pattern.MULTILINE)
                    .matcher(cpuinfo).find() ? "kvm" : "tcg";
        } catch (IOException e) {
            return "tcg";
        }
    }

    public static QemuVm start(Spec spec, Path privateKey, String user, Console console) throws PharosException {
        return start(spec, privateKey, user, console, Programs.SYSTEM);
    }

    static QemuVm start(Spec spec, Path privateKey, String user, Console console, Programs programs)
            throws PharosException {
        int port = freeLoopbackPort();
        List<String> cmd = new ArrayList<>(programs.qemu());
        cmd.addAll(List.of("-accel", spec.accelerator(), "-machine", "pc",
                "-cpu", "kvm".equals(spec.accelerator()) ? "host" : "max",
                "-smp", Integer.toString(spec.cpus()), "-m", Integer.toString(spec.memoryMiB()),
                "-display", "none", "-no-reboot", "-serial", "file:" + spec.serialLog(),
                "-drive", "file=" + spec.disk() + ",if=virtio,format=qcow2,cache=unsafe,discard=unmap",
                "-netdev", "user,id=n0" + (spec.restrictNet() ? ",restrict=on" : "")
                        + ",hostfwd=tcp:127.0.0.1:" + port + "-:22",
                "-device", "virtio-net-pci,netdev=n0"));
        if (spec.snapshot()) {
            cmd.add("-snapshot");
        }
        if (spec.kernel() != null) {
            cmd.addAll(List.of("-kernel", spec.kernel().toString(), "-initrd", spec.initrd().toString(),
                    "-append", spec.append()));
        }
        if (spec.seedIso() != null) {
            cmd.addAll(List.of("-drive", "file=" + spec.seedIso() + ",media=cdrom,readonly=on"));
        }
        console.debug("qemu: " + String.join(" ", cmd));
        try {
            Files.createDirectories(spec.serialLog().getParent());
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(spec.serialLog().resolveSibling(spec.serialLog().getFileName() + ".qemu").toFile());
            pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            return new QemuVm(pb.start(), programs, port, privateKey, user, console, spec);
        } catch (IOException e) {
            throw new PharosException("Cannot start qemu-system-x86_64: " + e.getMessage(), null,
                    "Install qemu-system-x86 (and util-linux for setpriv).", e);
        }
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    /** How long a guest may take to answer SSH: our images answer in 30-50 s under TCG; silence for this long is a hang. */
    public static final Duration SSH_TIMEOUT = Duration.ofMinutes(5);

    /** The guest ran but never answered SSH within the timeout (as opposed to qemu exiting). */
    public static final class SshTimeout extends PharosException {
        private static final long serialVersionUID = 1L;

        SshTimeout(String message, String fix) {
            super(message, null, fix);
        }
    }

    /**
     * {@link #start} and {@link #waitForSsh}; a guest that stays silent on SSH for the whole timeout is booted once
     * more (a rare hang of a TCG boot), with a warning quoting its console; the first console log is kept as
     * {@code <serialLog>.attempt1}. A second silence, or qemu exiting, fails.
     */
    public static QemuVm startAndWaitForSsh(Spec spec, Path privateKey, String user, Duration timeout,
                                            Console console) throws PharosException {
        return startAndWaitForSsh(spec, privateKey, user, timeout, console, Programs.SYSTEM);
    }

    static QemuVm startAndWaitForSsh(Spec spec, Path privateKey, String user, Duration timeout, Console console,
                                     Programs programs) throws PharosException {
        for (int attempt = 1; ; attempt++) {
            QemuVm vm = start(spec, privateKey, user, console, programs);
            try {
                vm.waitForSsh(timeout);
                return vm;
            } catch (SshTimeout e) {
                vm.close();
                if (attempt > 1) {
                    throw e;
                }
                console.warn(e.getMessage() + ": booting it once more");
                GuestConsole.keepAsFirstAttempt(spec.serialLog());
            } catch (PharosException | RuntimeException e) {
                vm.close();
                throw e;
            }
        }
    }

    /** Wait until SSH answers; fails with the console tail when qemu exits or the timeout passes. */
    public void waitForSsh(Duration timeout) throws PharosException {
        Instant start = Instant.now();
        Instant deadline = start.plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            failIfExited();
            ProcessRunner.Result r = ssh(List.of("true"), s -> { }, Duration.ofSeconds(20));
            if (r.ok()) {
                console.info("SSH up after " + Duration.between(start, Instant.now()).toSeconds() + " s (port "
                        + port + " on 127.0.0.1)");
                return;
            }
            sleep(3000);
        }
        failIfExited(); // qemu that died during the last wait is a failed boot, not a silent guest (never retried)
        throw new SshTimeout("The VM did not answer SSH within " + timeout.toSeconds() + " s (guest console: "
                + consoleTail() + ")", "Read the console log " + spec.serialLog() + ".");
    }

    private void failIfExited() throws PharosException {
        if (!process.isAlive()) {
            throw new PharosException("The VM exited before SSH came up (exit " + process.exitValue() + "): "
                    + consoleTail(), null, "Read the console log " + spec.serialLog() + ".");
        }
    }

    /** Run a command in the guest; stdout lines go to {@code out}. */
    public ProcessRunner.Result ssh(List<String> remote, java.util.function.Consumer<String> out, Duration timeout)
            throws PharosException {
        List<String> cmd = new ArrayList<>(List.of("timeout", "--kill-after=5", timeout.toSeconds() + "s",
                programs.ssh(),
                "-i", privateKey.toString(), "-p", Integer.toString(port),
                "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=10", "-o", "IdentitiesOnly=yes",
                user + "@127.0.0.1", "--"));
        cmd.addAll(remote);
        return ProcessRunner.run(cmd, null, null, out, s -> console.debug("ssh: " + s));
    }

    /** Run a command and return its stdout; throws when it fails. */
    public String sshOutput(String remote, Duration timeout) throws PharosException {
        StringBuilder sb = new StringBuilder();
        ProcessRunner.Result r = ssh(List.of(remote), l -> sb.append(l).append('\n'), timeout);
        // 255: the connection itself failed (sshd restarted by cloud-init during first boot): retry
        for (int attempt = 0; r.exitCode() == 255 && attempt < 6 && process.isAlive(); attempt++) {
            sleep(5000);
            sb.setLength(0);
            r = ssh(List.of(remote), l -> sb.append(l).append('\n'), timeout);
        }
        if (!r.ok()) {
            List<String> out = sb.toString().lines().toList();
            List<String> tail = new ArrayList<>(out.subList(Math.max(0, out.size() - 8), out.size()));
            tail.addAll(r.stderrTail());
            throw new PharosException("Command failed in the VM (exit " + r.exitCode() + "): " + remote + ": "
                    + String.join(" | ", tail), null, null);
        }
        return sb.toString();
    }

    /** Power the guest off and wait for qemu to exit (killed after the timeout). */
    public void shutdown(Duration timeout) throws PharosException {
        if (!process.isAlive()) {
            return;
        }
        ssh(List.of("sudo systemctl poweroff"), s -> { }, Duration.ofSeconds(20));
        try {
            if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
                console.warn("The VM did not power off within " + timeout.toSeconds() + " s: killing qemu");
                close();
            }
        } catch (InterruptedException e) {
            close();
            Thread.currentThread().interrupt();
            throw new PharosException("Interrupted while the VM powered off", null, null, e);
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            ProcessRunner.destroyTree(process);
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    String consoleTail() {
        return GuestConsole.tail(spec.serialLog(), 8);
    }

    static int freeLoopbackPort() throws PharosException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new PharosException("No free TCP port on 127.0.0.1: " + e.getMessage(), null, null, e);
        }
    }

    private static void sleep(long ms) throws PharosException {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PharosException("Interrupted while waiting for the VM", null, null, e);
        }
    }
}
