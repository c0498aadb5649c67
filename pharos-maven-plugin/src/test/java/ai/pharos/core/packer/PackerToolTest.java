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

    /** Runs the container watchdog with plain sh on the host (it is a POSIX sh script): no Docker needed. */
    private static ai.pharos.core.process.ProcessRunner.Result watchdog(Path heartbeat, String child, List<String> out)
            throws Exception {
        return ai.pharos.core.process.ProcessRunner.run(List.of("sh", "-c", PackerTool.Container.WATCHDOG,
                "pharos-watchdog", heartbeat.toString(), "3", "sh", "-c", child), null, Map.of(), out::add, out::add);
    }

    @Test
    void watchdogPassesTheExitCodeThroughWhileTheBuildIsAlive(@TempDir Path t) throws Exception {
        Path hb = Files.writeString(t.resolve("hb"), "");
        List<String> out = new java.util.ArrayList<>();
        assertEquals(3, watchdog(hb, "echo building; exit 3", out).exitCode());
        assertEquals(List.of("building"), out);
    }

    @Test
    void watchdogStopsTheChildWithTermWhenTheHeartbeatStopsAndWaitsForItsCleanup(@TempDir Path t) throws Exception {
        Path hb = Files.writeString(t.resolve("hb"), ""); // never touched again: stale after 3 s
        List<String> out = new java.util.ArrayList<>();
        // the child stands for Packer: on SIGTERM it takes a moment to clean up, then exits 1
        var r = watchdog(hb, "trap 'sleep 1; echo cleaned-up; exit 1' TERM; echo started; while :; do sleep 1; done",
                out);
        assertEquals(1, r.exitCode(), String.join("\n", out));
        assertEquals("started", out.get(0));
        assertTrue(out.contains("pharos: the build that started Packer is gone: stopping Packer"), out.toString());
        assertEquals("cleaned-up", out.get(out.size() - 1), "the watchdog waits for the child's cleanup");
    }

    @Test
    void watchdogTreatsADeletedHeartbeatAsABuildThatIsGone(@TempDir Path t) throws Exception {
        List<String> out = new java.util.ArrayList<>();
        var r = watchdog(t.resolve("deleted"), "trap 'exit 143' TERM; while :; do sleep 1; done", out);
        assertEquals(143, r.exitCode(), String.join("\n", out));
        assertTrue(out.contains("pharos: the build that started Packer is gone: stopping Packer"), out.toString());
    }
}
