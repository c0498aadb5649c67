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
}
