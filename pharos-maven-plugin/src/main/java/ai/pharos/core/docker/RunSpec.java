package ai.pharos.core.docker;

import java.util.List;
import java.util.Map;

/**
 * A container to run to completion.
 *
 * @param image       image reference
 * @param command     the command (argv); empty for the image's default
 * @param entrypoint  override of the entrypoint (argv), or null to keep the image's
 * @param user        {@code uid:gid}, or null for the image's user
 * @param env         environment entries
 * @param binds       bind mounts
 * @param workingDir  working directory, or null
 * @param networkMode {@code host}, {@code none}, …
 * @param devices     host device paths to pass through (e.g. {@code /dev/kvm})
 * @param tty         allocate a TTY and attach stdin (interactive shell)
 */
public record RunSpec(String image, List<String> command, List<String> entrypoint, String user,
                      Map<String, String> env, List<Bind> binds, String workingDir, String networkMode,
                      List<String> devices, boolean tty) {

    /** A bind mount of a host path at a container path. */
    public record Bind(String hostPath, String containerPath, boolean readOnly) {
    }
}
