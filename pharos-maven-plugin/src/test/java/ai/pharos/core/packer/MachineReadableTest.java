package ai.pharos.core.packer;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
        assertEquals("shell script: /x/common/scripts/slurm.sh", p.currentProvisioner());
        assertEquals(1, p.errors().size(), p.errors().toString());
        assertTrue(console.all().contains("INFO [hpc-controller]   Script exited with non-zero exit status: 100"),
                console.all());
        assertTrue(console.all().contains("INFO [hpc-controller] Waiting for SSH to become available..."), console.all());
        assertTrue(console.all().contains("INFO [hpc-controller]   E: Unable to locate package slurmctld"),
                console.all());
        assertTrue(console.all().contains("WARN [hpc-controller] Build 'qemu.hpc-controller' errored"), console.all());
        assertTrue(p.tail(3).get(2).startsWith("Build 'qemu.hpc-controller' errored"));
    }

    @Test
    void recordsArtifactFiles() {
        PackerProgress p = new PackerProgress("x", new RecordingConsole());
        p.accept("7,qemu.x,artifact,0,builder-id,transcend.qemu");
        p.accept("7,qemu.x,artifact,0,file,0,/t/x/packer-output/x.qcow2");
        assertEquals(List.of("/t/x/packer-output/x.qcow2"), p.artifactFiles());
    }
}
