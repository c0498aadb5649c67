package ai.pharos.core.docker;

import ai.pharos.core.PharosException;
import ai.pharos.core.process.ProcessRunner;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The context a real {@code docker build} receives from {@link ContextTar} equals what the plugin computed, and
 * equals what the Docker CLI itself (the reference implementation of {@code .dockerignore}) sends for the same
 * directory. Needs a Docker engine and the local image {@code debian:trixie}; skipped with the reason otherwise.
 * Uses the classic builder ({@code DOCKER_BUILDKIT=0}, as the plugin does) and host networking.
 */
class ContextTarDockerTest {
    private static final String BASE = "debian:trixie";
    private static final Map<String, String> CLASSIC = Map.of("DOCKER_BUILDKIT", "0");

    @TempDir
    Path tmp;

    private final List<String> images = new ArrayList<>();

    @BeforeEach
    void needsEngine() throws PharosException {
        assumeTrue(ProcessRunner.which("docker").isPresent(), "no docker CLI on the PATH");
        assumeTrue(docker(List.of("version"), null).exitCode == 0, "no Docker engine answers `docker version`");
        TestBaseImage.ensure();
    }

    @AfterEach
    void removeImages() throws PharosException {
        for (String image : images) {
            docker(List.of("rmi", "-f", image), null);
        }
    }

    @Test
    void engineSeesExactlyTheComputedContextAndTheSameAsTheCli() throws Exception {
        Path dir = ContextTarTest.trickyTree(tmp.resolve("ctx"));
        Path tarFile = tmp.resolve("context.tar");
        ContextTar.Summary summary;
        try (OutputStream out = Files.newOutputStream(tarFile)) {
            summary = ContextTar.write(dir, null, Instant.parse("2020-01-01T00:00:00Z"), out);
        }
        assertEquals(ContextTarTest.TRICKY_COPY_SET, summary.copySet(), "sanity: the expected set by hand");

        String ours = "ctx-it:" + UUID.randomUUID().toString().substring(0, 12);
        images.add(ours);
        Out build;
        try (InputStream in = Files.newInputStream(tarFile)) {
            build = docker(List.of("build", "--network", "host", "-q", "-t", ours, "-"), in);
        }
        assertEquals(0, build.exitCode, "docker build from our tar failed: " + build.text);
        Map<String, String> seen = listing(ours);
        assertEquals(summary.copySet(), new TreeSet<>(seen.keySet()), "COPY . saw a different file set");

        // permissions and symlinks survived
        assertEquals("f 755", seen.get("bin/run.sh"));
        assertEquals("l 777", seen.get("link"));
        assertEquals("f 644", seen.get("app/main.c"));

        // the reference: the docker CLI sending the same directory itself
        String ref = "ctx-ref:" + UUID.randomUUID().toString().substring(0, 12);
        images.add(ref);
        Out refBuild = docker(List.of("build", "--network", "host", "-q", "-t", ref, dir.toString()), null);
        assertEquals(0, refBuild.exitCode, "reference docker build failed: " + refBuild.text);
        Map<String, String> refSeen = listing(ref);
        assertEquals(new TreeMap<>(refSeen), new TreeMap<>(seen), "the docker CLI sends a different context");
    }

    @Test
    void dockerfileOutsideTheContext() throws Exception {
        Path dir = tmp.resolve("ctx");
        ContextTarTest.write(dir, "a.txt", "a\n");
        ContextTarTest.write(dir, "sub/b.txt", "b\n");
        ContextTarTest.write(tmp, "build/Dockerfile", "FROM " + BASE + "\nCOPY . /ctx\n");
        Path tarFile = tmp.resolve("context.tar");
        ContextTar.Summary summary;
        try (OutputStream out = Files.newOutputStream(tarFile)) {
            summary = ContextTar.write(dir, tmp.resolve("build/Dockerfile"), Instant.EPOCH, out);
        }
        String ours = "ctx-it:" + UUID.randomUUID().toString().substring(0, 12);
        images.add(ours);
        Out build;
        try (InputStream in = Files.newInputStream(tarFile)) {
            build = docker(List.of("build", "--network", "host", "-q", "-f", summary.dockerfile(), "-t", ours, "-"),
                    in);
        }
        assertEquals(0, build.exitCode, build.text);
        assertEquals(new TreeSet<>(List.of("a.txt", "sub", "sub/b.txt")), summary.copySet());
        assertEquals(summary.copySet(), new TreeSet<>(listing(ours).keySet()));
    }

