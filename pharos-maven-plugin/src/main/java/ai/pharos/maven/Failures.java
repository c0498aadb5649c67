package ai.pharos.maven;

import ai.pharos.core.PharosException;
import org.apache.maven.plugin.MojoExecution;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugin.descriptor.MojoDescriptor;
import org.apache.maven.plugin.descriptor.Parameter;

/**
 * The one place that turns core failures into what the user reads: a single line naming what went wrong, the
 * Mojo parameter and its {@code -Dpharos.*} property, and the fix. No stack trace at the default log level (Maven
 * prints the cause chain only with {@code -e}).
 */
public final class Failures {
    private Failures() {
    }

    /**
     * The exception Maven reports. The cause is not chained: Maven would append every cause's message to the line.
     * The caller logs the cause at debug level ({@code -X}) instead.
     */
    public static MojoFailureException toMojoFailure(PharosException e, MojoExecution execution) {
        return new MojoFailureException(message(e, execution == null ? null : execution.getMojoDescriptor()));
    }

    static String message(PharosException e, MojoDescriptor descriptor) {
        StringBuilder line = new StringBuilder(oneLine(e.getMessage()));
        String option = e.option();
        if (option != null) {
            String parameter = parameterFor(option, descriptor);
            line.append(" [");
            if (parameter != null) {
                line.append('<').append(parameter).append("> / ");
            }
            line.append("-D").append(option).append(']');
        }
        if (e.fix() != null && !e.fix().isBlank()) {
            line.append(" Fix: ").append(oneLine(e.fix()));
        }
        return line.toString();
    }

    /** The name of the parameter of this goal whose property is {@code option}, read from the plugin descriptor. */
    static String parameterFor(String option, MojoDescriptor descriptor) {
        if (descriptor == null || descriptor.getParameters() == null) {
            return null;
        }
        String expression = "${" + option + "}";
        for (Parameter p : descriptor.getParameters()) {
            if (expression.equals(p.getExpression())) {
                return p.getName();
            }
        }
        return null;
    }

    private static String oneLine(String s) {
        if (s == null) {
            return "unknown failure";
        }
        return s.strip().replaceAll("\\s*\\R\\s*", " | ");
    }
}
