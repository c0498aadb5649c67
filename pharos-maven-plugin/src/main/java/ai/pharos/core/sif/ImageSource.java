package ai.pharos.core.sif;

import ai.pharos.core.PharosException;
import ai.pharos.core.docker.Engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** An image to convert: its id (for "up to date") and how to get its {@code docker save} archive into a file. */
public interface ImageSource {

    /** The image id ({@code sha256:…}). */
    String imageId();

    /** The reference recorded in the deffile ({@code from:}), e.g. {@code pharos/openmpi:1.0}. */
    String reference();

    /** Write the {@code docker save} archive to {@code target} (spooled, never held in memory). */
    void saveTo(Path target) throws PharosException;

    /** An image saved by the engine. */
    static ImageSource engine(Engine engine, String reference, String imageId) {
        return new ImageSource() {
            @Override public String imageId() { return imageId; }
            @Override public String reference() { return reference; }
            @Override public void saveTo(Path target) throws PharosException { engine.saveImage(reference, target); }
        };
    }

    /** A source for an image whose SIF is known to be up to date: saving it is an error. */
    static ImageSource upToDateOnly(String reference, String imageId) {
        return new ImageSource() {
            @Override public String imageId() { return imageId; }
            @Override public String reference() { return reference; }
            @Override public void saveTo(Path target) throws PharosException {
                throw new PharosException("Image " + reference + " must be saved but no engine is connected", null,
                        "Run the build again (the SIF changed while converting).");
            }
        };
    }

    /** An archive already on disk (copied, since the converter deletes its spool). */
    static ImageSource archive(Path archive, String reference, String imageId) {
        return new ImageSource() {
            @Override public String imageId() { return imageId; }
            @Override public String reference() { return reference; }
            @Override public void saveTo(Path target) throws PharosException {
                try {
                    Files.copy(archive, target, StandardCopyOption.REPLACE_EXISTING);
                } catch (IOException e) {
                    throw new PharosException("Cannot read image archive " + archive + ": " + e.getMessage(), null,
                            "Check the path of the saved image.", e);
                }
            }
        };
    }
}
