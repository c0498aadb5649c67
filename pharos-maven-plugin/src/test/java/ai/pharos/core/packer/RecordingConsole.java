package ai.pharos.core.packer;

import ai.pharos.core.Console;

import java.util.ArrayList;
import java.util.List;

/** Collects what the core logs. */
final class RecordingConsole implements Console {
    final List<String> lines = new ArrayList<>();

    @Override public synchronized void debug(String message) { }
    @Override public synchronized void info(String message) { lines.add("INFO " + message); }
    @Override public synchronized void warn(String message) { lines.add("WARN " + message); }
    @Override public boolean isDebugEnabled() { return false; }

    synchronized String all() {
        return String.join("\n", lines);
    }
}
