package ai.pharos.core.docker;

import ai.pharos.core.PharosException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageTestsTest {

    private static final String ID = "sha256:" + "a".repeat(64);
    private static final BuiltImage IMAGE = new BuiltImage("openmpi", "pharos/openmpi:1.0", List.of("pharos/openmpi:1.0"),
            ID, "fp", "/nonexistent");

    private static final String SPEC = """
            {
              "schemaVersion": "2.0.0",
              "globalEnvVars": [ { "key": "GREETING", "value": "hello" } ],
              "commandTests": [
                {
                  "name": "ring",
                  "command": "mpirun",
                  "args": ["-np", "2", "mpi-ring"],
                  "envVars": [ { "key": "PATH", "value": "/opt/bin:$PATH" } ],
                  "expectedOutput": ["rank 0 of 2", "rank 1 of 2", "ring closed: .* OK"],
                  "excludedOutput": ["MISMATCH"],
                  "excludedError": ["(?i)error"]
                },
                { "name": "false fails", "command": "false", "exitCode": 1 }
              ],
              "fileExistenceTests": [
                { "name": "binary", "path": "/usr/local/bin/mpi-ring", "shouldExist": true,
                  "permissions": "-rwxr-xr-x", "uid": 0, "gid": 0, "isExecutableBy": "other" },
                { "name": "no man pages", "path": "/usr/share/man", "shouldExist": false }
              ],
              "fileContentTests": [
                { "name": "os", "path": "/etc/os-release", "expectedContents": ["VERSION_CODENAME=trixie"],
                  "excludedContents": ["bookworm"] }
              ],
              "metadataTest": {
                "envVars": [ { "key": "PHAROS_IMAGE", "value": "openmpi" },
                             { "key": "PATH", "value": "^/usr/local/sbin:", "isRegex": true } ],
                "unboundEnvVars": [ { "key": "DEBUG" } ],
                "labels": [ { "key": "ai.pharos.image.kind", "value": "mpi" } ],
                "entrypoint": ["mpirun"],
                "cmd": ["-np", "2", "/usr/local/bin/mpi-ring"],
                "workdir": "/work"
              }
            }
            """;

    private static ImageInfo info(Map<String, String> labels, List<String> env, List<String> entrypoint,
                                  List<String> cmd) {
        return new ImageInfo(ID, List.of("pharos/openmpi:1.0"), labels, env, entrypoint, cmd, "/work", "", "amd64",
                1000);
    }

    private static ImageInfo goodInfo() {
        return info(Map.of("ai.pharos.image.kind", "mpi"),
                List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/bin", "PHAROS_IMAGE=openmpi"),
                List.of("mpirun"), List.of("-np", "2", "/usr/local/bin/mpi-ring"));
    }

    /** An engine that behaves like the good image. */
    private static ScriptedEngine goodEngine() {
        ScriptedEngine engine = new ScriptedEngine();
        engine.images.put(ID, goodInfo());
        engine.runner = (spec, out, err) -> {
            switch (spec.entrypoint().get(0)) {
                case "mpirun" -> {
                    out.accept("rank 1 of 2 on x");
                    out.accept("rank 0 of 2 on x");
                    out.accept("ring closed: 2 ranks, 1 round(s), token 1 (expected 1) OK");
                    return 0;
                }
                case "false" -> {
                    return 1;
                }
                case "/bin/sh" -> {
                    out.accept("81ed 0 0");
                    out.accept("MISSING");
                    return 0;
                }
                case "cat" -> {
                    out.accept("PRETTY_NAME=\"Debian GNU/Linux 13 (trixie)\"");
                    out.accept("VERSION_CODENAME=trixie");
                    return 0;
                }
                default -> throw new AssertionError("unexpected run " + spec);
            }
        };
        return engine;
    }

    @Test
    void parsesTheContainerStructureTestSchema() throws Exception {
        ImageTestSpec spec = ImageTests.parse(SPEC, "images/openmpi/image-test.json");
        assertEquals(2, spec.commandTests().size());
        assertEquals(List.of("-np", "2", "mpi-ring"), spec.commandTests().get(0).args());
        assertEquals(0, spec.commandTests().get(0).expectedExitCode());
        assertEquals(1, spec.commandTests().get(1).expectedExitCode());
        assertEquals(List.of(), spec.commandTests().get(1).args(), "absent lists are empty");
        assertTrue(spec.metadataTest().envVars().get(1).regex());
        assertEquals(List.of("mpirun"), spec.metadataTest().entrypoint());
        assertNull(spec.metadataTest().user(), "absent metadata fields are not checked");
        // 2 commands + 2 files + 1 content + 2 env + 1 unbound + 1 label + entrypoint + cmd + workdir = 12
        assertEquals(12, spec.checkCount());
    }

    @Test
    void allChecksPassOnTheGoodImageAndRunAsSpecified() throws Exception {
        ScriptedEngine engine = goodEngine();
        RecordingConsole console = new RecordingConsole();
        ImageTests.Report report = ImageTests.run(engine, IMAGE,
                ImageTests.parse(SPEC, "image-test.json"), ImageTests.Options.defaults(), console);

        assertEquals(List.of(), report.failureLines());
        assertEquals(12, report.outcomes().size());
        assertTrue(console.lines.contains("INFO openmpi: all 12 checks passed"), console.lines.toString());

        // the command replaces the entrypoint, args are the command; the built id is what runs, without network
        RunSpec ring = engine.runs.get(0);
        assertEquals(ID, ring.image());
        assertEquals(List.of("mpirun"), ring.entrypoint());
        assertEquals(List.of("-np", "2", "mpi-ring"), ring.command());
        assertEquals("none", ring.networkMode());
        // global env, then the test's, with $PATH expanded from the image's ENV
        assertEquals(Map.of("GREETING", "hello", "PATH", "/opt/bin:/usr/local/sbin:/usr/local/bin:/usr/bin"),
                ring.env());
        // all file existence checks in one container, paths passed as arguments (no shell quoting)
        RunSpec probe = engine.runs.get(2);
        assertEquals(List.of("/bin/sh"), probe.entrypoint());
        assertEquals(List.of("/usr/local/bin/mpi-ring", "/usr/share/man"),
                probe.command().subList(3, probe.command().size()));
        assertEquals(List.of("cat"), engine.runs.get(3).entrypoint());
        assertEquals(List.of("--", "/etc/os-release"), engine.runs.get(3).command());
        assertEquals(4, engine.runs.size());
    }

    @Test
    void everyFailureIsReportedOnItsOwnLineNamingImageCheckAndWhatWasSeen(@TempDir Path dir) throws Exception {
        ScriptedEngine engine = new ScriptedEngine();
        engine.images.put(ID, info(Map.of(), List.of("PATH=/usr/bin", "PHAROS_IMAGE=python", "DEBUG=1"),
                List.of("python3"), List.of()));
        engine.runner = (spec, out, err) -> switch (spec.entrypoint().get(0)) {
            case "mpirun" -> {
                out.accept("rank 0 of 1 on x");
                out.accept("ring closed: 1 ranks MISMATCH");
                err.accept("Error: not enough slots");
                yield 2;
            }
            case "false" -> 0;
            case "/bin/sh" -> {
                out.accept("81a4 1000 100");
                out.accept("41ed 0 0");
                yield 0;
            }
            case "cat" -> {
                err.accept("cat: /etc/os-release: No such file or directory");
                yield 1;
            }
            default -> throw new AssertionError();
        };
        Files.writeString(dir.resolve("image-test.json"), SPEC);
        BuiltImage image = new BuiltImage("openmpi", "pharos/openmpi:1.0", List.of(), ID, "fp", dir.toString());
        RecordingConsole console = new RecordingConsole();

        PharosException e = assertThrows(PharosException.class, () -> ImageTests.testAll(engine, List.of(image),
                "image-test.json", ImageTests.Options.defaults(), console));

        List<String> lines = List.of(e.getMessage().split("\n"));
        String p = "openmpi (pharos/openmpi:1.0): ";
        assertEquals("11 of 12 container checks failed:", lines.get(0));
        assertEquals(12, lines.size(), e.getMessage());
        assertEquals(p + "command test 'ring': exit code 2, expected 0 (stderr \"Error: not enough slots\"); "
                + "stdout does not match /rank 0 of 2/, /rank 1 of 2/, /ring closed: .* OK/ "
                + "(stdout was \"rank 0 of 1 on x\\nring closed: 1 ranks MISMATCH\"); "
                + "stdout matches excluded /MISMATCH/ at \"MISMATCH\"; "
                + "stderr matches excluded /(?i)error/ at \"Error\"", lines.get(1));
        assertEquals(p + "command test 'false fails': exit code 0, expected 1 (stderr (empty))", lines.get(2));
        assertEquals(p + "file existence test 'binary' (/usr/local/bin/mpi-ring): permissions -rw-r--r--, expected "
                + "-rwxr-xr-x; owner uid 1000, expected 0; group gid 100, expected 0; not executable by other "
                + "(-rw-r--r--)", lines.get(3));
        assertEquals(p + "file existence test 'no man pages' (/usr/share/man): exists, but should not", lines.get(4));
        assertEquals(p + "file content test 'os' (/etc/os-release): cannot read it: cat exited 1 (stderr "
                + "\"cat: /etc/os-release: No such file or directory\")", lines.get(5));
        assertEquals(p + "env PHAROS_IMAGE: is \"python\", expected \"openmpi\"", lines.get(6));
        assertEquals(p + "env PATH: is \"/usr/bin\", which does not match /^/usr/local/sbin:/", lines.get(7));
        assertEquals(p + "unbound env DEBUG: is set to \"1\", but should not be set", lines.get(8));
        assertEquals(p + "label ai.pharos.image.kind: is not on the image", lines.get(9));
        assertEquals(p + "entrypoint: is [\"python3\"], expected [\"mpirun\"]", lines.get(10));
        assertEquals(p + "cmd: is [], expected [\"-np\",\"2\",\"/usr/local/bin/mpi-ring\"]", lines.get(11));
        assertEquals("Fix the image or its test spec (image-test.json in the image directory); "
                + "-Dpharos.testImage.skip=true skips the tests.", e.fix());
        assertTrue(console.lines.contains("WARN openmpi: 11 of 12 checks failed"), console.lines.toString());
    }

    @Test
    void oneFailureAmongPassesNamesOnlyThatCheck(@TempDir Path dir) throws Exception {
        ScriptedEngine engine = goodEngine();
        Files.writeString(dir.resolve("image-test.json"), SPEC.replace("\"value\": \"mpi\"", "\"value\": \"gpu\""));
        BuiltImage image = new BuiltImage("openmpi", "pharos/openmpi:1.0", List.of(), ID, "fp", dir.toString());

        PharosException e = assertThrows(PharosException.class, () -> ImageTests.testAll(engine, List.of(image),
                "image-test.json", ImageTests.Options.defaults(), new RecordingConsole()));

        assertEquals("1 of 12 container checks failed:\n"
                + "openmpi (pharos/openmpi:1.0): label ai.pharos.image.kind: is \"mpi\", expected \"gpu\"",
                e.getMessage());
        assertEquals(4, engine.runs.size(), "the failing metadata check did not stop the container checks");
    }

    @Test
    void anEngineErrorFailsThatCheckAndTheOthersStillRun() throws Exception {
        ScriptedEngine engine = goodEngine();
        ScriptedEngine.Runner good = engine.runner;
        engine.runner = (spec, out, err) -> {
            if (spec.entrypoint().get(0).equals("false")) {
                throw new PharosException("Docker could not run x: exec: \"false\": executable file not found",
                        null, null);
            }
            return good.run(spec, out, err);
        };
        ImageTests.Report report = ImageTests.run(engine, IMAGE, ImageTests.parse(SPEC, "s"),
                ImageTests.Options.defaults(), new RecordingConsole());
        assertEquals(List.of("openmpi (pharos/openmpi:1.0): command test 'false fails': could not run: Docker could "
                + "not run x: exec: \"false\": executable file not found"), report.failureLines());
        assertEquals(4, engine.runs.size());
    }

    @Test
    void aHangingCommandIsKilledAfterTheTimeoutAndReported() throws Exception {
        ScriptedEngine engine = goodEngine();
        ScriptedEngine.Runner good = engine.runner;
        engine.runner = (spec, out, err) -> {
            if (spec.entrypoint().get(0).equals("false")) {
                out.accept("started");
                Thread.sleep(60_000);
            }
            return good.run(spec, out, err);
        };
        ImageTests.Report report = ImageTests.run(engine, IMAGE, ImageTests.parse(SPEC, "s"),
                new ImageTests.Options("none", Duration.ofMillis(300)), new RecordingConsole());
        assertEquals(List.of("openmpi (pharos/openmpi:1.0): command test 'false fails': still running after 0.3 s "
                + "(container killed; raise -Dpharos.testImage.timeout if this is expected)"), report.failureLines());
        assertEquals(4, engine.runs.size());
    }

    @Test
    void aContainerIgnoringTheKillDoesNotHoldUpTheNextChecks() throws Exception {
        ScriptedEngine engine = goodEngine();
        ScriptedEngine.Runner good = engine.runner;
        engine.runner = (spec, out, err) -> {
            if (spec.entrypoint().get(0).equals("false")) {
                long end = System.nanoTime() + 3_000_000_000L;
                while (System.nanoTime() < end) {
                    try {
                        Thread.sleep(50);
                    } catch (InterruptedException ignored) {
                        // an engine call that does not react to the interrupt
                    }
                }
            }
            return good.run(spec, out, err);
        };
        ImageTests.Report report = ImageTests.run(engine, IMAGE, ImageTests.parse(SPEC, "s"),
                new ImageTests.Options("none", Duration.ofMillis(500)), new RecordingConsole());
        assertEquals(List.of("openmpi (pharos/openmpi:1.0): command test 'false fails': still running after 0.5 s "
                + "(container killed; raise -Dpharos.testImage.timeout if this is expected)"), report.failureLines());
    }

    @Test
    void anImageMissingFromTheEngineFailsWithoutRunningContainers() throws Exception {
        ScriptedEngine engine = new ScriptedEngine();
        ImageTests.Report report = ImageTests.run(engine, IMAGE, ImageTests.parse(SPEC, "s"),
                ImageTests.Options.defaults(), new RecordingConsole());
        assertEquals(List.of("openmpi (pharos/openmpi:1.0): image: the engine unix:///fake.sock (from test) has no "
                + "image " + ID + " (rebuild it with pharos:build-image)"), report.failureLines());
        assertTrue(engine.runs.isEmpty());
    }

    @Test
    void aProbeThatCannotRunFailsEveryFileCheckWithTheReason() throws Exception {
        ScriptedEngine engine = goodEngine();
        ScriptedEngine.Runner good = engine.runner;
        engine.runner = (spec, out, err) -> {
            if (spec.entrypoint().get(0).equals("/bin/sh")) {
                throw new PharosException("Docker could not run x: exec: \"/bin/sh\": no such file", null, null);
            }
            return good.run(spec, out, err);
        };
        ImageTests.Report report = ImageTests.run(engine, IMAGE, ImageTests.parse(SPEC, "s"),
                ImageTests.Options.defaults(), new RecordingConsole());
        assertEquals(2, report.failures().size());
        assertTrue(report.failureLines().get(0).endsWith("file existence test 'binary' (/usr/local/bin/mpi-ring): "
                + "file probe (/bin/sh and stat in the image) could not run: Docker could not run x: exec: "
                + "\"/bin/sh\": no such file"), report.failureLines().get(0));
    }

    @Test
    void modeStringsAreThoseOfLsL() {
        assertEquals("-rwxr-xr-x", ImageTests.modeString(0100755));
        assertEquals("drwxr-xr-x", ImageTests.modeString(040755));
        assertEquals("-rwsr-xr-x", ImageTests.modeString(0104755));
        assertEquals("-rw-r-Sr--", ImageTests.modeString(0102644));
        assertEquals("drwxrwxrwt", ImageTests.modeString(041777));
        assertEquals("lrwxrwxrwx", ImageTests.modeString(0120777));
        assertEquals("crw-rw-rw-", ImageTests.modeString(020666));
    }

    @Test
    void missingSpecNamesThePathAndTheOption(@TempDir Path dir) {
        BuiltImage image = new BuiltImage("python-sci", "pharos/python-sci:1", List.of(), ID, "fp", dir.toString());
        PharosException e = assertThrows(PharosException.class, () -> ImageTests.testAll(new ScriptedEngine(),
                List.of(image), "image-test.json", ImageTests.Options.defaults(), new RecordingConsole()));
        assertEquals("No container test spec at " + dir.resolve("image-test.json"), e.getMessage());
        assertEquals("pharos.testImage.spec", e.option());
    }

    @Test
    void noImagesIsAnErrorNotASilentPass() {
        PharosException e = assertThrows(PharosException.class, () -> ImageTests.testAll(new ScriptedEngine(),
                List.of(), "image-test.json", ImageTests.Options.defaults(), new RecordingConsole()));
        assertTrue(e.getMessage().startsWith("No built images to test"), e.getMessage());
    }

    // ------------------------------------------------------------------------------------- spec errors

    private static String parseError(String json) {
        PharosException e = assertThrows(PharosException.class,
                () -> ImageTests.parse(json, "images/x/image-test.json"));
        assertEquals("pharos.testImage.spec", e.option());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    @Test
    void specErrorsNameTheFileAndTheField() {
        String f = "Container test spec images/x/image-test.json ";
        assertEquals(f + "has an unknown field 'commandTests[0].expectOutput'",
                parseError("""
                        {"schemaVersion": "2.0.0",
                         "commandTests": [{"name": "a", "command": "true", "expectOutput": ["x"]}]}"""));
        assertTrue(parseError("""
                {"schemaVersion": "2.0.0",
                 "commandTests": [{"name": "a", "command": "true", "exitCode": "zero"}]}""")
                .startsWith(f + "field 'commandTests[0].exitCode' has the wrong type: "));
        assertEquals(f + "field 'commandTests[1].command' is missing or empty",
                parseError("""
                        {"schemaVersion": "2.0.0",
                         "commandTests": [{"name": "a", "command": "true"}, {"name": "b"}]}"""));
        assertTrue(parseError("""
                {"schemaVersion": "2.0.0",
                 "commandTests": [{"name": "a", "command": "true", "expectedOutput": ["rank (0"]}]}""")
                .startsWith(f + "field 'commandTests[0].expectedOutput[0]' is not a valid regular expression: "));
        assertEquals(f + "field 'fileExistenceTests[0].path' is 'etc/passwd', not an absolute path",
                parseError("""
                        {"schemaVersion": "2.0.0",
                         "fileExistenceTests": [{"name": "a", "path": "etc/passwd", "shouldExist": true}]}"""));
        assertEquals(f + "field 'fileExistenceTests[0].shouldExist' is missing",
                parseError("""
                        {"schemaVersion": "2.0.0",
                         "fileExistenceTests": [{"name": "a", "path": "/etc/passwd"}]}"""));
        assertEquals(f + "field 'fileExistenceTests[0].permissions' is '755', not an ls -l mode string",
                parseError("""
                        {"schemaVersion": "2.0.0", "fileExistenceTests":
                         [{"name": "a", "path": "/etc/passwd", "shouldExist": true, "permissions": "755"}]}"""));
        assertTrue(parseError("""
                {"schemaVersion": "2.0.0",
                 "commandTests": [{"name": "a", "command": "true", "setup": [["touch", "/x"]]}]}""")
                .startsWith(f + "field 'commandTests[0].setup' is not supported by pharos:test-image: "));
        assertEquals(f + "field 'schemaVersion' is '1.0.0', only '2.0.0' is supported",
                parseError("{\"schemaVersion\": \"1.0.0\", \"commandTests\": [{\"name\": \"a\", \"command\": \"true\"}]}"));
        assertEquals(f + "has no field 'schemaVersion'",
                parseError("{\"commandTests\": [{\"name\": \"a\", \"command\": \"true\"}]}"));
        assertEquals(f + "has no checks", parseError("{\"schemaVersion\": \"2.0.0\"}"));
        assertEquals(f + "field 'metadataTest.labels[0].value' is missing",
                parseError("{\"schemaVersion\": \"2.0.0\", \"metadataTest\": {\"labels\": [{\"key\": \"a\"}]}}"));
        assertEquals(f + "is not valid JSON at line 2, column 77: Duplicate field 'exitCode'", parseError("""
                {"schemaVersion": "2.0.0",
                 "commandTests": [{"name": "a", "command": "true", "exitCode": 1, "exitCode": 2}]}"""));
        String syntax = parseError("{\"schemaVersion\": \"2.0.0\",\n  \"commandTests\": [ }");
        assertEquals(f + "is not valid JSON at line 2, column 21: Unexpected close marker '}': expected ']'", syntax);
    }

    @Test
    void aMissingSpecFileIsNamed(@TempDir Path dir) {
        PharosException e = assertThrows(PharosException.class, () -> ImageTests.parse(dir.resolve("nope.json")));
        assertEquals("No container test spec at " + dir.resolve("nope.json"), e.getMessage());
    }
}
