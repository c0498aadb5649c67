package ai.pharos.core.packer;

import ai.pharos.core.docker.DevContainer;
import ai.pharos.core.docker.RunSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PackerToolTest {

    @Test
    void containerRunsAsRootWithOutsideDirectoriesMountedAtTheSamePath(@TempDir Path t) throws Exception {
        Path ws = Files.createDirectories(t.resolve("ws"));
        Path cache = Files.createDirectories(t.resolve("cache"));
        DevContainer.Options base = new DevContainer.Options("pharos-dev:latest", ws, ws, false, null, Map.of(),
                List.of(), null, null);
        DevContainer.Options o = PackerTool.Container.options(base, ws.resolve("packer-images"),
                Map.of("CHECKPOINT_DISABLE", "1"), List.of(ws.resolve("target"), cache, t.resolve("missing")));
        assertEquals(0, o.uid());
        assertEquals(0, o.gid());
        assertEquals(ws.resolve("packer-images"), o.workingDir());
        assertEquals("1", o.env().get("CHECKPOINT_DISABLE"));
        assertEquals(List.of(new RunSpec.Bind(cache.toString(), cache.toString(), false)), o.extraBinds());
    }

    @Test
    void pluginInitOnlyForPackerNewerThan16() {
        assertFalse(PackerTool.needsPluginInit("1.6.6"));
        assertTrue(PackerTool.needsPluginInit("1.7.0"));
        assertTrue(PackerTool.needsPluginInit("1.11.2"));
    }
}
