package ai.pharos.maven;

import ai.pharos.core.Console;
import ai.pharos.core.PharosException;
import ai.pharos.core.packer.PackerImages;
import ai.pharos.core.packer.SshKeys;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.project.MavenProjectHelper;

import javax.inject.Inject;
import java.io.File;
import java.util.List;
import java.util.Map;

/**
 * {@code packer build -machine-readable} of the selected images from the base disk of {@code pharos:fetch}; each
 * result is compressed (zstd qcow2), booted again for the in-image tests and described by
 * {@code target/<image>/manifest.json}. Images whose inputs did not change are up to date.
 */
@Mojo(name = "packer-build", defaultPhase = LifecyclePhase.PACKAGE, threadSafe = true)
public class PackerBuildMojo extends AbstractDevContainerMojo {

    @Parameter(property = "pharos.packer.directory", defaultValue = "${project.basedir}")
    private File directory;

    /** Comma-separated images to build (default: all). */
    @Parameter(property = "pharos.images")
    private List<String> images;

    @Parameter(property = "pharos.ssh.keyDirectory", defaultValue = "${user.home}/.cache/pharos/ssh")
    private File keyDirectory;

    @Parameter(property = "pharos.packer.aptRepository",
            defaultValue = "${project.basedir}/../beegfs-packages/target/apt-repo")
    private File aptRepository;

    /** Extra Packer variables for every image (part of the up-to-date fingerprint). */
    @Parameter(property = "pharos.packer.variables")
    private Map<String, String> variables;

    @Parameter(property = "pharos.packer.host", defaultValue = "false")
    private boolean host;

    @Parameter(property = "pharos.packer.accelerator", defaultValue = "auto")
    private String accelerator;

    /** Boot each built image and run its in-image tests (and record its package list). */
    @Parameter(property = "pharos.packer.check", defaultValue = "true")
    private boolean check;

    /** Attach each qcow2 to the project (type {@code qcow2}, classifier = image name). */
    @Parameter(property = "pharos.packer.attach", defaultValue = "false")
    private boolean attach;

    @Parameter(defaultValue = "${project.build.directory}", readonly = true)
    private File buildDirectory;

    @Parameter(property = "pharos.packerBuild.skip", defaultValue = "false")
    private boolean skipGoal;

    private final MavenProjectHelper projectHelper;

    @Inject
    public PackerBuildMojo(MavenProjectHelper projectHelper) {
        this.projectHelper = projectHelper;
    }

    @Override protected boolean isGoalSkipped() { return skipGoal; }
    @Override protected String goalSkipProperty() { return "pharos.packerBuild.skip"; }

    @Override
    protected void run(Console console) throws PharosException {
        SshKeys.KeyPairFiles key = SshKeys.ensure(keyDirectory.toPath(), console);
        PackerImages.Bases bases = PackerImages.recordedBases(buildDirectory.toPath().resolve("pharos"));
        List<PackerImages.Outcome> outcomes;
        try (PackerSupport.Tools tools = PackerSupport.tools(host, this, console)) {
            outcomes = new PackerImages(new PackerImages.Settings(directory.toPath(),
                    images == null ? List.of() : images, buildDirectory.toPath(), key, aptRepository.toPath(),
                    PackerSupport.accelerator(accelerator), variables == null ? Map.of() : variables, check),
                    tools.packer, console).build(bases);
        }
        for (PackerImages.Outcome o : outcomes) {
            if (attach) {
                projectHelper.attachArtifact(project, "qcow2", o.image(), o.qcow2().toFile());
            }
        }
    }
}
