package ai.pharos.core.packer;

import ai.pharos.core.PharosException;
import ai.pharos.core.docker.DevContainer;
import ai.pharos.core.process.ProcessRunner;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Runs a command that needs root (debootstrap's chroot): directly when the build runs as root (CI), otherwise in
 * the dev container as root through the {@link Engine}, with the directories it touches bind-mounted at the same
 * paths.
 */
public interface RootRunner {

    /** Runs {@code command}; {@code paths} are the host directories it reads or writes. Returns the exit code. */
    int run(List<String> command, List<Path> paths, Map<String, String> env, Consumer<String> out)
            throws PharosException;

    /** Where it runs, for the log. */
    String describe();

    /** Whether this process runs as root. */
    static boolean isRoot() {
        try {
            return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (IOException | UnsupportedOperationException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    /** The host, when the build runs as root. */
    final class Host implements RootRunner {
        @Override
        public int run(List<String> command, List<Path> paths, Map<String, String> env, Consumer<String> out)
                throws PharosException {
            return ProcessRunner.run(command, null, env, out, out).exitCode();
        }

        @Override
        public String describe() {
            return "on the host (running as root)";
        }
    }

    /** The dev container, as root, host network (the mirror must be reachable), same paths inside as outside. */
    final class Container implements RootRunner {
        private final DevContainer dev;
        private final DevContainer.Options options;

        public Container(DevContainer dev, DevContainer.Options options) {
            this.dev = dev;
            this.options = options;
        }

        @Override
        public int run(List<String> command, List<Path> paths, Map<String, String> env, Consumer<String> out)
                throws PharosException {
            return dev.exec(PackerTool.Container.options(options, null, env, paths), command, out, out);
        }

        @Override
        public String describe() {
            return "in the dev container " + options.image() + " (as root)";
        }
    }
}
