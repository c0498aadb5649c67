package ai.pharos.maven;

import ai.pharos.core.Console;
import ai.pharos.core.PharosException;
import ai.pharos.core.packer.PackerImages;
import ai.pharos.core.packer.SshKeys;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

import java.io.File;
import java.util.List;
import java.util.Map;

/** {@code packer validate} of the selected image templates (with the shared versions and each image's variables). */
@Mojo(name = "packer-validate", defaultPhase = LifecyclePhase.VALIDATE, threadSafe = true)
public class PackerValidateMojo extends AbstractDevContainerMojo {

    /** Directory holding one sub-directory per image and {@code common/}. */
    @Parameter(property = "pharos.packer.directory", defaultValue = "${project.basedir}")
    private File directory;

    /** Comma-separated images to process (default: all). */
    @Parameter(property = "pharos.images")
    private List<String> images;

    @Parameter(property = "pharos.ssh.keyDirectory", defaultValue = "${user.home}/.cache/pharos/ssh")
    private File keyDirectory;

    /** The local apt repository made by pharos:apt-repo. */
    @Parameter(property = "pharos.packer.aptRepository",
            defaultValue = "${project.basedir}/../beegfs-packages/target/apt-repo")
    private File aptRepository;

    /** Extra Packer variables for every image. */
    @Parameter(property = "pharos.packer.variables")
    private Map<String, String> variables;

    @Parameter(property = "pharos.packer.host", defaultValue = "false")
    private boolean host;

    @Parameter(property = "pharos.packer.accelerator", defaultValue = "auto")
    private String accelerator;

    @Parameter(defaultValue = "${project.build.directory}", readonly = true)
    private File buildDirectory;

    @Parameter(property = "pharos.packerValidate.skip", defaultValue = "false")
    private boolean skipGoal;

    @Override protected boolean isGoalSkipped() { return skipGoal; }
    @Override protected String goalSkipProperty() { return "pharos.packerValidate.skip"; }

    @Override
    protected void run(Console console) throws PharosException {
        SshKeys.KeyPairFiles key = SshKeys.ensure(keyDirectory.toPath(), console);
        try (PackerSupport.Tools tools = PackerSupport.tools(host, this, console)) {
            new PackerImages(new PackerImages.Settings(directory.toPath(), images == null ? List.of() : images,
                    buildDirectory.toPath(), key, aptRepository.toPath(), PackerSupport.accelerator(accelerator),
                    variables == null ? Map.of() : variables, false), tools.packer, console).validate();
        }
    }
}
