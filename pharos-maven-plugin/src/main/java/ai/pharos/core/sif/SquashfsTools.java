package ai.pharos.core.sif;

import ai.pharos.core.Console;
import ai.pharos.core.PharosException;
import ai.pharos.core.docker.Engine;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;

/** Chooses where mksquashfs runs: the host's when usable, else the dev container's (or as forced). */
public final class SquashfsTools {

    /** {@code -Dpharos.sif.mksquashfs=auto|host|dev-container}. */
    public enum Where {
        AUTO, HOST, DEV_CONTAINER;

        public static Where parse(String s) throws PharosException {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new PharosException("Unknown mksquashfs location '" + s + "'", "pharos.sif.mksquashfs",
                        "Use auto (default: the host's when it is squashfs-tools 4.5+, else the dev container's), host "
                                + "or dev-container.");
            }
        }
    }

    private SquashfsTools() {
    }

    /**
     * The tool to use. {@code host} is the host's mksquashfs if any (empty otherwise); AUTO checks its version and
     * falls back to the dev container when it is missing or too old; DEV_CONTAINER always uses the dev container.
     * Logs which one is used.
     */
    public static SquashfsTool select(Where where, Optional<? extends SquashfsTool> host,
                                      Supplier<SquashfsTool> devContainer, Console console) throws PharosException {
        SquashfsTool tool;
        switch (where) {
            case HOST -> {
                tool = host.orElseThrow(() -> new PharosException("-Dpharos.sif.mksquashfs=host but no mksquashfs "
                        + "is on the PATH", "pharos.sif.mksquashfs", "Install squashfs-tools 4.5 or newer "
                        + "(apt-get install squashfs-tools), or use auto/dev-container."));
                tool.version();
            }
            case DEV_CONTAINER -> {
                tool = devContainer.get();
                tool.version();
            }
            default -> {
                String why = "no mksquashfs on the host's PATH";
                tool = null;
                if (host.isPresent()) {
                    try {
                        host.get().version();
                        tool = host.get();
                    } catch (PharosException e) {
                        why = e.getMessage();
                    }
                }
                if (tool == null) {
                    console.info("mksquashfs: " + why + "; using the dev container's");
                    tool = devContainer.get();
                    tool.version();
                }
            }
        }
        console.info("Using " + tool.describe());
        return tool;
    }

    /** The usual choice: host binary from the PATH, dev container {@code devImage} writing into {@code directory}. */
    public static SquashfsTool select(Where where, Engine engine, String devImage, Path directory, Console console)
            throws PharosException {
        return select(where, HostSquashfsTool.find(), () -> new DevContainerSquashfsTool(engine, console, devImage,
                directory), console);
    }
}
