package ai.pharos.maven;

import ai.pharos.core.Console;
import ai.pharos.core.PharosException;
import ai.pharos.core.docker.Engine;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

import java.io.IOException;
import java.util.List;

/**
 * An interactive shell in the development container, with a TTY when Maven runs in a terminal
 * ({@code ./mvnw -q pharos:shell}).
 */
@Mojo(name = "shell", aggregator = true, requiresProject = false, threadSafe = true)
public class ShellMojo extends AbstractDevContainerMojo {

    /** The shell to start. */
    @Parameter(property = "pharos.shell", defaultValue = "bash -l")
    private String shell;

    /** Skip this goal. */
    @Parameter(property = "pharos.shell.skip", defaultValue = "false")
    private boolean skipGoal;

    @Override
    protected boolean isGoalSkipped() {
        return skipGoal;
    }

    @Override
    protected String goalSkipProperty() {
        return "pharos.shell.skip";
    }

    @Override
    protected void run(Console console) throws PharosException {
        boolean tty = System.console() != null;
        try (Engine engine = connect(console)) {
            var options = devOptions(engine);
            if (tty) {
                stty("raw", "-echo");
            }
            int code;
            try {
                code = devContainer(engine, console).shell(options, List.of(shell.strip().split("\\s+")), tty,
                        System.in, System.out);
            } finally {
                if (tty) {
                    stty("sane");
                }
            }
            if (code != 0) {
                console.info("Shell exited with code " + code);
            }
        }
    }

    /** Put the controlling terminal in raw mode (and back), so keys reach the container's TTY unchanged. */
    private static void stty(String... args) {
        ProcessBuilder pb = new ProcessBuilder(concat("stty", args));
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/tty")));
        try {
            pb.start().waitFor();
        } catch (IOException e) {
            // no stty: the shell still works, just line-buffered
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static List<String> concat(String first, String... rest) {
        java.util.ArrayList<String> l = new java.util.ArrayList<>();
        l.add(first);
        l.addAll(List.of(rest));
        return l;
    }
}
