package ai.pharos.core.packer;

import ai.pharos.core.PharosException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageChecksTest {

    @Test
    void heldPackagesAreInstalledPackagesRemovedOnesAreNot() {
        Map<String, String> p = ImageChecks.installedPackages("""
                ii  cloud-init 25.1.4-1
                hi  slurmd 24.11.5-4+deb13u1
                hi  munge 0.5.16-1.1~deb13u1
                rc  oldpkg 1.0
                un  never-installed <none>
                """);
        assertEquals(Map.of("cloud-init", "25.1.4-1", "slurmd", "24.11.5-4+deb13u1", "munge", "0.5.16-1.1~deb13u1"), p);
    }

    private static void manifest(Path buildDir, String image, Map<String, String> packages) throws PharosException {
        new Provenance(image, image + ".qcow2", "0".repeat(64), 1, "mirror", "m", "sha256:x", null, "1.6.6", "7.2",
                "tcg", "f", Map.of(), packages, "t", 1).write(buildDir.resolve(image).resolve("manifest.json"));
    }

    @Test
    void aSlurmVersionDifferentFromAnotherImageIsRefusedNamingBoth(@TempDir Path t) throws Exception {
        ImageChecks checks = new ImageChecks(t, null, "tcg", new RecordingConsole());
        manifest(t, "hpc-controller", Map.of("slurm-client", "24.11.5-4+deb13u1", "munge", "0.5.16-1.1~deb13u1"));
        checks.checkSameVersions("hpc-compute", Map.of("slurm-client", "24.11.5-4+deb13u1",
                "munge", "0.5.16-1.1~deb13u1"), t, List.of("hpc-compute", "hpc-controller"));
        PharosException e = assertThrows(PharosException.class, () -> checks.checkSameVersions("hpc-compute",
                Map.of("slurm-client", "24.11.5-2"), t, List.of("hpc-compute", "hpc-controller")));
        assertTrue(e.getMessage().contains("hpc-compute has slurm-client 24.11.5-2 but hpc-controller has"
                + " 24.11.5-4+deb13u1"), e.getMessage());
    }
}
