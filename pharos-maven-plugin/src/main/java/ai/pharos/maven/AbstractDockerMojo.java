package ai.pharos.maven;

import ai.pharos.core.Console;
import ai.pharos.core.PharosException;
import ai.pharos.core.docker.DockerJavaEngine;
import ai.pharos.core.docker.Engine;
import org.apache.maven.plugins.annotations.Parameter;

/** Goals that talk to the Docker engine: one more parameter, the engine URL. */
public abstract class AbstractDockerMojo extends AbstractPharosMojo {

    /**
     * Docker engine URL ({@code unix:///…} or {@code tcp://…}). Default: {@code DOCKER_HOST}, then the current docker
     * context, then {@code unix:///var/run/docker.sock}. TLS follows {@code DOCKER_TLS_VERIFY}/{@code DOCKER_CERT_PATH}.
     */
    @Parameter(property = "pharos.docker.host")
    private String dockerHost;

    /** Connect to the engine (one client per goal execution; close it after). */
    protected Engine connect(Console console) throws PharosException {
        return DockerJavaEngine.connect(dockerHost, console);
    }
}
