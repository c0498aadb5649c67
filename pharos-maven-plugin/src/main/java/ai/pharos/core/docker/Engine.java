package ai.pharos.core.docker;

import ai.pharos.core.PharosException;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * The Docker engine operations the build needs. {@link DockerJavaEngine} implements it with docker-java; unit tests
 * of the core use small fakes. One instance per goal execution, closed after.
 */
public interface Engine extends AutoCloseable {

    /** The resolved endpoint (URL and where it came from). */
    Endpoint endpoint();

    /** Engine version and API version; fails with an actionable message when the engine cannot be reached. */
    EngineVersion version() throws PharosException;

    /** Inspect an image by reference (tag or id); empty when the engine does not have it. */
    Optional<ImageInfo> inspectImage(String reference) throws PharosException;

    /**
     * Build an image from a context tar (made by {@link ContextTar}). Build output is passed line by line to
     * {@code log}. Returns the id of the built image, read by inspecting the first tag.
     */
    String build(BuildRequest request, InputStream contextTar, Consumer<String> log) throws PharosException;

    /**
     * Import a root filesystem tar as a one-layer image tagged {@code reference}, with {@code labels} and
     * {@code created} in its config; returns the image id (the same tar and labels give the same id).
     */
    String importImage(Path rootfsTar, String reference, Map<String, String> labels, java.time.Instant created,
                       Consumer<String> log) throws PharosException;

    /** Pull {@code reference}; false when no registry answers (offline), an exception for other failures. */
    boolean pull(String reference, Consumer<String> log) throws PharosException;

    /**
     * Save an image as a `docker save` archive, spooled to {@code target} (never held in memory); {@code received}
     * is told the bytes received so far as they arrive (for progress).
     */
    void saveImage(String reference, Path target, LongConsumer received) throws PharosException;

    /**
     * Run a container to completion, streaming its output line by line, and remove it. Returns the exit code.
     * Interrupting the calling thread kills and removes the container.
     */
    int run(RunSpec spec, Consumer<String> stdout, Consumer<String> stderr) throws PharosException;

    /**
     * Run a container with stdin attached (an interactive shell): {@code stdin} is sent to the container, its output
     * is copied to {@code stdout} unchanged. A TTY is allocated when {@link RunSpec#tty()} is set. Returns the exit code.
     */
    default int runInteractive(RunSpec spec, java.io.InputStream stdin, java.io.OutputStream stdout)
            throws PharosException {
        throw new UnsupportedOperationException("interactive runs are not supported by " + getClass().getName());
    }

    @Override
    void close();
}
