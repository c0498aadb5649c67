package ai.pharos.core.packer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** A VM's serial console log (qemu {@code -serial file:}), read for failure messages: how far the guest got. */
public final class GuestConsole {
    /** Terminal escapes (systemd's colours, cursor moves) and carriage returns. */
    private static final Pattern ESCAPES = Pattern.compile("\u001B\\[[0-9;?]*[A-Za-z]|\u001B[()][0-9A-Za-z]|\r");

    private GuestConsole() {
    }

    /**
     * Keep a log of a failed attempt beside the next one's, as {@code <name>.attempt1} (evidence only: a file that
     * cannot be moved is left where it is).
     */
    public static void keepAsFirstAttempt(Path file) {
        try {
            if (Files.exists(file)) {
                Files.move(file, file.resolveSibling(file.getFileName() + ".attempt1"),
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException ignored) {
            // evidence only: the build goes on without it
        }
    }

    /** The last {@code n} non-blank lines, escapes removed, joined with " | "; "(no console output)" if none. */
    public static String tail(Path log, int n) {
        List<String> lines;
        try {
            lines = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "(no console log: " + e.getMessage() + ")";
        }
        List<String> kept = new ArrayList<>();
        for (String l : lines) {
            String s = ESCAPES.matcher(l).replaceAll("").strip();
            if (!s.isEmpty()) {
                kept.add(s);
            }
        }
        if (kept.isEmpty()) {
            return "(no console output: the guest printed nothing; did it boot?)";
        }
        return String.join(" | ", kept.subList(Math.max(0, kept.size() - n), kept.size()));
    }
}
