package ai.pharos.core.sif;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The generated scripts behave like docker run / apptainer run when executed by a real /bin/sh. */
class ApptainerAdditionsTest {

    @TempDir
    Path tmp;

    private String sh(Path script, Map<String, String> env, String... args) throws IOException, InterruptedException {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/bin/sh")), "no /bin/sh on this machine");
        List<String> cmd = new ArrayList<>(List.of("/bin/sh", script.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("SINGULARITY_NO_EVAL");
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }

    private Path write(String name, String content) throws IOException {
        Path p = tmp.resolve(name);
        Files.writeString(p, content);
        return p;
    }

    @Test
    void runscriptHasTheOciLinesApptainerRecognises() {
        String rs = ApptainerAdditions.runscript(List.of("/usr/bin/env", "it's"), List.of("a \"b\"", "$X"));
        assertTrue(rs.startsWith("#!/bin/sh\nOCI_ENTRYPOINT='\"/usr/bin/env\" \"it'\"'\"'s\"'\n"
                + "OCI_CMD='\"a \\\"b\\\"\" \"\\$X\"'\n"), rs);
        assertTrue(rs.contains("\neval \"set ${SINGULARITY_OCI_RUN}\"\n"), rs);
    }

    @Test
    void runscriptRunsEntrypointWithCmdOrArguments() throws Exception {
        Path rs = write("rs1", ApptainerAdditions.runscript(List.of("printf", "[%s]"), List.of("it's", "a b")));
        assertEquals("[it's][a b]", sh(rs, Map.of()));
        assertEquals("[x y][z]", sh(rs, Map.of(), "x y", "z"));
        assertEquals("[it's][a b]", sh(rs, Map.of("SINGULARITY_NO_EVAL", "1")));
        assertEquals("[$HOME][z]", sh(rs, Map.of("SINGULARITY_NO_EVAL", "1"), "$HOME", "z"));
    }

    @Test
    void runscriptWithCmdOnlyIsReplacedByArguments() throws Exception {
        Path rs = write("rs2", ApptainerAdditions.runscript(List.of(), List.of("echo", "default")));
        assertEquals("default\n", sh(rs, Map.of()));
        assertEquals("given\n", sh(rs, Map.of(), "echo", "given"));
        assertEquals("given\n", sh(rs, Map.of("SINGULARITY_NO_EVAL", "1"), "echo", "given"));
    }

    @Test
    void envScriptKeepsValuesVerbatimAndLetsTheCallerOverride() throws Exception {
        String value = "a \"q\" $HOME `date` \\ end";
        String env = ApptainerAdditions.dockerEnv(List.of("PATH=/opt/x/bin:/usr/bin:/bin", "FOO=" + value,
                "EMPTY=", "NOVALUE", "bad-name=1"));
        assertEquals("#!/bin/sh\n"
                + "export PATH=\"/opt/x/bin:/usr/bin:/bin\"\n"
                + "export FOO=\"${FOO:-\"a \\\"q\\\" \\$HOME \\`date\\` \\\\ end\"}\"\n"
                + "export EMPTY=\"${EMPTY:-\"\"}\"\n"
                + "export NOVALUE=\"${NOVALUE:-}\"\n", env);
        Path script = write("env.sh", env + "printf '%s|%s' \"$FOO\" \"$PATH\"\n");
        assertEquals(value + "|/opt/x/bin:/usr/bin:/bin", sh(script, Map.of()));
        assertEquals("mine|/opt/x/bin:/usr/bin:/bin", sh(script, Map.of("FOO", "mine")));
    }

    @Test
    void labelsAndInspectMetadataAreGoStyleJson() throws Exception {
        JsonNode config = new ObjectMapper().readTree(TestImage.config("[\"/e\"]", "[\"c\"]", "[\"A=1\"]",
                "{\"org.example.x\":\"<y>&\"}"));
        RootfsIndex rootfs = new RootfsIndex();
        ApptainerAdditions.JsonObjects json = ApptainerAdditions.apply(rootfs, config, "docker-daemon", "img:1",
                "amd64", 1_700_000_000L);
        String labels = new String(rootfs.head(".singularity.d/labels.json", 4096), StandardCharsets.UTF_8);
        assertTrue(labels.startsWith("{\n\t\"org.example.x\": \"\\u003cy\\u003e\\u0026\",\n"), labels);
        assertTrue(labels.contains("\t\"org.label-schema.build-date\": \"Tuesday_14_November_2023_22:13:20_UTC\""),
                labels);
        JsonNode inspect = new ObjectMapper().readTree(json.inspectMetadata());
        assertEquals("container", inspect.path("type").asText());
        assertEquals("bootstrap: docker-daemon\nfrom: img:1", inspect.path("data").path("attributes").path("deffile")
                .asText());
        assertEquals("#!/bin/sh\nexport A=\"${A:-\"1\"}\"", inspect.path("data").path("attributes")
                .path("environment").path("/.singularity.d/env/10-docker2singularity.sh").asText());
        assertEquals("{\"Env\":[\"A=1\"],\"Entrypoint\":[\"/e\"],\"Cmd\":[\"c\"],\"Labels\":{\"org.example.x\":\"<y>&\"}}",
                new String(json.ociConfig(), StandardCharsets.UTF_8));
        for (String p : List.of("dev", "proc", "sys", "tmp", "var/tmp", "home", "root", "etc", ".singularity.d/libs")) {
            assertEquals(RootfsIndex.Kind.DIR, rootfs.get(p).kind(), p);
        }
        assertEquals(0, rootfs.get("etc/hosts").size());
        assertEquals(".singularity.d/runscript", rootfs.get("singularity").linkTarget());
        assertEquals(".singularity.d/env/90-environment.sh", rootfs.get("environment").linkTarget());
    }
}
