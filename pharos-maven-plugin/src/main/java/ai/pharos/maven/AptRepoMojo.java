package ai.pharos.maven;

import ai.pharos.core.Console;
import ai.pharos.core.PharosException;
import ai.pharos.core.deb.AptRepository;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

import java.io.File;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes a flat apt repository ({@code Packages}, {@code Packages.gz}, {@code Release} with sizes, MD5Sum and
 * SHA256, and the packages) from the {@code .deb}s of a directory, natively and deterministically (Release date =
 * {@code project.build.outputTimestamp}). Use it as {@code deb [trusted=yes] file:<directory> ./}.
 */
@Mojo(name = "apt-repo", defaultPhase = LifecyclePhase.PACKAGE, threadSafe = true)
public class AptRepoMojo extends AbstractPharosMojo {

    /** The directory whose {@code *.deb} files are indexed. */
    @Parameter(property = "pharos.aptRepo.debDirectory", defaultValue = "${project.build.directory}/debs")
    private File debDirectory;

    /** The repository directory (replaced atomically). */
    @Parameter(property = "pharos.aptRepo.directory", defaultValue = "${project.build.directory}/apt-repo")
    private File directory;

    /** Release {@code Origin}. */
    @Parameter(property = "pharos.aptRepo.origin", defaultValue = "Pharos")
    private String origin;

    /** Release {@code Label}. */
    @Parameter(property = "pharos.aptRepo.label", defaultValue = "${project.artifactId}")
    private String label;

    /** Release {@code Suite} (optional). */
    @Parameter(property = "pharos.aptRepo.suite")
    private String suite;

    /** Packages read in parallel (0 = one per core). */
    @Parameter(property = "pharos.aptRepo.threads", defaultValue = "0")
    private int threads;

    /** The Release date: the reproducible-build timestamp. */
    @Parameter(property = "pharos.aptRepo.date", defaultValue = "${project.build.outputTimestamp}")
    private String outputTimestamp;

    /**
     * Where to keep what was read about each package (size, digests, control paragraph), so that the next run does
     * not read a package that has not changed (device, inode, size and mtime all match, as in apt-ftparchive --db;
     * see docs/decisions.md).
     */
    @Parameter(property = "pharos.aptRepo.digestCache",
            defaultValue = "${project.build.directory}/pharos/apt-repo-digests")
    private File digestCache;

    /** Use the digest cache; false reads every package every time. */
    @Parameter(property = "pharos.aptRepo.useDigestCache", defaultValue = "true")
    private boolean useDigestCache;

    /** Skip this goal. */
    @Parameter(property = "pharos.aptRepo.skip", defaultValue = "false")
    private boolean skipGoal;

    @Override
    protected boolean isGoalSkipped() {
        return skipGoal;
    }

    @Override
    protected String goalSkipProperty() {
        return "pharos.aptRepo.skip";
    }

    @Override
    protected void run(Console console) throws PharosException {
        List<Path> debs = AptRepository.debsIn(debDirectory.toPath());
        int n = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        AptRepository.write(new AptRepository.Request(debs, directory.toPath(), Timestamps.parse(outputTimestamp),
                origin, label, suite, n, useDigestCache ? digestCache.toPath() : null), console);
    }
}
