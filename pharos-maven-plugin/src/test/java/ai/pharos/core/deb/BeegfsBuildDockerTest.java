package ai.pharos.core.deb;

import ai.pharos.core.Console;
import ai.pharos.core.PharosException;
import ai.pharos.core.docker.RunSpec;
import ai.pharos.core.process.ProcessRunner;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The BeeGFS build end to end against the BeeGFS-shaped fixture, in a real container, and a real apt client
 * installing from the repository. Needs a Docker engine and the local {@code debian:trixie} image; builds the test
 * build image ({@code src/test/resources/deb-buildenv}, FROM debian:trixie, packages from Debian's mirror) once.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BeegfsBuildDockerTest {
    static final String BASE = "debian:trixie";
    /** Tagged with a hash of its Dockerfile, so a changed Dockerfile is never served by a stale image. */
    static String IMAGE;
    static Path repoRoot;
    static Path fixture;
    static Path out;

    @BeforeAll
    static void setUp() throws Exception {
        repoRoot = repoRoot();
        fixture = repoRoot.resolve("beegfs-packages/src/test/fixture/beegfs-fixture");
        assumeTrue(Files.isDirectory(fixture), "BeeGFS fixture not found at " + fixture);
        assumeTrue(DockerCliEngine.available(), "no Docker engine reachable through the docker CLI");
        ai.pharos.core.docker.TestBaseImage.ensure();
        Path ctx = repoRoot.resolve("pharos-maven-plugin/src/test/resources/deb-buildenv");
        IMAGE = "pharos-deb-buildenv:" + BeegfsSource.sha256Hex(Files.readAllBytes(ctx.resolve("Dockerfile")))
                .substring(0, 12);
        if (!DockerCliEngine.hasImage(IMAGE)) {
            var r = ProcessRunner.run(List.of("docker", "build", "--network", "host", "-t", IMAGE, ctx.toString()),
                    null, Map.of(), l -> { }, l -> { });
            assumeTrue(r.ok(), "cannot build " + IMAGE + ": " + String.join(" ", r.stderrTail()));
        }
        out = repoRoot.resolve("pharos-maven-plugin/target/beegfs-docker-test");
        AptRepository.deleteTree(out);
        Files.createDirectories(out);
    }

    static Path repoRoot() {
        String prop = System.getProperty("maven.multiModuleProjectDirectory");
        if (prop != null && Files.isRegularFile(Path.of(prop, "mvnw"))) {
            return Path.of(prop).toAbsolutePath();
        }
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isRegularFile(p.resolve("mvnw"))) {
            p = p.getParent();
        }
        assumeTrue(p != null, "repository root (the directory with mvnw) not found above " + Path.of("")
                .toAbsolutePath());
        return p;
    }

    static BeegfsBuild.Request request(String source, String version, Integer buildNumber, int jobs,
                                       Map<String, String> env) {
        return new BeegfsBuild.Request(source, null, null, version, buildNumber, "20", jobs, IMAGE, null, List.of(),
                BeegfsBuild.UNDECLARED_BUILD_DEPENDS, env, out.resolve("work"), out.resolve("debs"), "host",
                List.of(out.resolve("apt-repo")));
    }

    static final List<String> NAMES = List.of("beegfs-client", "beegfs-client-compat", "beegfs-client-dev",
            "beegfs-client-dkms", "beegfs-meta", "beegfs-meta-dbgsym", "beegfs-mon", "beegfs-mon-dbgsym",
            "beegfs-mon-grafana", "beegfs-storage", "beegfs-storage-dbgsym", "beegfs-utils", "beegfs-utils-dev",
            "beeond", "libbeegfs-ib", "libbeegfs-ib-dbgsym");

    static List<String> debFiles() throws IOException {
        Path debs = out.resolve("debs");
        if (!Files.isDirectory(debs)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(debs)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".deb")).sorted().toList();
        }
    }

    @Test
    @Order(1)
    void fixtureBuildsTheBeegfs831PackageSetWithTheRequestedParallelism() throws Exception {
        DockerCliEngine engine = new DockerCliEngine();
        // 3 jobs on a 2-core machine: what the compiler saw can only come from the option, not from nproc
        BeegfsBuild.Result r = BeegfsBuild.build(request(fixture.toString(), "8.3.1", 7, 3, Map.of()), engine,
                Console.SILENT);
        assertFalse(r.upToDate());
        assertEquals(3, r.jobs());
        assertEquals("8.3.1+b7", r.packageVersion());
        assertEquals(NAMES, r.packages().stream().map(DebPackage::packageName).sorted().toList());
        for (DebPackage p : r.packages()) {
            assertEquals("20:8.3.1+b7", p.version(), p.packageName());
            boolean all = List.of("beegfs-mon-grafana", "beeond", "beegfs-client", "beegfs-client-dkms",
                    "beegfs-client-compat").contains(p.packageName());
            assertEquals(all ? "all" : "amd64", p.architecture(), p.packageName());
        }
        assertEquals(16, debFiles().size());
        assertEquals("rwxr-xr-x", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(out.resolve("debs"))));
        assertEquals("-j3", Files.readString(out.resolve("work/pkg/build/fixture-parallelism")).strip());
        assertTrue(Files.readString(r.buildLog()).contains("fixture: compile make saw -j3"));
        // the user's tree is untouched: no build outputs in the fixture
        assertFalse(Files.exists(fixture.resolve("src/bin")));
        assertFalse(Files.exists(fixture.resolve("fixture-parallelism")));
    }

    @Test
    @Order(2)
    void secondBuildIsUpToDateWithoutStartingAContainer() throws Exception {
        DockerCliEngine engine = new DockerCliEngine();
        List<String> log = new ArrayList<>();
        BeegfsBuild.Result r = BeegfsBuild.build(request(fixture.toString(), "8.3.1", 7, 2, Map.of()), engine,
                recording(log));
        assertTrue(r.upToDate());
        assertEquals(0, engine.runs.get(), "no container may run when up to date");
        assertEquals(16, r.packages().size());
        assertTrue(log.stream().anyMatch(l -> l.startsWith("BeeGFS packages are up to date")), log.toString());
    }

    @Test
    @Order(3)
    void aRealAptClientInstallsFromTheRepository() throws Exception {
        Path repo = out.resolve("apt-repo");
        AptRepository.write(new AptRepository.Request(AptRepository.debsIn(out.resolve("debs")), repo,
                Instant.parse("2026-01-01T00:00:00Z"), "Pharos", "BeeGFS", null, 2), Console.SILENT);
        List<String> lines = new ArrayList<>();
        String script = "set -e; echo 'deb [trusted=yes] file:/repo ./' > /etc/apt/sources.list; "
                + "rm -f /etc/apt/sources.list.d/*; apt-get update; "
                + "apt-get install -y --no-install-recommends beegfs-meta beeond; "
                + "/opt/beegfs/sbin/beegfs-meta; /opt/beegfs/sbin/beeond; /opt/beegfs/sbin/beegfs-fsck; "
                + "dpkg-query -W -f='${Package} ${Version}\\n' beegfs-meta beegfs-utils beeond";
        var r = ProcessRunner.run(List.of("docker", "run", "--rm", "--network", "host", "-v", repo + ":/repo:ro",
                BASE, "sh", "-c", script), null, Map.of(), lines::add, lines::add);
        assertEquals(0, r.exitCode(), String.join("\n", lines));
        // apt reads as its unprivileged _apt user; on "Permission denied" it would retry as root and still succeed
        assertFalse(lines.stream().anyMatch(l -> l.startsWith("Err:") || l.contains("Permission denied")
                || l.contains("unsandboxed")), "apt's _apt user can read the repository: " + lines);
        assertTrue(lines.contains("beegfs-meta 8.3.1+b7"), String.join("\n", lines));
        assertTrue(lines.contains("beeond 8.3.1+b7"), String.join("\n", lines));
        assertTrue(lines.contains("beegfs-fsck 8.3.1+b7"), "beeond pulled in beegfs-utils: " + lines);
        assertTrue(lines.contains("beegfs-utils 20:8.3.1+b7"), String.join("\n", lines));
    }

    @Test
    @Order(4)
    void compileErrorFailsWithTheCompilerLineAndLeavesNoDebs() throws Exception {
        assertEquals(16, debFiles().size(), "precondition: packages from the good build");
        PharosException e = assertThrows(PharosException.class, () -> BeegfsBuild.build(request(fixture.toString(),
                "8.3.1", 8, 2, Map.of("BEEGFS_FIXTURE_FAIL", "compile")), new DockerCliEngine(), Console.SILENT));
        String m = e.getMessage();
        assertTrue(m.startsWith("BeeGFS build failed at: daemon.c:"), m);
        assertTrue(m.contains("#error") && m.contains("injected compile error"), m);
        assertTrue(m.contains("(make exited 0; missing 16 of 16 packages"), "8.x exit-0 quirk detected: " + m);
        assertTrue(m.contains("; log: " + out.resolve("work/pkg")), m);
        assertFalse(m.contains("\n"));
        assertEquals(List.of(), debFiles());
        assertFalse(Files.exists(out.resolve("work/fingerprint.txt")));
        assertFalse(Files.exists(out.resolve("apt-repo")), "the repository made from the old packages is gone too");
    }

    @Test
    @Order(5)
    void failureHiddenBehindExitZeroIsDetected() throws Exception {
        PharosException e = assertThrows(PharosException.class, () -> BeegfsBuild.build(request(fixture.toString(),
                "8.3.1", 9, 2, Map.of("BEEGFS_FIXTURE_FAIL", "late")), new DockerCliEngine(), Console.SILENT));
        String m = e.getMessage();
        assertTrue(m.startsWith("BeeGFS build failed at: make[1]: *** [debian/rules:"), m);
        assertTrue(m.contains("override_dh_builddeb] Error 1 (make exited 0; missing 1 of 16 packages, e.g. "
                + "beegfs-utils)"), m);
        assertEquals(List.of(), debFiles());
        // make wrote 15 packages before the failure: none reached the deb directory, and they were deleted from
        // PACKAGE_DIR (its logs stay for the diagnosis)
        try (Stream<Path> s = Files.list(out.resolve("work/pkg"))) {
            List<String> left = s.map(p -> p.getFileName().toString()).toList();
            assertTrue(left.stream().noneMatch(n -> n.endsWith(".deb")), left.toString());
            assertTrue(left.stream().anyMatch(n -> n.endsWith(".build")), left.toString());
        }
    }

    @Test
    @Order(6)
    void existingPackageDirIsRefusedByTheMakefile() throws Exception {
        DockerCliEngine real = new DockerCliEngine();
        // another process creates PACKAGE_DIR between Pharos' clean-up and make (the Makefile's precondition)
        DockerCliEngine racing = new DockerCliEngine() {
            @Override
            public int run(RunSpec spec, Consumer<String> stdout, Consumer<String> stderr) throws PharosException {
                try {
                    Files.createDirectories(out.resolve("work/pkg"));
                } catch (IOException ex) {
                    throw new IllegalStateException(ex);
                }
                return real.run(spec, stdout, stderr);
            }
        };
        PharosException e = assertThrows(PharosException.class, () -> BeegfsBuild.build(request(fixture.toString(),
                "8.3.1", 10, 2, Map.of()), racing, Console.SILENT));
        assertEquals("BeeGFS build failed at: error: PACKAGE_DIR /build/pkg already exists, refusing to overwrite it"
                + " (exit 2); log: " + out.resolve("work/make-package-deb.log"), e.getMessage());
        assertEquals(List.of(), debFiles());
    }

    @Test
    @Order(7)
    void underscoreVersionMissingSourceAndChecksumMismatchFailBeforeAnyContainer() throws Exception {
        DockerCliEngine engine = new DockerCliEngine();
        PharosException underscore = assertThrows(PharosException.class, () -> BeegfsBuild.build(
                request(fixture.toString(), "8.3_1", null, 2, Map.of()), engine, Console.SILENT));
        assertEquals("BeeGFS version '8.3_1' contains '_', which BeeGFS's build rejects", underscore.getMessage());
        PharosException missing = assertThrows(PharosException.class, () -> BeegfsBuild.build(
                request(out.resolve("no-such-tree").toString(), "8.3.1", null, 2, Map.of()), engine, Console.SILENT));
        assertEquals("BeeGFS source " + out.resolve("no-such-tree") + " does not exist or is not a directory",
                missing.getMessage());
        Path tarball = out.resolve("beegfs-fixture.tar.gz");
        var t = ProcessRunner.run(List.of("tar", "-czf", tarball.toString(), "-C", fixture.getParent().toString(),
                "beegfs-fixture"), null, Map.of(), l -> { }, l -> { });
        assertEquals(0, t.exitCode());
        BeegfsBuild.Request bad = new BeegfsBuild.Request(tarball.toString(), null, "0".repeat(64), "8.3.1", null,
                "20", 2, IMAGE, null, List.of(), List.of(), Map.of(), out.resolve("work"), out.resolve("debs"),
                "host", List.of());
        PharosException mismatch = assertThrows(PharosException.class, () -> BeegfsBuild.build(bad, engine,
                Console.SILENT));
        assertTrue(mismatch.getMessage().startsWith("Checksum mismatch for BeeGFS tarball " + tarball
                + ": sha256 is "), mismatch.getMessage());
        assertEquals("pharos.beegfs.sha256", mismatch.option());
        assertEquals(0, engine.runs.get());
        assertEquals(List.of(), debFiles());
    }

    @Test
    @Order(8)
    void fixtureMakefileKeepsBeegfsPreconditions() throws Exception {
        // the fixture itself, without Pharos in front: '_' rejected, no version without git, existing PACKAGE_DIR
        Path tree = out.resolve("direct/src");
        AptRepository.deleteTree(out.resolve("direct"));
        BeegfsSource.copyTree(fixture, tree);
        Files.createDirectories(out.resolve("direct/existing"));
        DockerCliEngine engine = new DockerCliEngine();
        String[][] cases = {
            {"BEEGFS_VERSION=8.3_1", "PACKAGE_DIR=/build/pkg",
                "error: BEEGFS_VERSION 8.3_1 contains '_', which is not allowed"},
            {"PACKAGE_DIR=/build/pkg", "DEBUILD_OPTS=-j2",
                "error: cannot determine the version (git describe failed); set BEEGFS_VERSION"},
            {"BEEGFS_VERSION=8.3.1", "PACKAGE_DIR=/build/existing",
                "error: PACKAGE_DIR /build/existing already exists, refusing to overwrite it"}};
        for (String[] c : cases) {
            List<String> lines = new ArrayList<>();
            int exit = engine.run(new RunSpec(IMAGE, List.of("make", "-s", "package-deb", c[0], c[1]), null, null,
                    Map.of(), List.of(new RunSpec.Bind(out.resolve("direct").toString(), "/build", false)),
                    "/build/src", "host", List.of(), false), lines::add, lines::add);
            assertEquals(2, exit, String.join("\n", lines));
            assertTrue(lines.contains(c[2]), c[2] + " in " + lines);
        }
        assertFalse(Files.exists(out.resolve("direct/pkg")), "nothing was started");
    }

    static Console recording(List<String> lines) {
        return new Console() {
            @Override public void debug(String message) { }
            @Override public void info(String message) { lines.add(message); }
            @Override public void warn(String message) { lines.add(message); }
            @Override public boolean isDebugEnabled() { return false; }
        };
    }
}
