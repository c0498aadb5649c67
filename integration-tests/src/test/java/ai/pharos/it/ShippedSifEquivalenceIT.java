package ai.pharos.it;

import ai.pharos.core.process.ProcessRunner;
import ai.pharos.core.sif.SquashfsListing;
import ai.pharos.core.sif.SquashfsListing.Item;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Equivalence of every shipped image's SIF: for each image directory under {@code container-images/images/}, the
 * listing of the squashfs of the SIF the container-images module produced ({@code unsquashfs -lln}) equals the
 * listing of {@code docker export} of a container from the very image it was converted from (the image id recorded
 * in {@code <name>.sif.json}) — paths, types, modes, owners, sizes, link targets — apart from the documented
 * apptainer additions (docs/sif.md). Runs after container-images in the reactor (integration-tests depends on it).
 */
class ShippedSifEquivalenceIT {

    private static final Pattern IMAGE_ID = Pattern.compile("\"imageId\"\\s*:\\s*\"([^\"]+)\"");
    private static final Pattern REFERENCE = Pattern.compile("\"reference\"\\s*:\\s*\"([^\"]+)\"");
    private static final int SHOWN = 20;

    @TestFactory
    Stream<DynamicTest> everyShippedImageSifEqualsItsDockerExport() throws IOException {
        Path images = Path.of(System.getProperty("pharos.containerImages.images")).normalize();
        Path sifs = Path.of(System.getProperty("pharos.containerImages.sif")).normalize();
        assumeTrue(Files.isDirectory(images), "no container image directories at " + images);
        List<Path> dirs;
        try (Stream<Path> s = Files.list(images)) {
            dirs = s.filter(d -> Files.isRegularFile(d.resolve("Dockerfile"))).sorted().toList();
        }
        assertTrue(dirs.size() >= 2, "expected the shipped images (openmpi, python-sci) under " + images + ": " + dirs);
        return dirs.stream().map(d -> d.getFileName().toString())
                .map(name -> DynamicTest.dynamicTest(name, () -> check(name, sifs)));
    }

    private static void check(String name, Path sifs) throws Exception {
        assumeTrue(Docker.available(), "no Docker engine answers 'docker version'");
        assumeTrue(ProcessRunner.which("unsquashfs").isPresent(), "unsquashfs not on the PATH (squashfs-tools)");
        Path sif = sifs.resolve(name + ".sif");
        Path record = sifs.resolve(name + ".sif.json");
        assumeTrue(Files.isRegularFile(sif) && Files.isRegularFile(record), "container-images produced no " + sif
                + " (module not built in this reactor, or -Dpharos.containers / -Dpharos.sif.skip left it out)");
        String json = Files.readString(record, StandardCharsets.UTF_8);
        String imageId = group(IMAGE_ID, json, record);
        String reference = group(REFERENCE, json, record);
        assumeTrue(Docker.cli("image", "inspect", imageId).code() == 0, "image " + imageId + " (" + reference
                + "), which " + sif.getFileName() + " was converted from, is no longer in the engine");

        Map<String, Item> sifListing = SquashfsListing.ofSif(sif);
        Map<String, Item> export = Docker.exportListing(imageId);

        // sanity: both sides are the real thing, and the SIF has the additions
        assertTrue(export.containsKey("/usr/bin") && export.size() > 1000, name + ": docker export listed only "
                + export.size() + " paths");
        assertEquals(new Item("l", "rwxrwxrwx", "0/0", "", ".singularity.d/runscript"), sifListing.get("/singularity"),
                name + ": /singularity");
        assertTrue(sifListing.containsKey("/.singularity.d/env/10-docker2singularity.sh"), name + ": no env script");

        List<String> diff = SquashfsListing.differences(sifListing, export);
        if (!diff.isEmpty()) {
            fail("image " + name + " (" + reference + ", " + imageId + "): the squashfs of " + sif + " differs from "
                    + "docker export at " + diff.size() + " path(s); first " + Math.min(SHOWN, diff.size()) + ":\n  "
                    + String.join("\n  ", diff.subList(0, Math.min(SHOWN, diff.size()))));
        }
    }

    private static String group(Pattern p, String json, Path record) {
        Matcher m = p.matcher(json);
        assertTrue(m.find(), "no " + p.pattern() + " in " + record);
        return m.group(1);
    }
}
