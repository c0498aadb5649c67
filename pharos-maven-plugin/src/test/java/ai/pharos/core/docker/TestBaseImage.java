package ai.pharos.core.docker;

import ai.pharos.core.Console;
import ai.pharos.core.PharosException;
import ai.pharos.core.process.ProcessRunner;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The Debian base image the real-engine tests build FROM. On a fresh machine (CI) the plugin's tests run before the
 * dev-container module has made it, so the tests make it themselves the way {@code pharos:base-image} does: from the
 * Debian mirror with debootstrap (root) or mmdebstrap. Where neither can run, the test is skipped, saying why.
 */
public final class TestBaseImage {
    public static final String IMAGE = "debian:trixie";
    public static final String MIRROR = "http://deb.debian.org/debian";

    private TestBaseImage() {
    }

    /** Make sure {@link #IMAGE} exists in the engine the environment points at (DOCKER_HOST…), or skip. */
    public static synchronized void ensure() {
        try (Engine engine = DockerJavaEngine.connect((String) null, Console.SILENT)) {
            if (engine.inspectImage(IMAGE).isPresent()) {
                return;
            }
            boolean canBootstrap = BaseImage.isRoot() && ProcessRunner.which("debootstrap").isPresent()
                    || ProcessRunner.which("mmdebstrap").isPresent();
            assumeTrue(canBootstrap, IMAGE + " is missing and cannot be bootstrapped here (needs root + debootstrap,"
                    + " or mmdebstrap): run pharos:base-image first");
            Path work = Files.createTempDirectory("pharos-test-base");
            try {
                new BaseImage(engine, Console.SILENT).ensure(new BaseImage.Request(IMAGE, BaseImage.Mode.DEBOOTSTRAP,
                        "trixie", MIRROR, "minbase", List.of(), Instant.parse("2026-01-01T00:00:00Z"), work));
            } finally {
                BaseImage.deleteTree(work);
            }
        } catch (PharosException e) {
            assumeTrue(false, "no usable Docker engine or base image: " + e.getMessage());
        } catch (IOException e) {
            throw new IllegalStateException("cannot prepare " + IMAGE + ": " + e.getMessage(), e);
        }
    }
}
