package ai.pharos.core.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class ImageArchiveTest {
    @TempDir
    Path tmp;

    private byte[] archive(Path layer, Map<String, String> labels) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageArchive.writeSingleLayer(layer, "debian:trixie", labels, Instant.parse("2026-01-01T00:00:00Z"), "amd64", out);
        return out.toByteArray();
    }

    @Test
    void dockerSaveLayoutWithDeterministicConfig() throws Exception {
        Path layer = Files.write(tmp.resolve("rootfs.tar"), new byte[] {1, 2, 3, 4});
        byte[] a = archive(layer, Map.of("ai.pharos.base.suite", "trixie"));
        assertArrayEquals(a, archive(layer, Map.of("ai.pharos.base.suite", "trixie")), "same input, same bytes");

        Map<String, byte[]> entries = new HashMap<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(a))) {
            TarArchiveEntry e;
            while ((e = in.getNextEntry()) != null) {
                entries.put(e.getName(), in.readAllBytes());
            }
        }
        ObjectMapper json = new ObjectMapper();
        JsonNode manifest = json.readTree(entries.get("manifest.json")).get(0);
        assertEquals("debian:trixie", manifest.get("RepoTags").get(0).asText());
        String layerSha = ImageArchive.sha256(layer);
        assertEquals(layerSha + "/layer.tar", manifest.get("Layers").get(0).asText());
        assertArrayEquals(new byte[] {1, 2, 3, 4}, entries.get(layerSha + "/layer.tar"));
        byte[] config = entries.get(manifest.get("Config").asText());
        assertEquals(manifest.get("Config").asText(), ImageArchive.sha256(config) + ".json", "config named by its digest");
        JsonNode c = json.readTree(config);
        assertEquals("sha256:" + layerSha, c.at("/rootfs/diff_ids/0").asText());
        assertEquals("trixie", c.at("/config/Labels/ai.pharos.base.suite").asText());
        assertEquals("2026-01-01T00:00:00Z", c.get("created").asText());
    }
}
