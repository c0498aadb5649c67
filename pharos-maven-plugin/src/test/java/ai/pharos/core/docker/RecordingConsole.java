package ai.pharos.core.docker;

import ai.pharos.core.Console;

import java.util.ArrayList;
import java.util.List;

/** A console that keeps what it was told. */
class RecordingConsole implements Console {
    final List<String> lines = new ArrayList<>();

    @Override public void debug(String message) { lines.add("DEBUG " + message); }
    @Override public void info(String message) { lines.add("INFO " + message); }
    @Override public void warn(String message) { lines.add("WARN " + message); }
    @Override public boolean isDebugEnabled() { return true; }

    String all() {
        return String.join("\n", lines);
    }
}
