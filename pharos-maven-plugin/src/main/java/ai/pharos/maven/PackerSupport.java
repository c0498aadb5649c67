package ai.pharos.maven;

import ai.pharos.core.Console;
import ai.pharos.core.PharosException;
import ai.pharos.core.docker.Engine;
import ai.pharos.core.packer.PackerTool;
import ai.pharos.core.packer.QemuVm;
import ai.pharos.core.packer.RootRunner;

/** Choices shared by the Packer goals: where Packer and root commands run, which accelerator. */
final class PackerSupport {
    private PackerSupport() {
    }

    /** Packer and the root runner of one goal execution; closes the engine connection when it made one. */
    static final class Tools implements AutoCloseable {
        final PackerTool packer;
        final RootRunner root;
        private final Engine engine;

        private Tools(PackerTool packer, RootRunner root, Engine engine) {
            this.packer = packer;
            this.root = root;
            this.engine = engine;
        }

        @Override
        public void close() {
            if (engine != null) {
                engine.close();
            }
        }
    }

    /**
     * Host tools when {@code host} (root steps on the host need the build to run as root), else the dev container
     * through the Docker engine. A root build on the host never needs the container for debootstrap.
     */
    static Tools tools(boolean host, AbstractDevContainerMojo mojo, Console console) throws PharosException {
        if (host) {
            return new Tools(new PackerTool.Host(), RootRunner.isRoot() ? new RootRunner.Host() : noRoot(), null);
        }
        Engine engine = mojo.connect(console);
        var dev = mojo.devContainer(engine, console);
        var options = mojo.devOptions(engine);
        return new Tools(new PackerTool.Container(dev, options),
                RootRunner.isRoot() ? new RootRunner.Host() : new RootRunner.Container(dev, options), engine);
    }

    private static RootRunner noRoot() {
        return new RootRunner() {
            @Override
            public int run(java.util.List<String> command, java.util.List<java.nio.file.Path> paths,
                           java.util.Map<String, String> env, java.util.function.Consumer<String> out)
                    throws PharosException {
                throw new PharosException("Building the base image from the mirror needs root (debootstrap chroot)",
                        "pharos.packer.host", "Run the build as root, or leave pharos.packer.host=false so that"
                        + " debootstrap runs as root in the dev container.");
            }

            @Override
            public String describe() {
                return "(no root available)";
            }
        };
    }

    static String accelerator(String configured) throws PharosException {
        if (configured == null || configured.isBlank() || configured.equals("auto")) {
            return QemuVm.defaultAccelerator();
        }
        if (!configured.equals("kvm") && !configured.equals("tcg")) {
            throw new PharosException("Unknown accelerator '" + configured + "'", "pharos.packer.accelerator",
                    "Use auto, kvm or tcg.");
        }
        return configured;
    }
}
