package ai.pharos.maven;

import ai.pharos.core.Console;
import ai.pharos.core.PharosException;
import ai.pharos.core.docker.Engine;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

/**
 * Runs a command in the development container ({@code make run-docker COMMAND="…"}):
 * {@code ./mvnw -q pharos:run -Dpharos.command="packer version"}. Output streams; a non-zero exit fails the build
 * with the code in the message. Runs once per build (at the top of the reactor).
 */
@Mojo(name = "run", aggregator = true, requiresProject = false, threadSafe = true)
public class RunMojo extends AbstractDevContainerMojo {

    /** The command line to run ({@code sh -c} semantics). */
    @Parameter(property = "pharos.command")
    private String command;

    /** Skip this goal. */
    @Parameter(property = "pharos.run.skip", defaultValue = "false")
    private boolean skipGoal;

    @Override
    protected boolean isGoalSkipped() {
        return skipGoal;
    }

    @Override
    protected String goalSkipProperty() {
        return "pharos.run.skip";
    }

    @Override
    protected void run(Console console) throws PharosException {
        requireCommand(command);
        try (Engine engine = connect(console)) {
            var options = devOptions(engine);
            console.debug("Running '" + command + "' in " + options.image() + " (workspace " + options.workspace() + ")");
            // The command's own output goes to stdout/stderr unprefixed, so `-q` gives exactly the command's output.
            devContainer(engine, console).run(options, command, System.out::println, System.err::println);
        }
    }
}
