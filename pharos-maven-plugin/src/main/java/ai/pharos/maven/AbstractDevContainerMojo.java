package ai.pharos.maven;

import ai.pharos.core.Console;
import ai.pharos.core.PharosException;
import ai.pharos.core.docker.DevContainer;
import ai.pharos.core.docker.Endpoint;
import ai.pharos.core.docker.Engine;
import ai.pharos.core.docker.RunSpec;
import org.apache.maven.plugins.annotations.Parameter;

import java.io.File;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Goals that run something in the development container share its few options. */
public abstract class AbstractDevContainerMojo extends AbstractDockerMojo {

    /** The development container image. */
    @Parameter(property = "pharos.dev.image", defaultValue = DevContainer.DEFAULT_IMAGE)
    private String devImage;

    /** Directory bind-mounted at the same path in the container (default: the top-level project). */
    @Parameter(property = "pharos.dev.workspace", defaultValue = "${session.topLevelProject.basedir}")
    private File workspace;

    /** Working directory in the container (default: the directory Maven was started in). */
    @Parameter(property = "pharos.dev.workingDirectory", defaultValue = "${session.executionRootDirectory}")
    private File workingDirectory;

    /** Also mount the engine's socket, so the command can use Docker (grants control of the host engine). */
    @Parameter(property = "pharos.dev.dockerSocket", defaultValue = "false")
    private boolean dockerSocket;

    /** User id the command runs as in the container (default: yours). */
    @Parameter(property = "pharos.dev.uid")
    private Integer uid;

    /** Group id the command runs as in the container (default: yours). */
    @Parameter(property = "pharos.dev.gid")
    private Integer gid;

    protected DevContainer.Options devOptions(Engine engine) {
        Endpoint e = engine.endpoint();
        Path socket = e.host().startsWith("unix://") ? Path.of(e.host().substring("unix://".length())) : null;
        // Without a project (pharos:run outside a Maven project) the workspace is the current directory.
        Path ws = (workspace != null ? workspace.toPath() : Path.of("")).toAbsolutePath().normalize();
        Path wd = workingDirectory == null ? ws : workingDirectory.toPath().toAbsolutePath().normalize();
        if (!wd.startsWith(ws)) {
            wd = ws;
        }
        return new DevContainer.Options(devImage, ws, wd, dockerSocket, socket, Map.of(), List.<RunSpec.Bind>of(),
                uid, gid);
    }

    protected DevContainer devContainer(Engine engine, Console console) {
        return new DevContainer(engine, console);
    }

    protected static void requireCommand(String command) throws PharosException {
        if (command == null || command.isBlank()) {
            throw new PharosException("No command given", "pharos.command",
                    "Pass the command line, e.g. -Dpharos.command=\"packer version\".");
        }
    }
}
