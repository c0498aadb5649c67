package ai.pharos.core.docker;

import ai.pharos.core.process.ProcessRunner;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Against the real engine: a build killed with {@code kill -9} cannot remove its run container; the next build on
 * the host removes such stopped containers, and only those whose owner is gone.
 */
class RunContainersDockerTest {

    @BeforeAll
    static void engine() {
        assumeTrue(ProcessRunner.which("docker").isPresent(), "no docker CLI on the PATH");
        TestBaseImage.ensure();
    }

    private static String docker(String... args) throws Exception {
        List<String> out = new ArrayList<>();
        List<String> cmd = new ArrayList<>(List.of("docker"));
        cmd.addAll(List.of(args));
        ProcessRunner.Result r = ProcessRunner.run(cmd, null, Map.of(), out::add, out::add);
        assertEquals(0, r.exitCode(), String.join("\n", out));
        return String.join("\n", out).strip();
    }

    @Test
    void stoppedRunContainersOfAKilledBuildAreRemovedOthersAreKept() throws Exception {
        Process dead = new ProcessBuilder("true").start();
        long start = dead.info().startInstant().map(java.time.Instant::toEpochMilli).orElse(0L);
        dead.waitFor();
        String deadOwner = new RunOwner(RunOwner.current().host(), dead.pid(), start).label();
        String orphan = docker("create", "--label", "ai.pharos.run=true", "--label", RunOwner.LABEL + "=" + deadOwner,
                TestBaseImage.IMAGE, "true");
        String alive = docker("create", "--label", "ai.pharos.run=true", "--label",
                RunOwner.LABEL + "=" + RunOwner.current().label(), TestBaseImage.IMAGE, "true");
        String foreign = docker("create", "--label", "ai.pharos.run=true", "--label",
                RunOwner.LABEL + "=another-host/" + dead.pid() + "/" + start, TestBaseImage.IMAGE, "true");
        try {
            RecordingConsole console = new RecordingConsole();
            List<String> out = new ArrayList<>();
            try (DockerJavaEngine engine = DockerJavaEngine.connect((String) null, console)) {
                int code = engine.run(new RunSpec(TestBaseImage.IMAGE, List.of("echo", "hello"), null, null, Map.of(),
                        List.of(), null, "host", List.of(), false), out::add, out::add);
                assertEquals(0, code);
            }
            assertEquals(List.of("hello"), out);
            String left = docker("ps", "-a", "-q", "--no-trunc", "--filter", "label=ai.pharos.run=true");
            assertTrue(!left.contains(orphan), "the killed build's container is removed: " + left);
            assertTrue(left.contains(alive), "a live build's container is kept: " + left);
            assertTrue(left.contains(foreign), "another host's container is kept: " + left);
            assertTrue(console.all().matches("(?s).*Removed \\d+ stopped run container\\(s\\) left by a build that was killed.*"),
                    console.all());
        } finally {
            new ProcessBuilder("docker", "rm", "-f", orphan, alive, foreign).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
        }
    }
}