    /**
     * Differential check against the docker CLI on edge cases of the pattern language: suffix {@code **x},
     * classes, escapes, nested exceptions re-excluded and re-included, {@code **}{@code /dir} with an exception
     * below it, comments/BOM/CRLF/whitespace, leading {@code /} and {@code ./}, and a nested Dockerfile in an
     * excluded directory named with {@code -f}.
     */
    @Test
    void edgeCasesAgreeWithTheCli() throws Exception {
        Path dir = tmp.resolve("edge");
        ContextTarTest.write(dir, "docker/Dockerfile", "FROM " + BASE + "\nCOPY . /ctx\n");
        ContextTarTest.write(dir, "docker/notes.txt", "x");
        ContextTarTest.write(dir, ".dockerignore", "\uFEFF# comment\r\n"
                + "  # not a comment\r\n"
                + "   \t \n"
                + "**foo\n"
                + "[a-c]*.txt\n"
                + "\\*.star\n"
                + "  /anchored.txt  \n"
                + "./dotted/../dotted/x\n"
                + "tree\n"
                + "!tree/b\n"
                + "tree/b/c\n"
                + "!tree/b/c/keep\n"
                + "**/deepdir\n"
                + "!x/y/deepdir/keep\n"
                + "!/a-exception.txt\n"
                + "docker\n");
        for (String f : List.of("barfoo", "sub/foo", "sub/xfoo", "foo.txt", "a1.txt", "b2.txt", "d3.txt",
                "sub/a1.txt", "*.star", "x.star", "anchored.txt", "sub/anchored.txt", "dotted/x", "dotted/y",
                "tree/a", "tree/b/1", "tree/b/c/2", "tree/b/c/keep", "tree/b/c/keepnot", "x/y/deepdir/keep",
                "x/y/deepdir/drop", "x/y/other", "deepdir/z", "a-exception.txt", "# not a comment",
                "#real")) {
            ContextTarTest.write(dir, f, f + "\n");
        }
        Path tarFile = tmp.resolve("edge.tar");
        ContextTar.Summary summary;
        try (OutputStream out = Files.newOutputStream(tarFile)) {
            summary = ContextTar.write(dir, Path.of("docker/Dockerfile"), Instant.EPOCH, out);
        }
        String ours = "ctx-it:" + UUID.randomUUID().toString().substring(0, 12);
        images.add(ours);
        Out build;
        try (InputStream in = Files.newInputStream(tarFile)) {
            build = docker(List.of("build", "--network", "host", "-q", "-f", summary.dockerfile(), "-t", ours, "-"),
                    in);
        }
        assertEquals(0, build.exitCode, build.text);
        Map<String, String> seen = listing(ours);
        // reviewed by hand: **foo is a plain suffix test (barfoo goes), [a-c] and \\* work, nested exceptions
        // re-open tree/b and tree/b/c/keep only, **/deepdir keeps only the excepted file, the excluded docker/
        // directory keeps its Dockerfile until the daemon drops it (the empty directory stays)
        assertEquals(new TreeSet<>(List.of("#real", ".dockerignore", "a-exception.txt", "d3.txt", "docker", "dotted",
                "dotted/y", "foo.txt", "sub", "sub/a1.txt", "sub/anchored.txt", "tree", "tree/b", "tree/b/1",
                "tree/b/c", "tree/b/c/keep", "x", "x.star", "x/y", "x/y/deepdir", "x/y/deepdir/keep", "x/y/other")),
                summary.copySet());
        assertEquals(true, summary.sentPaths().contains("docker/Dockerfile"));
        assertEquals(summary.copySet(), new TreeSet<>(seen.keySet()));

        String ref = "ctx-ref:" + UUID.randomUUID().toString().substring(0, 12);
        images.add(ref);
        Out refBuild = docker(List.of("build", "--network", "host", "-q", "-f",
                dir.resolve("docker/Dockerfile").toString(), "-t", ref, dir.toString()), null);
        assertEquals(0, refBuild.exitCode, refBuild.text);
        assertEquals(new TreeMap<>(listing(ref)), new TreeMap<>(seen), "the docker CLI sends a different context");
    }

    /** {@code *} excludes everything; Dockerfile and .dockerignore are still sent, and dropped by the daemon. */
    @Test
    void everythingExcluded() throws Exception {
        Path dir = tmp.resolve("all");
        ContextTarTest.write(dir, "Dockerfile", "FROM " + BASE + "\nCOPY . /ctx\n");
        ContextTarTest.write(dir, ".dockerignore", "*\n");
        ContextTarTest.write(dir, "a/b.txt", "x");
        ContextTarTest.write(dir, "c.txt", "x");
        Path tarFile = tmp.resolve("all.tar");
        ContextTar.Summary summary;
        try (OutputStream out = Files.newOutputStream(tarFile)) {
            summary = ContextTar.write(dir, null, Instant.EPOCH, out);
        }
        assertEquals(List.of(".dockerignore", "Dockerfile"), summary.sentPaths());
        assertEquals(new TreeSet<>(), summary.copySet());
        String ours = "ctx-it:" + UUID.randomUUID().toString().substring(0, 12);
        images.add(ours);
        Out build;
        try (InputStream in = Files.newInputStream(tarFile)) {
            build = docker(List.of("build", "--network", "host", "-q", "-t", ours, "-"), in);
        }
        assertEquals(0, build.exitCode, build.text);
        assertEquals(Map.of(), listing(ours));
        String ref = "ctx-ref:" + UUID.randomUUID().toString().substring(0, 12);
        images.add(ref);
        Out refBuild = docker(List.of("build", "--network", "host", "-q", "-t", ref, dir.toString()), null);
        assertEquals(0, refBuild.exitCode, refBuild.text);
        assertEquals(Map.of(), listing(ref));
    }

    /** path -> "type mode" of everything below /ctx in the image. */
    private Map<String, String> listing(String image) throws PharosException {
        Out out = docker(List.of("run", "--rm", "--network", "host", image, "find", "/ctx", "-mindepth", "1",
                "-printf", "%y %m %P\\n"), null);
        assertEquals(0, out.exitCode, out.text);
        Map<String, String> m = new HashMap<>();
        for (String line : out.stdout) {
            String[] parts = line.split(" ", 3);
            m.put(parts[2], parts[0] + " " + parts[1]);
        }
        return m;
    }

    private record Out(int exitCode, List<String> stdout, String text) {
    }

    private static Out docker(List<String> args, InputStream stdin) throws PharosException {
        List<String> cmd = new ArrayList<>();
        cmd.add("docker");
        cmd.addAll(args);
        List<String> stdout = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        ProcessRunner.Result r = ProcessRunner.run(cmd, null, CLASSIC, stdin, line -> {
            synchronized (text) {
                stdout.add(line);
                text.append(line).append('\n');
            }
        }, line -> {
            synchronized (text) {
                text.append(line).append('\n');
            }
        });
        return new Out(r.exitCode(), stdout, text.toString());
    }

}
