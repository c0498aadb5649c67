package ai.pharos.it;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Each failure is one clear line: what went wrong, the option, the fix; no stack trace. */
class FailuresIT {

    private static String fail(String project, Map<String, String> env) throws Exception {
        Path dir = MavenRun.copy(project, "t");
        MavenRun.Result r = MavenRun.run(dir, List.of("package"), Map.of(), env);
        assertNotEquals(0, r.exitCode(), r.log());
        assertFalse(r.log().contains("\tat ai.pharos") || r.log().contains("\tat com.github.dockerjava"),
                "no stack trace at the default log level:\n" + r.log());
        return r.failureLine();
    }

    @Test
    void missingDockerfile() throws Exception {
        assumeTrue(Docker.available(), "no Docker engine");
        String line = fail("failures/missing", Map.of());
        assertTrue(line.contains("Dockerfile") && line.contains("does not exist")
                && line.contains("-Dpharos.build.dockerfile") && line.contains("<dockerfile>"), line);
    }

    @Test
    void dockerfileSyntaxError() throws Exception {
        assumeTrue(Docker.available(), "no Docker engine");
        String line = fail("failures/syntax", Map.of());
        assertTrue(line.contains("unknown instruction") && line.toUpperCase().contains("FROMM"), line);
    }

    @Test
    void failingRunStepNamesTheStepAndItsExitCode() throws Exception {
        assumeTrue(Docker.available(), "no Docker engine");
        String line = fail("failures/run-fails", Map.of());
        assertTrue(line.matches(".*failed at Step 2/\\d+ : RUN echo about to fail && exit 3: .*non-zero code: 3.*"),
                line);
        // the failed step's container is removed too (the engine keeps it unless asked not to)
        String left = Docker.cli("ps", "-a", "--no-trunc", "--format", "{{.Command}}").stdout();
        assertFalse(left.contains("echo about to fail && exit 3"), "container of the failed step left behind:\n" + left);
    }

    @Test
    void unreachableEngineNamesTheEndpointAndWhereItCameFrom() throws Exception {
        String line = fail("failures/syntax", Map.of("DOCKER_HOST", "unix:///nonexistent.sock"));
        assertTrue(line.contains("Cannot reach the Docker engine at unix:///nonexistent.sock (from DOCKER_HOST)")
                && line.contains("-Dpharos.docker.host"), line);
    }
}
