package ai.pharos.maven;

import ai.pharos.core.Console;
import ai.pharos.core.PharosException;
import ai.pharos.core.docker.BuiltImage;
import ai.pharos.core.docker.Engine;
import ai.pharos.core.docker.ImageTests;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

import java.io.File;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;

/**
 * Runs the container tests of the images {@code pharos:build-image} recorded under {@code target/pharos/images/}:
 * for each image, the spec {@code image-test.json} in its directory (Container Structure Test schema 2.0.0, JSON):
 * commands with expected exit code and output patterns, files that must or must not exist, file contents, ENV,
 * labels, ENTRYPOINT/CMD. Every check runs; the build fails listing each failed check on its own line.
 * Skipped with {@code -Dpharos.testImage.skip}, and, like Surefire and Failsafe, with {@code -DskipTests} or
 * {@code -Dmaven.test.skip}.
 */
@Mojo(name = "test-image", defaultPhase = LifecyclePhase.INTEGRATION_TEST, threadSafe = true)
public class TestImageMojo extends AbstractDockerMojo {

    /** Only these image names (comma separated); default: every recorded image. */
    @Parameter(property = "pharos.containers")
    private List<String> containers;

    /** The spec file's name inside each image's directory. */
    @Parameter(property = ImageTests.SPEC_OPTION, defaultValue = ImageTests.DEFAULT_SPEC_FILE)
    private String spec;

    /** Network of the test containers: {@code none} keeps tests hermetic; {@code host} if a test needs the network. */
    @Parameter(property = "pharos.testImage.network", defaultValue = "none")
    private String network;

    /** Longest a single test container may run, in seconds, before it is killed and its check fails; 0: no limit. */
    @Parameter(property = "pharos.testImage.timeout", defaultValue = "900")
    private int timeout;

    @Parameter(defaultValue = "${project.build.directory}", readonly = true)
    private File buildDirectory;

    /** Where the JUnit XML reports go ({@code TEST-<image>.xml}, one per image), for CI servers. */
    @Parameter(property = "pharos.testImage.reportsDirectory",
            defaultValue = "${project.build.directory}/pharos/image-tests")
    private File reportDirectory;

    /** Skip this goal. */
    @Parameter(property = "pharos.testImage.skip", defaultValue = "false")
    private boolean skipGoal;

    @Override
    protected boolean isGoalSkipped() {
        return skipReason() != null;
    }

    @Override
    protected String goalSkipProperty() {
        String reason = skipReason();
        return reason == null ? "pharos.testImage.skip" : reason;
    }

    /** The property that skips the tests: our own, or Maven's usual test switches. */
    private String skipReason() {
        if (skipGoal) {
            return "pharos.testImage.skip";
        }
        for (String p : List.of("skipTests", "maven.test.skip")) {
            if (isTrue(p)) {
                return p;
            }
        }
        return null;
    }

    private boolean isTrue(String property) {
        String value = null;
        if (session != null) {
            value = first(session.getUserProperties(), session.getSystemProperties(), property);
        }
        if (value == null && project != null) {
            value = project.getProperties().getProperty(property);
        }
        // -DskipTests alone means true, as for Surefire
        return value != null && (value.isBlank() || Boolean.parseBoolean(value.strip()));
    }

    private static String first(Properties user, Properties system, String key) {
        String v = user == null ? null : user.getProperty(key);
        return v != null ? v : system == null ? null : system.getProperty(key);
    }

    @Override
    protected void run(Console console) throws PharosException {
        if (timeout < 0) {
            throw new PharosException("The test timeout is " + timeout + " s", "pharos.testImage.timeout",
                    "Give a number of seconds, or 0 for no limit.");
        }
        Set<String> only = new LinkedHashSet<>();
        if (containers != null) {
            containers.stream().map(String::strip).filter(s -> !s.isEmpty()).forEach(only::add);
        }
        List<BuiltImage> images = BuiltImage.readAll(buildDirectory.toPath(), only);
        ImageTests.Options options = new ImageTests.Options(network, Duration.ofSeconds(timeout));
        try (Engine engine = connect(console)) {
            ImageTests.testAll(engine, images, spec, options, reportDirectory.toPath(), console);
        }
    }
}
