package ai.pharos.core.packer;

import ai.pharos.core.PharosException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link QemuVm#startAndWaitForSsh}'s one retry, with scripts in place of qemu and ssh: a guest silent on SSH is booted
 * once more (warning quoting its console, first console kept as {@code .attempt1}); silent twice fails naming the
 * second console; a qemu that exits is never retried.
 */
class QemuVmTest {
    /** Long enough for two SSH attempts (QemuVm waits 3 s between them): the first may run before the script did. */
    private static final Duration TIMEOUT = Duration.ofSeconds(4);

    @TempDir
    Path dir;

    /**
     * Fake qemu and ssh; {@code scenario}: what each boot does, one line per boot: silent, answer, exit (at once) or
     * exit-late (after SSH's last attempt within the timeout).
     */
    private QemuVm.Programs programs(String... scenario) throws Exception {
        Files.write(dir.resolve("scenario"), List.of(scenario));
        Path qemu = script("qemu", """
                #!/bin/bash
                n=$(( $(cat %1$s/boots 2>/dev/null || echo 0) + 1 )); echo $n > %1$s/boots
                while [ $# -gt 0 ]; do [ "$1" = -serial ] && log=${2#file:}; shift; done
                echo "boot $n: Loading Linux 6.12.48+deb13-amd64 ..." >> "$log"
                mode=$(sed -n "${n}p" %1$s/scenario)
                echo "$mode" > %1$s/mode
                [ "$mode" = exit-late ] && sleep 4.5 # dies after the last SSH attempt, before the timeout is declared
                case $mode in exit*) echo "boot $n: Kernel panic - not syncing" >> "$log"; exit 3;; esac
                exec sleep 600
                """.formatted(dir));
        Path ssh = script("ssh", """
                #!/bin/bash
                sleep 0.3
                [ "$(cat %s/mode 2>/dev/null)" = answer ] && exit 0
                echo "ssh: connect to host 127.0.0.1: Connection refused" >&2; exit 255
                """.formatted(dir));
        return new QemuVm.Programs(List.of(qemu.toString()), ssh.toString());
    }

    private Path script(String name, String text) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    private QemuVm.Spec spec() {
        return new QemuVm.Spec(dir.resolve("disk.qcow2"), true, "tcg", 1, 256, null, null, null, null, true,
                dir.resolve("logs/console.log"));
    }

    private int boots() throws Exception {
        return Integer.parseInt(Files.readString(dir.resolve("boots")).strip());
    }

    @Test
    void aGuestSilentOnSshIsBootedOnceMoreWithAWarningAndTheFirstConsoleKept() throws Exception {
        RecordingConsole console = new RecordingConsole();
        try (QemuVm vm = QemuVm.startAndWaitForSsh(spec(), dir.resolve("key"), "debian", TIMEOUT, console,
                programs("silent", "answer"))) {
            assertEquals(2, boots());
            assertTrue(console.all().contains("WARN The VM did not answer SSH within 4 s (guest console: boot 1: "
                    + "Loading Linux 6.12.48+deb13-amd64 ...): booting it once more"), console.all());
            assertTrue(console.all().contains("INFO SSH up after "), console.all());
            assertEquals("boot 1: Loading Linux 6.12.48+deb13-amd64 ...",
                    Files.readString(dir.resolve("logs/console.log.attempt1")).strip());
            assertEquals("boot 2: Loading Linux 6.12.48+deb13-amd64 ...",
                    Files.readString(dir.resolve("logs/console.log")).strip());
        }
    }

    @Test
    void aGuestSilentTwiceFailsNamingTheSecondConsoleAndIsNotBootedAThirdTime() throws Exception {
        RecordingConsole console = new RecordingConsole();
        QemuVm.SshTimeout e = assertThrows(QemuVm.SshTimeout.class, () -> QemuVm.startAndWaitForSsh(spec(),
                dir.resolve("key"), "debian", TIMEOUT, console, programs("silent", "silent", "answer")));
        assertEquals(2, boots());
        assertTrue(e.getMessage().startsWith("The VM did not answer SSH within 4 s (guest console: boot 2: "),
                e.getMessage());
        assertEquals(1, console.lines.stream().filter(l -> l.startsWith("WARN ")).count(), console.all());
        assertTrue(Files.readString(dir.resolve("logs/console.log.attempt1")).startsWith("boot 1: "));
    }

    @Test
    void aQemuThatExitsIsNotRetried() throws Exception {
        assertAFailedBootNotRetried("exit");
    }

    @Test
    void aQemuThatDiesDuringTheLastWaitIsAFailedBootNotASilentGuest() throws Exception {
        assertAFailedBootNotRetried("exit-late");
    }

    private void assertAFailedBootNotRetried(String mode) throws Exception {
        RecordingConsole console = new RecordingConsole();
        PharosException e = assertThrows(PharosException.class, () -> QemuVm.startAndWaitForSsh(spec(),
                dir.resolve("key"), "debian", TIMEOUT, console, programs(mode, "answer")));
        assertFalse(e instanceof QemuVm.SshTimeout);
        assertEquals(1, boots());
        assertTrue(e.getMessage().startsWith("The VM exited before SSH came up (exit 3): "), e.getMessage());
        assertTrue(e.getMessage().contains("Kernel panic - not syncing"), e.getMessage());
        assertEquals(List.of(), console.lines.stream().filter(l -> l.startsWith("WARN ")).toList());
    }
}
