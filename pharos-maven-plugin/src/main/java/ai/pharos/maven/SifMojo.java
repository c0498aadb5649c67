package ai.pharos.maven;

import ai.pharos.core.Console;
import ai.pharos.core.PharosException;
import ai.pharos.core.docker.BuiltImage;
import ai.pharos.core.docker.DevContainer;
import ai.pharos.core.docker.Engine;
import ai.pharos.core.sif.ImageSource;
import ai.pharos.core.sif.Mksquashfs;
import ai.pharos.core.sif.SifConverter;
import ai.pharos.core.sif.SquashfsTools;
import org.apache.maven.plugins.annotations.Component;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.project.MavenProjectHelper;

import java.io.File;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Converts the images built by {@code pharos:build-image} (the records under {@code target/pharos/images}) to
 * Apptainer SIF files, natively (no apptainer, no root), and attaches each to the project (type {@code sif},
 * classifier = image name). Up to date SIFs are left alone.
 */
@Mojo(name = "sif", defaultPhase = LifecyclePhase.PACKAGE, threadSafe = true)
public class SifMojo extends AbstractDockerMojo {

    /** Only these image names (comma separated); default: every built image. */
    @Parameter(property = "pharos.containers")
    private List<String> containers;

    /** Squashfs compression: {@code gzip} (default, readable by every runtime), {@code zstd}, {@code lz4}, {@code xz}. */
    @Parameter(property = "pharos.sif.compression", defaultValue = "gzip")
    private String compression;

    /**
     * Reproducible SIFs (nil UUID, fixed times, SOURCE_DATE_EPOCH): the same image gives identical bytes. Default:
     * true when {@code project.build.outputTimestamp} is set.
     */
    @Parameter(property = "pharos.sif.reproducible")
    private Boolean reproducible;

    /** Decides the default of {@code reproducible}. */
    @Parameter(property = "pharos.sif.outputTimestamp", defaultValue = "${project.build.outputTimestamp}")
    private String outputTimestamp;

    /**
     * Reproducible mode: SOURCE_DATE_EPOCH for mksquashfs and the time of the added files (seconds). Default: the
     * image's own time (its creation date or newest file), so no file time is clamped.
     */
    @Parameter(property = "pharos.sif.sourceDateEpoch")
    private Long sourceDateEpoch;

    /** {@code native} (default) or {@code apptainer} (needs an apptainer binary on the PATH). */
    @Parameter(property = "pharos.sif.backend", defaultValue = "native")
    private String backend;

    /**
     * Where mksquashfs runs: {@code auto} (default: the host's when it is squashfs-tools 4.5+, else the dev
     * container's), {@code host} or {@code dev-container}.
     */
    @Parameter(property = "pharos.sif.mksquashfs", defaultValue = "auto")
    private String mksquashfs;

    /** The development container image (for mksquashfs when the host has none). */
    @Parameter(property = "pharos.dev.image", defaultValue = DevContainer.DEFAULT_IMAGE)
    private String devImage;

    /** Where the SIF files (and their {@code .sif.json} records) are written. */
    @Parameter(property = "pharos.sif.outputDirectory", defaultValue = "${project.build.directory}/sif")
    private File outputDirectory;

    /** Attach the SIFs to the project so install/deploy carry them. */
    @Parameter(property = "pharos.sif.attach", defaultValue = "true")
    private boolean attach;

    @Parameter(defaultValue = "${project.build.directory}", readonly = true)
    private File buildDirectory;

    /** Skip this goal. */
    @Parameter(property = "pharos.sif.skip", defaultValue = "false")
    private boolean skipGoal;

    @Component
    private MavenProjectHelper projectHelper;

    @Override
    protected boolean isGoalSkipped() {
        return skipGoal;
    }

    @Override
    protected String goalSkipProperty() {
        return "pharos.sif.skip";
    }

    @Override
    protected void run(Console console) throws PharosException {
        Set<String> only = containers == null ? Set.of() : new LinkedHashSet<>(containers.stream().map(String::strip)
                .filter(s -> !s.isEmpty()).toList());
        List<BuiltImage> images = BuiltImage.readAll(buildDirectory.toPath(), only);
        if (images.isEmpty()) {
            console.info("No built images under " + BuiltImage.directory(buildDirectory.toPath())
                    + ": nothing to convert (run pharos:build-image first)");
            return;
        }
        Instant timestamp = Timestamps.parseOrNull(outputTimestamp);
        boolean repro = reproducible != null ? reproducible : timestamp != null;
        Mksquashfs.Compression comp = Mksquashfs.Compression.parse(compression);
        SifConverter.Backend be = SifConverter.Backend.parse(backend);
        SquashfsTools.Where where = SquashfsTools.Where.parse(mksquashfs);
        SifConverter checker = new SifConverter(console, null);
        SifConverter converter = null;
        Path out = outputDirectory.toPath();
        Engine engine = null;
        try {
            for (BuiltImage image : images) {
                SifConverter.Options options = SifConverter.Options.of(out, image.name()).withCompression(comp)
                        .withReproducible(repro, sourceDateEpoch).withBackend(be);
                if (engine == null && !checker.isUpToDate(image.id(), image.reference(), options)) {
                    engine = connect(console);
                    converter = new SifConverter(console, be == SifConverter.Backend.APPTAINER ? null
                            : SquashfsTools.select(where, engine, devImage, out, console));
                }
                SifConverter.Result result = (converter != null ? converter : checker).convert(engine == null
                        ? ImageSource.upToDateOnly(image.reference(), image.id())
                        : ImageSource.engine(engine, image.reference(), image.id()), options);
                if (attach) {
                    projectHelper.attachArtifact(project, "sif", image.name(), result.sif().toFile());
                }
            }
        } finally {
            if (engine != null) {
                engine.close();
            }
        }
    }
}
