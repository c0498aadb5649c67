package ai.pharos.core.sif;

import ai.pharos.core.PharosException;

import java.util.List;
import java.util.Map;

/**
 * Where {@code mksquashfs} runs. {@link HostSquashfsTool} runs the host's binary; another implementation may run it
 * in the dev container (the process' stdin, stdout and stderr must be the tool's; paths passed in the arguments
 * must be visible to it at the same location).
 */
public interface SquashfsTool {

    /** Its version, e.g. {@code 4.5.1}; fails with an actionable message when the tool is unusable. */
    String version() throws PharosException;

    /**
     * Start {@code mksquashfs} with {@code arguments} (without the program name), with {@code environment} applied
     * (a null value removes a variable). The caller writes a tar to the process' stdin and waits for it.
     */
    Process start(List<String> arguments, Map<String, String> environment) throws PharosException;

    /** For messages, e.g. {@code mksquashfs 4.5.1 on the host (/usr/bin/mksquashfs)}. */
    String describe();

    /**
     * The version in {@code m} (a match of {@code mksquashfs -version}), refused below 4.5, the first release that
     * reads a tar on stdin ({@code -tar}).
     */
    static String requireTarSupport(java.util.regex.Matcher m, String what, String option, String fix)
            throws PharosException {
        int major = Integer.parseInt(m.group(1));
        int minor = Integer.parseInt(m.group(2));
        if (major < 4 || (major == 4 && minor < 5)) {
            throw new PharosException(what + " is " + major + "." + minor
                    + ", which cannot read a tar on stdin (-tar needs 4.5)", option, fix);
        }
        return major + "." + minor + (m.group(3) != null ? "." + m.group(3) : "");
    }
}
