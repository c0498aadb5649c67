package ai.pharos.core.docker;

import ai.pharos.core.Console;
import ai.pharos.core.PharosException;
import ai.pharos.core.ToolFailedException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Runs commands in the development container the way {@code make run-docker COMMAND=…} did: the workspace
 * bind-mounted at the same path, the invoking uid/gid (the image's entrypoint creates the user and a HOME and drops
 * privileges with gosu), {@code /dev/kvm} when present, the Docker socket only when asked, host networking.
 */
public final class DevContainer {
    public static final String DEFAULT_IMAGE = "pharos-dev:latest";
    static final Path KVM = Path.of("/dev/kvm");

    /**
     * @param image        dev container image
     * @param workspace    directory bind-mounted at the same path
     * @param workingDir   working directory inside the container (defaults to the workspace)
     * @param dockerSocket also mount the engine's socket (grants control of the host engine)
     * @param socketPath   host path of the engine socket (for the mount)
     * @param env          extra environment
     * @param extraBinds   extra bind mounts
     * @param uid          user id the command runs as (null: the invoking user's)
     * @param gid          group id the command runs as (null: the invoking user's)
     */
    public record Options(String image, Path workspace, Path workingDir, boolean dockerSocket, Path socketPath,
                          Map<String, String> env, List<RunSpec.Bind> extraBinds, Integer uid, Integer gid) {
    }

    private final Engine engine;
    private final Console console;
    private final int uid;
    private final int gid;

    public DevContainer(Engine engine, Console console) {
        this(engine, console, currentId("uid"), currentId("gid"));
    }

    DevContainer(Engine engine, Console console, int uid, int gid) {
        this.engine = engine;
        this.console = console;
        this.uid = uid;
        this.gid = gid;
    }

    /** The container spec for {@code command} ({@code sh -c} semantics when one string is given). */
    public RunSpec spec(Options o, List<String> command, boolean tty) throws PharosException {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PHAROS_UID", Integer.toString(o.uid() != null ? o.uid() : uid));
        env.put("PHAROS_GID", Integer.toString(o.gid() != null ? o.gid() : gid));
        env.put("PHAROS_WORKSPACE", o.workspace().toString());
        List<RunSpec.Bind> binds = new ArrayList<>();
        binds.add(new RunSpec.Bind(o.workspace().toString(), o.workspace().toString(), false));
        binds.addAll(o.extraBinds());
        List<String> devices = new ArrayList<>();
        if (Files.exists(KVM)) {
            devices.add(KVM.toString());
        }
        if (o.dockerSocket()) {
            if (o.socketPath() == null || !Files.exists(o.socketPath())) {
                throw new PharosException("The Docker socket cannot be mounted: the engine is not on a local unix socket",
                        "pharos.dev.dockerSocket", "Use a local engine (unix://…) or leave the socket out.");
            }
            console.warn("Mounting the Docker socket " + o.socketPath() + " into the dev container: commands in it "
                    + "control the host's Docker engine (root-equivalent on this machine)");
            binds.add(new RunSpec.Bind(o.socketPath().toString(), "/var/run/docker.sock", false));
            env.put("PHAROS_DOCKER_GID", Integer.toString(ownerGroup(o.socketPath())));
        }
        env.putAll(o.env());
        String terminal = System.getenv("TERM");
        if (tty && terminal != null) {
            env.put("TERM", terminal);
        }
        Path wd = o.workingDir() != null ? o.workingDir() : o.workspace();
        return new RunSpec(o.image(), command, null, "0:0", env, binds, wd.toString(), "host", devices, tty);
    }

    /**
     * Run {@code command} (a shell command line, run with {@code sh -c}), stream its output, and fail with the exit
     * code in the message when it is not zero.
     */
    public void run(Options o, String command, Consumer<String> stdout, Consumer<String> stderr) throws PharosException {
        int code = engine.run(spec(o, List.of("sh", "-c", command), false), stdout, stderr);
        if (code != 0) {
            throw new ToolFailedException("Command '" + command + "' exited with code " + code + " in " + o.image(),
                    code, "pharos.command", "See the command's output above.");
        }
    }

    /** Run {@code command} and return its exit code and output (for checks); does not fail on a non-zero exit. */
    public int exec(Options o, List<String> command, Consumer<String> stdout, Consumer<String> stderr)
            throws PharosException {
        return engine.run(spec(o, command, false), stdout, stderr);
    }

    /** An interactive shell; a TTY when {@code tty}. Returns the shell's exit code. */
    public int shell(Options o, List<String> command, boolean tty, InputStream in, OutputStream out)
            throws PharosException {
        return engine.runInteractive(spec(o, command, tty), in, out);
    }

    private static int ownerGroup(Path p) throws PharosException {
        try {
            return (Integer) Files.getAttribute(p, "unix:gid");
        } catch (IOException e) {
            throw new PharosException("Cannot read the group of " + p + ": " + e.getMessage(), null, null, e);
        }
    }

    static int currentId(String attribute) {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:" + attribute);
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return 0;
        }
    }
}
