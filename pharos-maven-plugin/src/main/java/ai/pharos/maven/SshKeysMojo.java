package ai.pharos.maven;

import ai.pharos.core.Console;
import ai.pharos.core.PharosException;
import ai.pharos.core.packer.SshKeys;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

import java.io.File;

/** Makes sure the shared provisioning SSH key pair (ed25519, OpenSSH format) exists; generated only when missing. */
@Mojo(name = "ssh-keys", defaultPhase = LifecyclePhase.INITIALIZE, threadSafe = true)
public class SshKeysMojo extends AbstractPharosMojo {

    /** Directory of {@code id_ed25519} / {@code id_ed25519.pub}; outside {@code target/} so the cached base disk
     * (which has the public key baked in) survives {@code clean}. */
    @Parameter(property = "pharos.ssh.keyDirectory", defaultValue = "${user.home}/.cache/pharos/ssh")
    private File keyDirectory;

    @Parameter(property = "pharos.sshKeys.skip", defaultValue = "false")
    private boolean skipGoal;

    @Override protected boolean isGoalSkipped() { return skipGoal; }
    @Override protected String goalSkipProperty() { return "pharos.sshKeys.skip"; }

    @Override
    protected void run(Console console) throws PharosException {
        SshKeys.ensure(keyDirectory.toPath(), console);
    }
}
