package ai.pharos.maven;

import ai.pharos.core.Console;
import ai.pharos.core.PharosException;
import ai.pharos.core.packer.BaseImage;
import ai.pharos.core.packer.PackerImages;
import ai.pharos.core.packer.SshKeys;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

import java.io.File;
import java.util.List;

/**
 * Provides the base disk of the Packer images, cached outside {@code target/} by its inputs: a pinned Debian
 * cloud image verified against its SHA512SUMS, or (air-gapped, CI) a cloud-style disk built from a Debian mirror.
 * Writes {@code target/pharos/base.json} for {@code pharos:packer-build}.
 */
@Mojo(name = "fetch", defaultPhase = LifecyclePhase.GENERATE_RESOURCES, threadSafe = true)
public class FetchMojo extends AbstractDevContainerMojo {

    /** {@code auto} (download, else mirror build), {@code download} or {@code mirror}. */
    @Parameter(property = "pharos.base.source", defaultValue = "auto")
    private String source;

    /** Pinned dated Debian cloud image (genericcloud); {@code file:} URLs work offline. */
    @Parameter(property = "pharos.base.url",
            defaultValue = "https://cloud.debian.org/images/cloud/trixie/20251117-2299/debian-13-genericcloud-amd64-20251117-2299.qcow2")
    private String url;

    /** SHA512SUMS the download is verified against (default: next to the image). */
    @Parameter(property = "pharos.base.checksumsUrl")
    private String checksumsUrl;

    /** Debian suite of the mirror-built base. */
    @Parameter(property = "pharos.base.suite", defaultValue = "trixie")
    private String suite;

    /** Debian mirror for the mirror-built base (and debootstrap). */
    @Parameter(property = "pharos.base.mirror", defaultValue = "http://deb.debian.org/debian")
    private String mirror;

    /** Disk size of the mirror-built base, MiB. */
    @Parameter(property = "pharos.base.sizeMiB", defaultValue = "4096")
    private int sizeMiB;

    /** Cache of base disks ({@code base/<fingerprint>/}); survives {@code clean}. */
    @Parameter(property = "pharos.cacheDirectory", defaultValue = "${user.home}/.cache/pharos")
    private File cacheDirectory;

    @Parameter(property = "pharos.ssh.keyDirectory", defaultValue = "${user.home}/.cache/pharos/ssh")
    private File keyDirectory;

    /** {@code auto} (kvm when /dev/kvm is usable), {@code kvm} or {@code tcg}. */
    @Parameter(property = "pharos.packer.accelerator", defaultValue = "auto")
    private String accelerator;

    /** Run Packer, qemu-img and root steps on the host instead of the dev container. */
    @Parameter(property = "pharos.packer.host", defaultValue = "false")
    private boolean host;

    /** The packer-images module: image directories whose {@code base-packages.txt} asks for a base of their own. */
    @Parameter(property = "pharos.packer.directory", defaultValue = "${project.basedir}")
    private File directory;

    /** Comma-separated images (default: all): only their bases are prepared. */
    @Parameter(property = "pharos.images")
    private List<String> images;

    @Parameter(defaultValue = "${project.build.directory}", readonly = true)
    private File buildDirectory;

    @Parameter(property = "pharos.fetch.skip", defaultValue = "false")
    private boolean skipGoal;

    @Override protected boolean isGoalSkipped() { return skipGoal; }
    @Override protected String goalSkipProperty() { return "pharos.fetch.skip"; }

    @Override
    protected void run(Console console) throws PharosException {
        BaseImage.Source src = BaseImage.Source.parse(source);
        SshKeys.KeyPairFiles key = SshKeys.ensure(keyDirectory.toPath(), console);
        try (PackerSupport.Tools tools = PackerSupport.tools(host, this, console)) {
            BaseImage.Request request = new BaseImage.Request(src, url, checksumsUrl, suite, mirror, sizeMiB,
                    cacheDirectory.toPath(), key, PackerSupport.accelerator(accelerator), tools.root);
            PackerImages.prepareBases(request, directory.toPath(), images,
                    buildDirectory.toPath().resolve("pharos"), console);
        }
    }
}
