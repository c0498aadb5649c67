package ai.pharos.maven;

import ai.pharos.core.PharosException;
import ai.pharos.core.packer.PackerTool;
import ai.pharos.core.packer.QemuVm;
import ai.pharos.core.packer.RootRunner;

/** Choices shared by the Packer goals: where Packer and root commands run, which accelerator. */
final class PackerSupport {
    private PackerSupport() {
    }

    static PackerTool packerTool(boolean host) throws PharosException {
        if (host) {
            return new PackerTool.Host();
        }
        throw new PharosException("Running Packer in the dev container needs the Docker engine integration, which"
                + " this build does not have yet", "pharos.packer.host",
                "Set -Dpharos.packer.host=true to run the host's packer and qemu (Debian: apt-get install packer"
                + " qemu-system-x86 qemu-utils).");
    }

    static RootRunner rootRunner(boolean host) {
        if (RootRunner.isRoot()) {
            return new RootRunner.Host();
        }
        return new RootRunner() {
            @Override
            public int run(java.util.List<String> command, java.util.List<java.nio.file.Path> paths,
                           java.util.Map<String, String> env, java.util.function.Consumer<String> out)
                    throws PharosException {
                throw new PharosException("Building the base image from the mirror needs root (debootstrap) and the"
                        + " dev container integration is not available in this build", "pharos.base.source",
                        "Run the build as root, or use -Dpharos.base.source=download with a reachable cloud image URL.");
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
