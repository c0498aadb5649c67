package ai.pharos.core.packer;

import ai.pharos.core.PharosException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * {@code target/<image>/manifest.json}: what an image is made of. Written last, after the in-image tests passed;
 * an image without it (or whose qcow2 no longer matches {@link #sha256()}) is never treated as built.
 *
 * @param inputs   the fingerprinted inputs (file digests, variables, base checksum, tool versions)
 * @param packages the installed packages read from the booted image ({@code name → version})
 */
public record Provenance(String image, String file, String sha256, long size, String baseOrigin, String baseSource,
                         String baseChecksum, String baseUpstreamChecksum, String packerVersion, String qemuVersion,
                         String accelerator, String fingerprint, Map<String, String> inputs,
                         Map<String, String> packages, String built, long buildSeconds) {

    public void write(Path file) throws PharosException {
        BaseImage.writeJson(file, this);
    }

    public static Provenance read(Path file) throws PharosException {
        try {
            return BaseImage.JSON.readValue(file.toFile(), Provenance.class);
        } catch (IOException e) {
            throw new PharosException("Unreadable image manifest " + file + ": " + e.getMessage(), null,
                    "Delete it (mvn clean) to rebuild the image.", e);
        }
    }
}
