package ai.pharos.maven;

import ai.pharos.core.Console;
import ai.pharos.core.PharosException;
import ai.pharos.core.docker.BaseImage;
import ai.pharos.core.docker.Engine;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

import java.io.File;
import java.util.List;

/**
 * Makes sure the Debian base image exists in the local engine: pulls it when a registry answers, otherwise builds it
 * from a Debian mirror with debootstrap and imports it (the air-gapped path). Does nothing when the image exists.
 */
@Mojo(name = "base-image", defaultPhase = LifecyclePhase.INITIALIZE, threadSafe = true)
public class BaseImageMojo extends AbstractDockerMojo {

    /** The base image reference to provide. */
    @Parameter(property = "pharos.base.image", defaultValue = "debian:trixie")
    private String image;

    /** {@code auto} (pull, then debootstrap), {@code pull} or {@code debootstrap}. */
    @Parameter(property = "pharos.base.mode", defaultValue = "auto")
    private String mode;

    /** Debian suite to bootstrap. */
    @Parameter(property = "pharos.base.suite", defaultValue = "trixie")
    private String suite;

    /** Debian mirror to bootstrap from (an internal mirror at air-gapped sites). */
    @Parameter(property = "pharos.base.mirror", defaultValue = "http://deb.debian.org/debian")
    private String mirror;

    /** debootstrap variant. */
    @Parameter(property = "pharos.base.variant", defaultValue = "minbase")
    private String variant;

    /** Extra packages to include in the bootstrapped image (comma separated with -D). */
    @Parameter(property = "pharos.base.include")
    private List<String> include;

    /** Timestamp of every file in the imported tar (reproducibility). */
    @Parameter(property = "pharos.base.outputTimestamp", defaultValue = "${project.build.outputTimestamp}")
    private String outputTimestamp;

    /** Work directory for the root filesystem and tar. */
    @Parameter(property = "pharos.base.workDirectory", defaultValue = "${project.build.directory}/pharos/base-image")
    private File workDirectory;

    /** Skip this goal. */
    @Parameter(property = "pharos.baseImage.skip", defaultValue = "false")
    private boolean skipGoal;

    @Override
    protected boolean isGoalSkipped() {
        return skipGoal;
    }

    @Override
    protected String goalSkipProperty() {
        return "pharos.baseImage.skip";
    }

    @Override
    protected void run(Console console) throws PharosException {
        BaseImage.Request request = new BaseImage.Request(image, BaseImage.Mode.parse(mode), suite, mirror, variant,
                include == null ? List.of() : include, Timestamps.parse(outputTimestamp), workDirectory.toPath());
        try (Engine engine = connect(console)) {
            new BaseImage(engine, console).ensure(request);
        }
    }
}
