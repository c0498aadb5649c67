package ai.pharos.core.docker;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RootfsTarTest {
    @TempDir
    Path root;

    private byte[] tar() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        RootfsTar.write(root, out, Instant.ofEpochSecond(1767225600), n -> n.startsWith("proc/"));
        return out.toByteArray();
    }

    @Test
    void sameTreeSameBytesWithLinksModesAndExclusions() throws Exception {
        Files.createDirectories(root.resolve("usr/bin"));
        Files.createDirectories(root.resolve("proc/1"));
        Path sh = Files.writeString(root.resolve("usr/bin/dash"), "#!elf");
        assertEquals(0, new ProcessBuilder("chmod", "4755", sh.toString()).start().waitFor(), "chmod");
        Files.createSymbolicLink(root.resolve("usr/bin/sh"), Path.of("dash"));
        Files.createLink(root.resolve("usr/bin/dash2"), sh);
        byte[] first = tar();
        Files.setLastModifiedTime(sh, FileTime.from(Instant.parse("2001-01-01T00:00:00Z")));
        assertArrayEquals(first, tar(), "mtimes on disk do not change the tar");

        List<String> names = new ArrayList<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(first))) {
            TarArchiveEntry e;
            while ((e = in.getNextEntry()) != null) {
                names.add(e.getName());
                assertEquals(Instant.ofEpochSecond(1767225600), e.getModTime().toInstant());
                if (e.getName().equals("usr/bin/dash")) {
                    assertEquals(04755, e.getMode() & 07777);
                }
                if (e.getName().equals("usr/bin/dash2")) {
                    assertTrue(e.isLink());
                    assertEquals("usr/bin/dash", e.getLinkName());
                }
                if (e.getName().equals("usr/bin/sh")) {
                    assertTrue(e.isSymbolicLink());
                    assertEquals("dash", e.getLinkName());
                }
            }
        }
        assertEquals(List.of("proc/", "usr/", "usr/bin/", "usr/bin/dash", "usr/bin/dash2", "usr/bin/sh"), names);
    }
}
