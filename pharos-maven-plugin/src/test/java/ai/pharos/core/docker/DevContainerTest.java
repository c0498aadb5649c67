package ai.pharos.core.docker;

import ai.pharos.core.PharosException;
import ai.pharos.core.ToolFailedException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DevContainerTest {
    @TempDir
    Path ws;

    private DevContainer.Options options(boolean socket, Path socketPath, Integer uid) {
        return new DevContainer.Options("pharos-dev:latest", ws, ws.resolve("sub"), socket, socketPath, Map.of(),
                List.of(), uid, null);
    }

    @Test
    void workspaceAtTheSamePathRunAsTheInvokingUserWithHostNetwork() throws Exception {
        RecordingConsole console = new RecordingConsole();
        RunSpec spec = new DevContainer(new FakeEngine(), console, 1000, 1001).spec(options(false, null, null),
                List.of("sh", "-c", "true"), false);
        assertEquals(List.of(new RunSpec.Bind(ws.toString(), ws.toString(), false)), spec.binds());
        assertEquals(ws.resolve("sub").toString(), spec.workingDir());
        assertEquals("1000", spec.env().get("PHAROS_UID"));
        assertEquals("1001", spec.env().get("PHAROS_GID"));
        assertEquals("host", spec.networkMode());
        assertEquals(Files.exists(Path.of("/dev/kvm")), spec.devices().contains("/dev/kvm"));
        assertTrue(console.lines.isEmpty(), "no socket, no warning");
    }

    @Test
    void explicitUidWins() throws Exception {
        RunSpec spec = new DevContainer(new FakeEngine(), new RecordingConsole(), 1000, 1001)
                .spec(options(false, null, 4242), List.of("true"), false);
        assertEquals("4242", spec.env().get("PHAROS_UID"));
    }

    @Test
    void dockerSocketOnlyWhenAskedAndWithAWarning() throws Exception {
        Path sock = Files.createFile(ws.resolve("docker.sock"));
        RecordingConsole console = new RecordingConsole();
        RunSpec spec = new DevContainer(new FakeEngine(), console, 1000, 1001).spec(options(true, sock, null),
                List.of("true"), false);
        assertTrue(spec.binds().contains(new RunSpec.Bind(sock.toString(), "/var/run/docker.sock", false)));
        assertTrue(console.all().contains("WARN") && console.all().contains("control the host's Docker engine"),
                console.all());
        assertTrue(spec.env().containsKey("PHAROS_DOCKER_GID"));
    }

    @Test
    void nonZeroExitFailsWithTheCode() {
        FakeEngine engine = new FakeEngine();
        engine.runExitCode = 3;
        List<String> out = new ArrayList<>();
        ToolFailedException e = assertThrows(ToolFailedException.class, () -> new DevContainer(engine,
                new RecordingConsole(), 0, 0).run(options(false, null, null), "exit 3", out::add, out::add));
        assertEquals(3, e.exitCode());
        assertTrue(e.getMessage().contains("exited with code 3"), e.getMessage());
        assertEquals(List.of("sh", "-c", "exit 3"), engine.runs.get(0).command());
        assertEquals(List.of("ran sh -c exit 3"), out);
    }

    @Test
    void socketRequestedButEngineNotLocal() {
        PharosException e = assertThrows(PharosException.class, () -> new DevContainer(new FakeEngine(),
                new RecordingConsole(), 0, 0).spec(options(true, null, null), List.of("true"), false));
        assertEquals("pharos.dev.dockerSocket", e.option());
    }
}
