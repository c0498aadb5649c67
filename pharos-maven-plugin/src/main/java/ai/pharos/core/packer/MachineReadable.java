package ai.pharos.core.packer;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Packer's {@code -machine-readable} output: one event per line, {@code timestamp,target,type,data...}, where
 * commas inside a field are written {@code %!(PACKER_COMMA)} and newlines as the two characters {@code \n}.
 */
public final class MachineReadable {
    private MachineReadable() {
    }

    /**
     * One event.
     *
     * @param timestamp unix seconds
     * @param target    the build name ({@code qemu.hpc-controller}) or empty for global events
     * @param type      {@code ui}, {@code artifact}, {@code error-count}, {@code version}, …
     * @param data      the remaining fields, unescaped
     */
    public record Event(long timestamp, String target, String type, List<String> data) {
        public String data(int i) {
            return i < data.size() ? data.get(i) : "";
        }

        /** For {@code ui} events: {@code say}, {@code message} or {@code error}. */
        public boolean isUi(String kind) {
            return "ui".equals(type) && kind.equals(data(0));
        }
    }

    /** Parse one line; empty when it is not a machine-readable event (Packer sometimes prints plain text). */
    public static Optional<Event> parse(String line) {
        if (line == null) {
            return Optional.empty();
        }
        String[] parts = line.split(",", -1);
        if (parts.length < 3) {
            return Optional.empty();
        }
        long ts;
        try {
            ts = Long.parseLong(parts[0]);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        List<String> data = new ArrayList<>();
        for (int i = 3; i < parts.length; i++) {
            data.add(unescape(parts[i]));
        }
        return Optional.of(new Event(ts, parts[1], parts[2], List.copyOf(data)));
    }

    static String unescape(String field) {
        return field.replace("%!(PACKER_COMMA)", ",").replace("\\n", "\n").replace("\\r", "\r");
    }
}
