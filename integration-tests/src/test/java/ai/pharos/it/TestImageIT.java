package ai.pharos.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * pharos:test-image through Maven: build-image then test-image on a project with a passing image ({@code good}) and
 * a failing one ({@code bad}); the filter, the failure line, and -DskipTests.
 */
class TestImageIT {

    @BeforeAll
    static void engine() {
        assumeTrue(Docker.available(), "no Docker engine");
    }

    @AfterAll
    static void removeImages() throws Exception {
        if (Docker.available()) {
            Docker.removeImage("pharos-it/test-image-good:latest");
            Docker.removeImage("pharos-it/test-image-bad:latest");
        }
    }

    @Test
    void passingImageOnlyWithTheFilter() throws Exception {
        Path dir = MavenRun.copy("test-image", "good");
        MavenRun.Result r = MavenRun.run(dir, List.of("package"), Map.of("pharos.containers", "good"), Map.of());
        assertEquals(0, r.exitCode(), r.log());
        assertTrue(r.log().contains("Testing image good (pharos-it/test-image-good:latest): 4 checks"), r.log());
        assertTrue(r.log().contains("All 4 container checks passed on 1 image(s)"), r.log());
        assertFalse(r.log().contains("Testing image bad"), r.log());
    }

    @Test
    void everyFailedCheckOfEveryImageIsReportedAndFailsTheBuild() throws Exception {
        Path dir = MavenRun.copy("test-image", "all");
        MavenRun.Result r = MavenRun.run(dir, List.of("package"), Map.of(), Map.of());
        assertNotEquals(0, r.exitCode(), r.log());
        // the good image was tested too: a failure elsewhere does not hide it
        assertTrue(r.log().contains("good: all 4 checks passed"), r.log());
        String line = r.failureLine();
        String bad = "bad (pharos-it/test-image-bad:latest): ";
        assertTrue(line.contains("test-image (test) on project test-image: 3 of 8 container checks failed: | "), line);
        assertFalse(line.contains("command test 'greets'"), "the greeting checks pass: " + line);
        assertTrue(line.contains(bad + "command test 'exits 3': exit code 3, expected 0 (stderr \"err\"); "
                + "stdout does not match /^nope$/ (stdout was \"out\")"), line);
        assertTrue(line.contains(bad + "file existence test 'missing file' (/opt/missing): does not exist"), line);
        assertTrue(line.contains(bad + "label ai.pharos.it: is \"bad\", expected \"good\""), line);
        assertTrue(line.contains("Fix: Fix the image or its test spec"), line);
        assertTrue(r.lines().stream().filter(l -> l.startsWith("[WARNING]   FAIL  ")).count() >= 3, r.log());
        assertFalse(r.log().contains("\tat ai.pharos"), "no stack trace:\n" + r.log());
    }

    @Test
    void skipTestsSkipsTheImageTestsAndSaysSo() throws Exception {
        Path dir = MavenRun.copy("test-image", "skip");
        MavenRun.Result r = MavenRun.run(dir, List.of("package"), Map.of("skipTests", "true"), Map.of());
        assertEquals(0, r.exitCode(), r.log());
        assertTrue(r.log().contains("Skipping: skipTests is true"), r.log());
        assertFalse(r.log().contains("Testing image"), r.log());
    }
}
