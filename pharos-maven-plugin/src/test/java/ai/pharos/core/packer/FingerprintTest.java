package ai.pharos.core.packer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class FingerprintTest {

    @Test
    void changesWithContentNamesAndValuesButNotWithTimestamps(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("t/scripts"));
        Files.writeString(dir.resolve("t/a.pkr.hcl"), "source {}");
        Files.writeString(dir.resolve("t/scripts/10.sh"), "echo hi");
        String base = new Fingerprint().addTree("image", dir.resolve("t")).add("var.x", "1").digest();
        Files.setLastModifiedTime(dir.resolve("t/a.pkr.hcl"), FileTime.fromMillis(0));
        assertEquals(base, new Fingerprint().addTree("image", dir.resolve("t")).add("var.x", "1").digest());
        assertNotEquals(base, new Fingerprint().addTree("image", dir.resolve("t")).add("var.x", "2").digest());
        Files.writeString(dir.resolve("t/scripts/10.sh"), "echo ho");
        assertNotEquals(base, new Fingerprint().addTree("image", dir.resolve("t")).add("var.x", "1").digest());
        Files.writeString(dir.resolve("t/scripts/10.sh"), "echo hi");
        Files.move(dir.resolve("t/scripts/10.sh"), dir.resolve("t/scripts/20.sh"));
        assertNotEquals(base, new Fingerprint().addTree("image", dir.resolve("t")).add("var.x", "1").digest());
    }
}
