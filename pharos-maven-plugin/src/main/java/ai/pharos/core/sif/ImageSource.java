package ai.pharos.core.sif;

import ai.pharos.core.PharosException;
import ai.pharos.core.docker.Engine;
import ai.pharos.core.docker.ImageInfo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.function.LongConsumer;

/** An image to convert: its id (for "up to date") and how to get its {@code docker save} archive into a file. */
public interface ImageSource {

    /** The image id ({@code sha256:…}). */
    String imageId();

    /** The reference recorded in the deffile ({@code from:}), e.g. {@code pharos/openmpi:1.0}. */
    String reference();

    /**
     * Write the {@code docker save} archive to {@code target} (spooled, never held in memory), telling
     * {@code received} the bytes written so far.
     */
    void saveTo(Path target, LongConsumer received) throws PharosException;

    /** About how large the archive will be (the image's size as the engine reports it), or -1 when unknown. */
    default long expectedBytes() throws PharosException {
        return -1;
    }

    /** An image saved by the engine. */
    static ImageSource engine(Engine engine, String reference, String imageId) {
        return new ImageSource() {
            @Override public String imageId() { return imageId; }
            @Override public String reference() { return reference; }
            @Override public void saveTo(Path target, LongConsumer received) throws PharosException {
                engine.saveImage(reference, target, received);
            }
            @Override public long expectedBytes() throws PharosException {
                return engine.inspectImage(reference).map(ImageInfo::size).orElse(-1L);
            }
        };
    }

    /** A source for an image whose SIF is known to be up to date: saving it is an error. */
    static ImageSource upToDateOnly(String reference, String imageId) {
        return new ImageSource() {
            @Override public String imageId() { return imageId; }
            @Override public String reference() { return reference; }
            @Override public void saveTo(Path target, LongConsumer received) throws PharosException {
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
            @Override public void saveTo(Path target, LongConsumer received) throws PharosException {
                try {
                    Files.copy(archive, target, StandardCopyOption.REPLACE_EXISTING);
                    received.accept(Files.size(target));
                } catch (IOException e) {
                    throw new PharosException("Cannot read image archive " + archive + ": " + e.getMessage(), null,
                            "Check the path of the saved image.", e);
                }
            }
        };
    }
}
