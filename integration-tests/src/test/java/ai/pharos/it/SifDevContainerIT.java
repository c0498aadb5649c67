package ai.pharos.it;

import ai.pharos.core.sif.SquashfsListing;
import ai.pharos.core.sif.SquashfsListing.Item;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * pharos:sif with mksquashfs in the dev container ({@code -Dpharos.sif.mksquashfs=dev-container}), the path a
 * machine without squashfs-tools 4.5+ takes. The plugin's own test of it cannot run on a fresh machine (the dev container is built
 * after the plugin's tests), so it is checked here, through Maven, after the dev-container module: the SIF's squashfs
 * lists the same files, owners and links as {@code docker export} of the image.
 */
class SifDevContainerIT {

    private static final String IMAGE = "pharos-it/sif-dev-tiny:latest";

    @BeforeAll
    static void engine() throws Exception {
        Docker.assumeDevImage();
    }

    @AfterAll
    static void removeImage() throws Exception {
        if (Docker.available()) {
            Docker.removeImage(IMAGE);
        }
    }

    @Test
    void mksquashfsInTheDevContainerGivesTheFilesystemOfDockerExport() throws Exception {
        Path dir = MavenRun.copy("sif-dev", "dev");
        MavenRun.Result r = MavenRun.run(dir, List.of("package"), Map.of("pharos.sif.mksquashfs", "dev-container"),
                Map.of());
        assertEquals(0, r.exitCode(), r.log());
        assertTrue(r.log().lines().anyMatch(l -> l.matches(".*Using mksquashfs \\d+\\.\\d+.* in the dev container "
                + Docker.DEV_IMAGE)), r.log());
        Path sif = dir.resolve("target/sif/tiny.sif");
        assertTrue(Files.isRegularFile(sif), "no " + sif + ": " + r.log());

        Map<String, Item> listing = SquashfsListing.ofSif(sif);
        assertEquals("-rw-r--r-- 1000/1001 3", String.valueOf(listing.get("/opt/app/hello")));
        assertEquals("lrwxrwxrwx 1000/1001 -> hello", String.valueOf(listing.get("/opt/app/link")));
        assertFalse(listing.containsKey("/usr/share/doc"), "the whiteout of /usr/share/doc was not applied");
        assertEquals(List.of(), SquashfsListing.differences(listing, Docker.exportListing(IMAGE)));
    }
}
