package ai.pharos.core.docker;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The images shipped in {@code container-images/images/}, without an engine: every image has a valid test spec
 * that the build context does not carry (so editing a test does not rebuild the image), and starts from the base
 * image the build provides.
 */
class ShippedImagesTest {

    private static List<Path> imageDirs() throws Exception {
        Path images = ContainerImagesDockerTest.repoRoot().resolve("container-images").resolve("images");
        assumeTrue(Files.isDirectory(images), "Skipped: no " + images);
        try (Stream<Path> s = Files.list(images)) {
            return s.filter(d -> Files.isRegularFile(d.resolve("Dockerfile"))).sorted().toList();
        }
    }

    @Test
    void atLeastTheTwoHpcImages() throws Exception {
        List<String> names = imageDirs().stream().map(p -> p.getFileName().toString()).toList();
        assertTrue(names.containsAll(List.of("openmpi", "python-sci")), names.toString());
    }

    @Test
    void everyImageHasAValidSpecWithCommandAndMetadataChecks() throws Exception {
        for (Path dir : imageDirs()) {
            ImageTestSpec spec = ImageTests.parse(dir.resolve(ImageTests.DEFAULT_SPEC_FILE));
            assertTrue(spec.commandTests().size() >= 2, dir + ": command tests");
            assertTrue(spec.metadataTest() != null && spec.metadataTest().entrypoint() != null
                    && spec.metadataTest().cmd() != null && !spec.metadataTest().envVars().isEmpty()
                    && !spec.metadataTest().labels().isEmpty(), dir + ": ENTRYPOINT, CMD, ENV and labels checked");
            assertTrue(spec.fileExistenceTests().stream().anyMatch(f -> !f.shouldExist()),
                    dir + ": a path deleted in a later layer is checked absent");
        }
    }

    @Test
    void theSpecIsNotInTheBuildContext() throws Exception {
        for (Path dir : imageDirs()) {
            List<String> ignored = Files.readAllLines(dir.resolve(".dockerignore")).stream().map(String::strip)
                    .toList();
            assertTrue(ignored.contains(ImageTests.DEFAULT_SPEC_FILE), dir + "/.dockerignore: " + ignored);
        }
    }

    @Test
    void everyStageStartsFromTheProvidedBase() throws Exception {
        for (Path dir : imageDirs()) {
            List<String> lines = Files.readAllLines(dir.resolve("Dockerfile"));
            List<String> froms = lines.stream().map(String::strip).filter(l -> l.toUpperCase().startsWith("FROM "))
                    .toList();
            assertTrue(lines.stream().anyMatch(l -> l.strip().equals("ARG BASE_IMAGE=debian:trixie")), dir.toString());
            for (String from : froms) {
                assertEquals("FROM ${BASE_IMAGE}", from.split("\\s+AS\\s+|\\s+as\\s+")[0], dir + ": " + from);
            }
        }
    }
}
