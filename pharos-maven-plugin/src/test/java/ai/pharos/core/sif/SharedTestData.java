package ai.pharos.core.sif;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates {@code <repo root>/../shared} (the read-only reference data) or skips the calling test. */
final class SharedTestData {
    private SharedTestData() {
    }

    static Path repoRoot() {
        String prop = System.getProperty("maven.multiModuleProjectDirectory");
        if (prop != null && Files.exists(Path.of(prop, "mvnw"))) {
            return Path.of(prop).toAbsolutePath();
        }
        Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("mvnw"))) {
            dir = dir.getParent();
        }
        return dir;
    }

    /** {@code <repo>/../shared/<relative>}, skipping the test with a reason when it is absent. */
    static Path require(String relative) {
        Path root = repoRoot();
        Assumptions.assumeTrue(root != null, "repository root (directory with mvnw) not found from user.dir");
        Path p = root.resolve("..").resolve("shared").resolve(relative).normalize();
        Assumptions.assumeTrue(Files.exists(p), "shared reference data absent: " + p);
        return p;
    }
}
