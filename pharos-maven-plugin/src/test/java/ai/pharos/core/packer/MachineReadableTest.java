package ai.pharos.core.packer;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MachineReadableTest {

    @Test
    void parsesFieldsAndUnescapesCommasAndNewlines() {
        MachineReadable.Event e = MachineReadable.parse(
                "1732570000,qemu.hpc-controller,ui,say,==> qemu.hpc-controller: a%!(PACKER_COMMA) b\\nc").orElseThrow();
        assertEquals(1732570000L, e.timestamp());
        assertEquals("qemu.hpc-controller", e.target());
        assertEquals("ui", e.type());
        assertEquals(List.of("say", "==> qemu.hpc-controller: a, b\nc"), e.data());
        assertTrue(e.isUi("say"));
    }

    @Test
    void plainTextIsNotAnEvent() {
        assertTrue(MachineReadable.parse("Build 'qemu' errored: boom").isEmpty());
        assertTrue(MachineReadable.parse("").isEmpty());
        assertTrue(MachineReadable.parse("abc,def,ghi").isEmpty());
    }

    @Test
    void progressNamesTheFailingProvisionerAndCollectsErrors() {
        RecordingConsole console = new RecordingConsole();
        PackerProgress p = new PackerProgress("hpc-controller", console);
        p.accept("1,,ui,say,qemu.hpc-controller: output will be in this color.");
        p.accept("2,qemu.hpc-controller,ui,say,==> qemu.hpc-controller: Waiting for SSH to become available...");
        p.accept("3,qemu.hpc-controller,ui,say,==> qemu.hpc-controller: Provisioning with shell script: "
                + "/x/common/scripts/slurm.sh");
        p.accept("4,qemu.hpc-controller,ui,message,    qemu.hpc-controller: E: Unable to locate package slurmctld");
        p.accept("5,qemu.hpc-controller,ui,error,==> qemu.hpc-controller: Script exited with non-zero exit status: "
                + "100.Allowed exit codes are: [0]");
        p.accept("6,,ui,error,Build 'qemu.hpc-controller' errored after 2 minutes: Script exited with non-zero "
                + "exit status: 100.Allowed exit codes are: [0]");
        assertEquals("provisioner 'shell script: /x/common/scripts/slurm.sh'", p.failedAt());
        assertEquals(1, p.errors().size(), p.errors().toString());
        assertTrue(console.all().contains("INFO [hpc-controller]   Script exited with non-zero exit status: 100"),
                console.all());
        assertTrue(console.all().contains("INFO [hpc-controller] Waiting for SSH to become available..."), console.all());
        assertTrue(console.all().contains("INFO [hpc-controller]   E: Unable to locate package slurmctld"),
                console.all());
        assertTrue(console.all().contains("WARN [hpc-controller] Build 'qemu.hpc-controller' errored"), console.all());
        assertTrue(p.tail(3).get(2).startsWith("Build 'qemu.hpc-controller' errored"));
    }

    /**
     * Lines as Packer 1.6.6 prints them when the guest never answers SSH (the last two as CI printed them on
     * 2026-11-26; all of them seen again with {@code ssh_timeout = "5s"} against the mirror base).
     */
    @Test
    void anSshTimeoutIsBlamedOnTheWaitNotOnTheCleanupThatFollows() {
        PackerProgress p = new PackerProgress("tiny-a", new RecordingConsole());
        p.accept("1,,ui,say,==> tiny-a.qemu.vm: Starting VM%!(PACKER_COMMA) booting disk image");
        p.accept("2,,ui,say,==> tiny-a.qemu.vm: Waiting for SSH to become available...");
        p.accept("3,,ui,error,==> tiny-a.qemu.vm: Timeout waiting for SSH.");
        p.accept("4,,ui,say,==> tiny-a.qemu.vm: Deleting output directory...");
        p.accept("5,,ui,error,Build 'tiny-a.qemu.vm' errored after 15 minutes 4 seconds: Timeout waiting for SSH.");
        p.accept("6,,ui,error,\\n==> Some builds didn't complete successfully and had errors:");
        p.accept("7,,ui,error,--> tiny-a.qemu.vm: Timeout waiting for SSH.");
        assertEquals("step 'Waiting for SSH to become available...'", p.failedAt());
        assertTrue(p.sshNeverAnswered());
    }

    /** A step error of several lines (Packer 1.6.6 with use_backing_file and a qemu-img that wants -F). */
    @Test
    void aMultiLineStepErrorIsMatchedByItsFirstLine() {
        PackerProgress p = new PackerProgress("x", new RecordingConsole());
        p.accept("1,,ui,say,==> qemu.x: Creating required virtual machine disks");
        p.accept("2,,ui,error,==> qemu.x: Error creating hard drive: QemuImg error: qemu-img: /tmp/pt/out/packer-x: "
                + "Backing file specified without backing format\\n==> qemu.x: Detected format of qcow2.");
        p.accept("3,,ui,say,==> qemu.x: Deleting output directory...");
        p.accept("4,,ui,error,Build 'qemu.x' errored after 36 milliseconds 106 microseconds: Error creating hard drive: "
                + "QemuImg error: qemu-img: /tmp/pt/out/packer-x: Backing file specified without backing format\\n"
                + "Detected format of qcow2.");
        assertEquals("step 'Creating required virtual machine disks'", p.failedAt());
        assertFalse(p.sshNeverAnswered());
    }

    /** A provisioner's failure is not printed as a step error: Packer goes straight to its cleanup. */
    @Test
    void aFailingProvisionerIsNamedEvenAfterItsStderrAndTheCleanup() {
        PackerProgress p = new PackerProgress("tiny-a", new RecordingConsole());
        p.accept("1,,ui,say,==> tiny-a.qemu.vm: Connected to SSH!");
        p.accept("2,,ui,say,==> tiny-a.qemu.vm: Provisioning with shell script: /tmp/packer-shell1");
        p.accept("3,,ui,error,==> tiny-a.qemu.vm: about to fail");
        p.accept("4,,ui,say,==> tiny-a.qemu.vm: Provisioning step had errors: Running the cleanup provisioner%!(PACKER_COMMA) if present...");
        p.accept("5,,ui,say,==> tiny-a.qemu.vm: Deleting output directory...");
        p.accept("6,,ui,error,Build 'tiny-a.qemu.vm' errored after 49 seconds 842 milliseconds: Script exited with "
                + "non-zero exit status: 7.Allowed exit codes are: [0]");
        assertEquals("provisioner 'shell script: /tmp/packer-shell1'", p.failedAt());
    }

    /**
     * Provisioning went well and the shutdown failed: the provisioner that ran last is not to blame. (Not seen live:
     * the lines follow the format of every step error above, a {@code ==>} error line repeated by "Build … errored".)
     */
    @Test
    void aShutdownTimeoutAfterProvisioningNamesTheShutdown() {
        PackerProgress p = new PackerProgress("x", new RecordingConsole());
        p.accept("1,,ui,say,==> x.qemu.vm: Provisioning with shell script: /c/scripts/99-hygiene.sh");
        p.accept("2,,ui,say,==> x.qemu.vm: Gracefully halting virtual machine...");
        p.accept("3,,ui,error,==> x.qemu.vm: Timeout while waiting for machine to shut down.");
        p.accept("4,,ui,say,==> x.qemu.vm: Deleting output directory...");
        p.accept("5,,ui,error,Build 'x.qemu.vm' errored after 9 minutes: Timeout while waiting for machine to shut down.");
        assertEquals("step 'Gracefully halting virtual machine...'", p.failedAt());
    }

    @Test
    void recordsArtifactFiles() {
        PackerProgress p = new PackerProgress("x", new RecordingConsole());
        p.accept("7,qemu.x,artifact,0,builder-id,transcend.qemu");
        p.accept("7,qemu.x,artifact,0,file,0,/t/x/packer-output/x.qcow2");
        assertEquals(List.of("/t/x/packer-output/x.qcow2"), p.artifactFiles());
    }
}
