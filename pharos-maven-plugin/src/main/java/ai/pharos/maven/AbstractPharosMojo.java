package ai.pharos.maven;

import ai.pharos.core.Console;
import ai.pharos.core.PharosException;
import org.apache.maven.execution.MavenSession;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecution;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.project.MavenProject;

/**
 * What every goal shares, and nothing more: the global skip flag, the goal's own skip flag (logged with the reason),
 * and the translation of core failures through {@link Failures}. Goal parameters live in the goals.
 */
public abstract class AbstractPharosMojo extends AbstractMojo {

    /** Skip every Pharos goal. */
    @Parameter(property = "pharos.skip", defaultValue = "false")
    private boolean skip;

    @Parameter(defaultValue = "${project}", readonly = true, required = true)
    protected MavenProject project;

    @Parameter(defaultValue = "${session}", readonly = true, required = true)
    protected MavenSession session;

    @Parameter(defaultValue = "${mojoExecution}", readonly = true, required = true)
    protected MojoExecution mojoExecution;

    /** @return whether this goal's own skip flag is set. */
    protected abstract boolean isGoalSkipped();

    /** @return the property of this goal's own skip flag, e.g. {@code pharos.buildImage.skip}. */
    protected abstract String goalSkipProperty();

    /** The work of the goal: read parameters, call the core, log. */
    protected abstract void run(Console console) throws PharosException, MojoExecutionException, MojoFailureException;

    @Override
    public final void execute() throws MojoExecutionException, MojoFailureException {
        if (skip) {
            getLog().info("Skipping: pharos.skip is true");
            return;
        }
        if (isGoalSkipped()) {
            getLog().info("Skipping: " + goalSkipProperty() + " is true");
            return;
        }
        try {
            run(console());
        } catch (PharosException e) {
            getLog().debug("Failure details", e);
            throw Failures.toMojoFailure(e, mojoExecution);
        }
    }

    protected Console console() {
        return new MavenConsole(getLog());
    }
}
