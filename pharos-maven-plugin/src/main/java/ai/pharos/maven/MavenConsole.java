package ai.pharos.maven;

import ai.pharos.core.Console;
import org.apache.maven.plugin.logging.Log;

/** Adapts the core's {@link Console} to the Maven log. */
final class MavenConsole implements Console {
    private final Log log;

    MavenConsole(Log log) {
        this.log = log;
    }

    @Override public void debug(String message) { log.debug(message); }
    @Override public void info(String message) { log.info(message); }
    @Override public void warn(String message) { log.warn(message); }
    @Override public boolean isDebugEnabled() { return log.isDebugEnabled(); }
}
