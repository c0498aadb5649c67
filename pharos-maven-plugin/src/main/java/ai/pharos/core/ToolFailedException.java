package ai.pharos.core;

/** An external step (a Docker build step, a container command, a tool) ran and failed with an exit code. */
public class ToolFailedException extends PharosException {
    private static final long serialVersionUID = 1L;

    private final int exitCode;

    public ToolFailedException(String message, int exitCode, String option, String fix) {
        super(message, option, fix);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
