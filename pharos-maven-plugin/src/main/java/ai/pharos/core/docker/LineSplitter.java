package ai.pharos.core.docker;

import java.util.function.Consumer;

/** Turns chunks of text (as streamed by the engine) into whole lines; call {@link #flush()} at the end. */
final class LineSplitter implements Consumer<String> {
    private final Consumer<String> sink;
    private final StringBuilder pending = new StringBuilder();

    LineSplitter(Consumer<String> sink) {
        this.sink = sink;
    }

    @Override
    public synchronized void accept(String chunk) {
        pending.append(chunk);
        int nl;
        while ((nl = pending.indexOf("\n")) >= 0) {
            String line = pending.substring(0, nl);
            pending.delete(0, nl + 1);
            sink.accept(line.endsWith("\r") ? line.substring(0, line.length() - 1) : line);
        }
    }

    synchronized void flush() {
        if (pending.length() > 0) {
            sink.accept(pending.toString());
            pending.setLength(0);
        }
    }
}
