package ai.pharos.core;

/**
 * Where the core reports what it does. The Maven side adapts this to the Maven log; tests use a recording fake.
 * The core never prints to stdout/stderr directly.
 */
public interface Console {
    void debug(String message);

    void info(String message);

    void warn(String message);

    boolean isDebugEnabled();

    /** A console that drops everything (for tools and tests that do not care). */
    Console SILENT = new Console() {
        @Override public void debug(String message) { }
        @Override public void info(String message) { }
        @Override public void warn(String message) { }
        @Override public boolean isDebugEnabled() { return false; }
    };
}
