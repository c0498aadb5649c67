package ai.pharos.core.packer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GuestConsoleTest {
    @TempDir
    Path dir;

    @Test
    void lastNonBlankLinesWithoutTerminalEscapes() throws Exception {
        Path log = dir.resolve("console.log");
        Files.writeString(log, "[    0.000000] Linux version 6.12\r\n\r\n"
                + "[\u001B[0;32m  OK  \u001B[0m] Reached target \u001B[0;1;39mnetwork.target\u001B[0m - Network.\r\n"
                + "         Starting \u001B[0;1;39mssh.service\u001B[0m - OpenBSD Secure Shell server...\r\n\r\n",
                StandardCharsets.ISO_8859_1);
        assertEquals("[  OK  ] Reached target network.target - Network. | Starting ssh.service - OpenBSD Secure Shell "
                + "server...", GuestConsole.tail(log, 2));
        assertTrue(GuestConsole.tail(log, 10).startsWith("[    0.000000] Linux version 6.12 | "));
    }

    @Test
    void saysSoWhenTheGuestPrintedNothingOrThereIsNoLog() throws Exception {
        Path empty = Files.writeString(dir.resolve("empty.log"), "\r\n\n");
        assertEquals("(no console output: the guest printed nothing; did it boot?)", GuestConsole.tail(empty, 5));
        assertTrue(GuestConsole.tail(dir.resolve("absent.log"), 5).startsWith("(no console log: "));
    }
}
