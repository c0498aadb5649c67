package ai.pharos.it;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** pharos:run and pharos:check-tools in the real dev container (pharos-dev:latest, built by the dev-container module). */
class RunIT {

    @BeforeAll
    static void devContainer() throws Exception {
        Docker.assumeDevImage();
    }

    @Test
    void filesCreatedInTheWorkspaceBelongToTheInvokingUserWhoHasAHome() throws Exception {
        Path project = MavenRun.copy("run", "owner");
        int myUid = (Integer) Files.getAttribute(project, "unix:uid");
        MavenRun.Result r = MavenRun.run(project, List.of("-q", "pharos:run"), Map.of("pharos.command",
                "touch made-by-run.txt && test -d \"$HOME\" && test -w \"$HOME\" && touch \"$HOME/.probe\" "
                        + "&& echo \"$HOME\" > home.txt && id -u > uid.txt && pwd > pwd.txt"), Map.of());
        assertEquals(0, r.exitCode(), r.log());
        assertEquals(myUid, (Integer) Files.getAttribute(project.resolve("made-by-run.txt"), "unix:uid"));
        assertEquals(String.valueOf(myUid), Files.readString(project.resolve("uid.txt")).strip());
        assertEquals(project.toString(), Files.readString(project.resolve("pwd.txt")).strip(),
                "the workspace is mounted at the same path and is the working directory");
    }

    @Test
    void anotherUidGetsItsOwnFilesAndHome() throws Exception {
        Path project = MavenRun.copy("run", "uid");
        Files.setPosixFilePermissions(project, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        MavenRun.Result r = MavenRun.run(project, List.of("-q", "pharos:run"), Map.of(
                "pharos.dev.uid", "4242", "pharos.dev.gid", "4343",
                "pharos.command", "touch made.txt && touch \"$HOME/.probe\" && echo \"$HOME\" > home.txt"), Map.of());
        assertEquals(0, r.exitCode(), r.log());
        assertEquals(4242, (Integer) Files.getAttribute(project.resolve("made.txt"), "unix:uid"));
        assertEquals(4343, (Integer) Files.getAttribute(project.resolve("made.txt"), "unix:gid"));
        String home = Files.readString(project.resolve("home.txt")).strip();
        assertFalse(home.isEmpty() || home.equals("/"), "HOME must be a real directory: " + home);
    }

    @Test
    void exitCodeIsPropagated() throws Exception {
        Path project = MavenRun.copy("run", "exit");
        MavenRun.Result r = MavenRun.run(project, List.of("pharos:run"),
                Map.of("pharos.command", "echo from-the-container; exit 3"), Map.of());
        assertNotEquals(0, r.exitCode());
        assertTrue(r.log().contains("from-the-container"), "output streams:\n" + r.log());
        assertTrue(r.failureLine().contains("exited with code 3"), r.failureLine());
    }

    @Test
    void devContainerHasEveryToolCheckToolsChecks() throws Exception {
        Path project = MavenRun.copy("run", "tools");
        MavenRun.Result r = MavenRun.run(project, List.of("pharos:check-tools"), Map.of(), Map.of());
        assertEquals(0, r.exitCode(), r.log());
        for (String tool : List.of("docker engine API", "cmake", "ninja", "packer", "qemu-system-x86_64",
                "mksquashfs", "siftool", "debootstrap")) {
            assertTrue(r.lines().stream().anyMatch(l -> l.contains("] " + tool + " ") && l.contains("| ok")),
                    tool + " must be found and recent enough:\n" + r.log());
        }
    }
}
