package ai.pharos.core.docker;

import ai.pharos.core.Console;

import java.util.ArrayList;
import java.util.List;

/** A {@link Console} that keeps what was logged, for assertions. */
final class RecordingConsole implements Console {
    final List<String> lines = new ArrayList<>();

    @Override public synchronized void debug(String message) { lines.add("DEBUG " + message); }
    @Override public synchronized void info(String message) { lines.add("INFO " + message); }
    @Override public synchronized void warn(String message) { lines.add("WARN " + message); }
    @Override public boolean isDebugEnabled() { return false; }
}
