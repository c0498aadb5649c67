package ai.pharos.core.sif;

import ai.pharos.core.PharosException;
import ai.pharos.core.process.ProcessRunner;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code mksquashfs} from the host's PATH (squashfs-tools ≥ 4.5 for {@code -tar}). */
public final class HostSquashfsTool implements SquashfsTool {

    private static final Pattern VERSION = Pattern.compile("mksquashfs version (\\d+)\\.(\\d+)(?:\\.(\\d+))?");

    private final Path binary;
    private String version;

    public HostSquashfsTool(Path binary) {
        this.binary = binary;
    }

    /** The host's mksquashfs, if on the PATH. */
    public static Optional<HostSquashfsTool> find() {
        return ProcessRunner.which("mksquashfs").map(HostSquashfsTool::new);
    }

    @Override
    public synchronized String version() throws PharosException {
        if (version != null) {
            return version;
        }
        String out;
        try {
            Process p = new ProcessBuilder(binary.toString(), "-version").redirectErrorStream(true).start();
            out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
        } catch (IOException e) {
            throw new PharosException("Cannot run " + binary + ": " + e.getMessage(), "pharos.sif.backend",
                    "Install squashfs-tools 4.5 or newer (apt-get install squashfs-tools).", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PharosException("Interrupted while checking " + binary, null, null, e);
        }
        Matcher m = VERSION.matcher(out);
        if (!m.find()) {
            throw new PharosException("Cannot tell the version of " + binary + " (it printed: "
                    + out.lines().findFirst().orElse("") + ")", "pharos.sif.backend",
                    "Install squashfs-tools 4.5 or newer (apt-get install squashfs-tools).");
        }
        version = SquashfsTool.requireTarSupport(m, binary + " (squashfs-tools)", "pharos.sif.backend",
                "Install squashfs-tools 4.5 or newer (Debian 12 has 4.5.1).");
        return version;
    }

    @Override
    public Process start(List<String> arguments, Map<String, String> environment) throws PharosException {
        List<String> cmd = new ArrayList<>();
        cmd.add(binary.toString());
        cmd.addAll(arguments);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        environment.forEach((k, v) -> {
            if (v == null) {
                pb.environment().remove(k);
            } else {
                pb.environment().put(k, v);
            }
        });
        try {
            return pb.start();
        } catch (IOException e) {
            throw new PharosException("Cannot start " + binary + ": " + e.getMessage(), "pharos.sif.backend",
                    "Install squashfs-tools 4.5 or newer (apt-get install squashfs-tools).", e);
        }
    }

    @Override
    public String describe() {
        return "mksquashfs" + (version != null ? " " + version : "") + " on the host (" + binary + ")";
    }
}
