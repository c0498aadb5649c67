package ai.pharos.core.packer;

import ai.pharos.core.PharosException;
import ai.pharos.core.process.ProcessRunner;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A cloud-init NoCloud seed: an ISO 9660 volume labelled {@code cidata} with {@code user-data} and {@code meta-data}. */
public final class SeedIso {
    private SeedIso() {
    }

    /** user-data giving the cloud image's default user ({@code debian}) the provisioning key: the Packer build path. */
    public static String defaultUserData(String publicKeyLine) {
        return "#cloud-config\n"
                + "users:\n  - default\n"
                + "ssh_authorized_keys:\n  - " + publicKeyLine + "\n";
    }

    /** user-data creating a separate check user with the key, so the tests can also see that {@code debian} is gone. */
    public static String checkUserData(String user, String publicKeyLine) {
        return "#cloud-config\n"
                + "users:\n"
                + "  - name: " + user + "\n"
                + "    shell: /bin/bash\n"
                + "    sudo: \"ALL=(ALL) NOPASSWD:ALL\"\n"
                + "    ssh_authorized_keys:\n      - " + publicKeyLine + "\n";
    }

    /** Write {@code iso} (atomically) with xorriso. */
    public static Path write(Path iso, String instanceId, String userData) throws PharosException {
        try {
            Files.createDirectories(iso.getParent());
            Path dir = Files.createTempDirectory(iso.getParent(), ".seed");
            try {
                Files.writeString(dir.resolve("user-data"), userData);
                Files.writeString(dir.resolve("meta-data"), "instance-id: " + instanceId + "\nlocal-hostname: "
                        + instanceId + "\n");
                Path tmp = iso.resolveSibling("." + iso.getFileName() + ".tmp");
                List<String> out = new ArrayList<>();
                ProcessRunner.Result r = ProcessRunner.run(List.of("xorriso", "-as", "mkisofs", "-quiet", "-o",
                                tmp.toString(), "-V", "cidata", "-J", "-R", dir.toString()), null, Map.of(), out::add,
                        out::add);
                if (!r.ok()) {
                    throw new PharosException("xorriso failed to write the cloud-init seed " + iso + ": "
                            + String.join(" | ", out), null, "Install xorriso.");
                }
                Files.move(tmp, iso, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                return iso;
            } finally {
                BaseImage.deleteTree(dir);
            }
        } catch (IOException e) {
            throw new PharosException("Cannot write " + iso + ": " + e.getMessage(), null, null, e);
        }
    }
}
