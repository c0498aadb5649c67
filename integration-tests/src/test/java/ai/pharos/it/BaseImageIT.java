package ai.pharos.it;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The air-gapped path: a Debian base image bootstrapped from the mirror and imported, then left alone. */
class BaseImageIT {

    @Test
    void debootstrapFromTheMirrorThenNothingToDo() throws Exception {
        assumeTrue(Docker.available(), "no Docker engine answers");
        String image = "pharos-it/debian:trixie";
        Docker.removeImage(image);
        Path project = MavenRun.copy("run", "base");
        Map<String, String> props = Map.of("pharos.base.image", image, "pharos.base.mode", "debootstrap");

        MavenRun.Result first = MavenRun.run(project, List.of("pharos:base-image"), props, Map.of());
        assertEquals(0, first.exitCode(), first.log());
        assertTrue(first.log().contains("Running debootstrap --variant=minbase trixie"), first.log());
        Docker.Out version = Docker.cli("run", "--rm", "--network", "host", image, "cat", "/etc/debian_version");
        assertTrue(version.stdout().startsWith("13."), "a Debian 13 userland: " + version.stdout());
        Docker.Out labels = Docker.cli("image", "inspect", "-f", "{{index .Config.Labels \"ai.pharos.base.mirror\"}}", image);
        assertEquals("http://deb.debian.org/debian", labels.stdout().strip(), "provenance label");
        Docker.Out apt = Docker.cli("run", "--rm", "--network", "host", image, "sh", "-c",
                "ls /var/cache/apt/archives/*.deb 2>/dev/null | wc -l");
        assertEquals("0", apt.stdout().strip(), "no downloaded .debs left in the image");

        MavenRun.Result second = MavenRun.run(project, List.of("pharos:base-image"), props, Map.of());
        assertEquals(0, second.exitCode(), second.log());
        assertTrue(second.log().contains("Base image " + image + " exists"), second.log());
        assertTrue(!second.log().contains("debootstrap --variant"), "second run must not bootstrap");
        Docker.removeImage(image);
    }
}
