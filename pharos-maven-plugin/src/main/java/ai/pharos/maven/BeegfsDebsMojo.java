package ai.pharos.maven;

import ai.pharos.core.Console;
import ai.pharos.core.PharosException;
import ai.pharos.core.deb.BeegfsBuild;
import ai.pharos.core.deb.BeegfsSource;
import ai.pharos.core.deb.DebPackage;
import ai.pharos.core.docker.DevContainer;
import ai.pharos.core.docker.Engine;
import org.apache.maven.plugins.annotations.Component;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.project.MavenProjectHelper;

import java.io.File;
import java.util.List;
import java.util.Map;

/**
 * Builds BeeGFS {@code .deb}s from source in the dev container ({@code make package-deb} with an explicit
 * {@code -jN} and {@code BEEGFS_VERSION}), verifies each natively, collects them into {@code debDirectory} and
 * attaches them (type {@code deb}, classifier = package name). Up to date when source identity, version, dev image
 * and options are unchanged.
 */
@Mojo(name = "beegfs-debs", defaultPhase = LifecyclePhase.PACKAGE, threadSafe = true)
public class BeegfsDebsMojo extends AbstractDockerMojo {

    /**
     * The source: a git URL (ends with .git) built at {@code tag}, a tarball URL or file (needs {@code sha256}), or
     * a local source directory. Default: the upstream repository.
     */
    @Parameter(property = "pharos.beegfs.source", defaultValue = BeegfsSource.DEFAULT_URL)
    private String source;

    /** Git tag to build (git sources). */
    @Parameter(property = "pharos.beegfs.tag", defaultValue = BeegfsSource.DEFAULT_TAG)
    private String tag;

    /** SHA-256 of the tarball (required for tarball sources). */
    @Parameter(property = "pharos.beegfs.sha256")
    private String sha256;

    /** BEEGFS_VERSION given to make, e.g. {@code 8.3.1}; packages get epoch 20. No '_'. */
    @Parameter(property = "pharos.beegfs.version", defaultValue = "8.3.1")
    private String version;

    /** Build number, appended as {@code +bN} (sorts after the release). */
    @Parameter(property = "pharos.beegfs.buildNumber")
    private Integer buildNumber;

    /** N of {@code DEBUILD_OPTS=-jN}; 0 = the cores the container may use (CPU quota and affinity). */
    @Parameter(property = "pharos.beegfs.jobs", defaultValue = "0")
    private int jobs;

    /** The dev image to build in. */
    @Parameter(property = "pharos.beegfs.image", defaultValue = DevContainer.DEFAULT_IMAGE)
    private String image;

    /** {@code uid:gid} to build as (default: the invoking user, i.e. the owner of the build directory). */
    @Parameter(property = "pharos.beegfs.user")
    private String user;

    /** Expected packages ({@code name:any} / {@code name:all}); default: the 16 of BeeGFS 8.3.1. */
    @Parameter(property = "pharos.beegfs.packages")
    private List<String> packages;

    /** Build dependencies BeeGFS needs but does not declare in debian/control. */
    @Parameter(property = "pharos.beegfs.extraBuildDepends", defaultValue = "libblkid-dev,uuid-dev,xfslibs-dev")
    private List<String> extraBuildDepends;

    /** Extra environment for the build ({@code BEEGFS_*} variables reach debian/rules). */
    @Parameter
    private Map<String, String> environment;

    /** Extra environment from the command line: {@code K=V,K2=V2} (overrides {@code environment}). */
    @Parameter(property = "pharos.beegfs.env")
    private List<String> environmentList;

    /** Source copies, clones, downloads, PACKAGE_DIR, logs and the fingerprint. */
    @Parameter(property = "pharos.beegfs.workDirectory", defaultValue = "${project.build.directory}/pharos/beegfs")
    private File workDirectory;

    /** Where the verified .debs are collected. */
    @Parameter(property = "pharos.beegfs.debDirectory", defaultValue = "${project.build.directory}/debs")
    private File debDirectory;

    /** Outputs made from the packages (the apt repository), deleted with them when a rebuild starts. */
    @Parameter(property = "pharos.beegfs.derivedOutputs", defaultValue = "${project.build.directory}/apt-repo")
    private List<File> derivedOutputs;

    /** Network mode of the build container (apt-get of missing build dependencies). */
    @Parameter(property = "pharos.beegfs.network", defaultValue = "host")
    private String network;

    /** Attach the packages to the project (type deb, classifier = package name). */
    @Parameter(property = "pharos.beegfs.attach", defaultValue = "true")
    private boolean attach;

    /** Skip this goal. */
    @Parameter(property = "pharos.beegfsDebs.skip", defaultValue = "false")
    private boolean skipGoal;

    @Component
    private MavenProjectHelper projectHelper;

    @Override
    protected boolean isGoalSkipped() {
        return skipGoal;
    }

    @Override
    protected String goalSkipProperty() {
        return "pharos.beegfsDebs.skip";
    }

    @Override
    protected void run(Console console) throws PharosException {
        Map<String, String> env = KeyValues.merge(environment, environmentList, "pharos.beegfs.env");
        BeegfsBuild.Request request = new BeegfsBuild.Request(source, tag, sha256, version, buildNumber, "20", jobs,
                image, user, packages, extraBuildDepends, env, workDirectory.toPath(), debDirectory.toPath(),
                network, derivedOutputs == null ? List.of() : derivedOutputs.stream().map(File::toPath).toList());
        BeegfsBuild.Result result;
        try (Engine engine = connect(console)) {
            result = BeegfsBuild.build(request, engine, console);
        }
        if (attach) {
            for (DebPackage p : result.packages()) {
                projectHelper.attachArtifact(project, "deb", p.packageName(), p.file().toFile());
            }
            console.info("Attached " + result.packages().size() + " .debs (type deb, classifier = package name)");
        }
    }
}
