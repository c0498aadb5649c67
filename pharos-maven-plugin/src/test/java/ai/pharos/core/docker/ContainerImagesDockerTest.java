package ai.pharos.core.docker;

import ai.pharos.core.Console;
import ai.pharos.core.PharosException;
import ai.pharos.core.process.ProcessRunner;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The shipped images under {@code container-images/images/} against a real Docker engine: each is built with
 * {@code docker build --network host} (the CLI, independent of the plugin's build path), then its own spec must pass
 * through {@link ImageTests} and {@link DockerJavaEngine}, and deliberately wrong expectations must fail with the
 * expected lines. Skipped (with the reason) without a docker CLI and engine, or without the {@code debian:trixie}
 * base image.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ContainerImagesDockerTest {

    private static final String BASE = "debian:trixie";
    private static Path imagesDir;
    private static final List<BuiltImage> BUILT = new ArrayList<>();

    @BeforeAll
    static void buildImages() throws Exception {
        Optional<String> why = unavailable();
        assumeTrue(why.isEmpty(), () -> "Skipped: " + why.orElse(""));
        TestBaseImage.ensure();
        try (Engine engine = engine()) {
            imagesDir = repoRoot().resolve("container-images").resolve("images");
            assumeTrue(Files.isDirectory(imagesDir), "Skipped: no " + imagesDir);
            List<Path> dirs;
            try (Stream<Path> s = Files.list(imagesDir)) {
                dirs = s.filter(d -> Files.isRegularFile(d.resolve("Dockerfile"))).sorted().toList();
            }
            assertTrue(dirs.size() >= 2, "at least two shipped images, found " + dirs);
            for (Path dir : dirs) {
                String name = dir.getFileName().toString();
                String tag = "pharos-images-test/" + name + ":latest";
                List<String> log = new ArrayList<>();
                ProcessRunner.Result r = ProcessRunner.run(List.of("docker", "build", "--network", "host", "-t", tag,
                        dir.toString()), null, null, log::add, log::add);
                assertEquals(0, r.exitCode(), () -> "docker build of " + dir + " failed:\n" + String.join("\n", log));
                String id = engine.inspectImage(tag).orElseThrow().id();
                BUILT.add(new BuiltImage(name, tag, List.of(tag), id, "test", dir.toString()));
            }
        }
    }

    /** Why the real-engine tests cannot run here, or empty. */
    static Optional<String> unavailable() {
        if (ProcessRunner.which("docker").isEmpty()) {
            return Optional.of("no docker CLI on the PATH");
        }
        try {
            List<String> err = new ArrayList<>();
            ProcessRunner.Result r = ProcessRunner.run(List.of("docker", "version", "--format",
                    "{{.Server.Version}}"), null, null, l -> { }, err::add);
            return r.ok() ? Optional.empty() : Optional.of("docker engine not reachable: " + String.join(" ", err));
        } catch (PharosException e) {
            return Optional.of(e.getMessage());
        }
    }

    static Engine engine() throws PharosException {
        return DockerJavaEngine.connect((String) null, Console.SILENT);
    }

    static Path repoRoot() {
        String prop = System.getProperty("maven.multiModuleProjectDirectory");
        if (prop != null && Files.isRegularFile(Path.of(prop, "mvnw"))) {
            return Path.of(prop);
        }
        for (Path p = Path.of(System.getProperty("user.dir")).toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("mvnw"))) {
                return p;
            }
        }
        throw new IllegalStateException("no mvnw above " + System.getProperty("user.dir"));
    }

    @Test
    @Order(1)
    void everyShippedImagePassesItsOwnSpec() throws Exception {
        RecordingConsole console = new RecordingConsole();
        try (Engine engine = engine()) {
            List<ImageTests.Report> reports = ImageTests.testAll(engine, BUILT, ImageTests.DEFAULT_SPEC_FILE,
                    new ImageTests.Options("none", Duration.ofMinutes(5)), console);
            assertEquals(BUILT.size(), reports.size());
            for (ImageTests.Report r : reports) {
                assertEquals(List.of(), r.failureLines());
                assertTrue(r.outcomes().size() >= 10, r.image().name() + " has a real spec: " + r.outcomes().size());
            }
        }
        assertTrue(console.lines.stream().anyMatch(l -> l.startsWith("INFO All ")), console.lines.toString());
    }

    @Test
    @Order(2)
    void wrongExpectationsFailNamingImageCheckAndWhatWasSeen() throws Exception {
        BuiltImage openmpi = BUILT.stream().filter(b -> b.name().equals("openmpi")).findFirst().orElseThrow();
        ImageTestSpec wrong = ImageTests.parse("""
                {
                  "schemaVersion": "2.0.0",
                  "commandTests": [
                    { "name": "three ranks claimed", "command": "mpirun",
                      "args": ["--allow-run-as-root", "--oversubscribe", "-np", "2", "mpi-ring"],
                      "expectedOutput": ["rank 2 of 3"] },
                    { "name": "no such program", "command": "/usr/local/bin/not-there" },
                    { "name": "exit status", "command": "sh", "args": ["-c", "echo oops >&2; exit 4"] }
                  ],
                  "fileExistenceTests": [
                    { "name": "man pages", "path": "/usr/share/man", "shouldExist": true },
                    { "name": "binary setuid", "path": "/usr/local/bin/mpi-ring", "shouldExist": true,
                      "permissions": "-rwsr-xr-x" }
                  ],
                  "metadataTest": {
                    "labels": [ { "key": "ai.pharos.image.kind", "value": "gpu" } ],
                    "entrypoint": ["/bin/bash"]
                  }
                }
                """, "wrong-openmpi.json");
        ImageTests.Report report;
        try (Engine engine = engine()) {
            report = ImageTests.run(engine, openmpi, wrong, new ImageTests.Options("none", Duration.ofMinutes(5)),
                    new RecordingConsole());
        }
        List<String> lines = report.failureLines();
        assertEquals(7, lines.size(), String.join("\n", lines));
        String p = "openmpi (pharos-images-test/openmpi:latest): ";
        assertTrue(lines.get(0).startsWith(p + "command test 'three ranks claimed': stdout does not match "
                + "/rank 2 of 3/ (stdout was \""), lines.get(0));
        assertTrue(lines.get(0).contains("ring closed: 2 ranks"), lines.get(0));
        // the engine cannot start a missing executable: reported as such, with the engine's reason
        assertTrue(lines.get(1).startsWith(p + "command test 'no such program': "), lines.get(1));
        assertTrue(lines.get(1).contains("not-there"), lines.get(1));
        assertEquals(p + "command test 'exit status': exit code 4, expected 0 (stderr \"oops\")", lines.get(2));
        assertEquals(p + "file existence test 'man pages' (/usr/share/man): does not exist", lines.get(3));
        assertEquals(p + "file existence test 'binary setuid' (/usr/local/bin/mpi-ring): permissions -rwxr-xr-x, "
                + "expected -rwsr-xr-x", lines.get(4));
        assertEquals(p + "label ai.pharos.image.kind: is \"mpi\", expected \"gpu\"", lines.get(5));
        assertEquals(p + "entrypoint: is [\"mpirun\"], expected [\"/bin/bash\"]", lines.get(6));
    }

    @Test
    @Order(3)
    void aFailingSpecFailsTestAllWithEveryLine(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        BuiltImage py = BUILT.stream().filter(b -> b.name().equals("python-sci")).findFirst().orElseThrow();
        Files.writeString(dir.resolve("image-test.json"), Files.readString(Path.of(py.contextDirectory())
                .resolve("image-test.json")).replace("dottie: 0\\\\.7390851332", "dottie: 0\\\\.5"));
        BuiltImage moved = new BuiltImage(py.name(), py.reference(), py.tags(), py.id(), py.fingerprint(),
                dir.toString());
        try (Engine engine = engine()) {
            PharosException e = assertThrows(PharosException.class, () -> ImageTests.testAll(engine, List.of(moved),
                    "image-test.json", ImageTests.Options.defaults(), new RecordingConsole()));
            String[] lines = e.getMessage().split("\n");
            assertEquals(2, lines.length, e.getMessage());
            assertTrue(lines[0].matches("1 of \\d+ container checks failed:"), lines[0]);
            assertTrue(lines[1].startsWith("python-sci (pharos-images-test/python-sci:latest): command test "
                    + "'numerical self-test': stdout does not match /(?m)^dottie: 0\\.5$/ (stdout was \"solve: "),
                    lines[1]);
        }
    }
}
