package ai.pharos.it;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The BeeGFS module path end to end: {@code pharos:beegfs-debs} + {@code pharos:apt-repo} bound like the
 * beegfs-packages module, building the BeeGFS-shaped fixture in the real dev container (pharos-dev:latest, built by
 * the dev-container module), through Maven. The packages are checked with dpkg-deb, independently of the plugin.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BeegfsIT {
    /** name -> architecture of the 16 packages of BeeGFS 8.3.1 (the fixture builds the same set). */
    static final Map<String, String> PACKAGES = new TreeMap<>();

    static {
        for (String n : List.of("beegfs-meta", "beegfs-meta-dbgsym", "beegfs-mon", "beegfs-mon-dbgsym",
                "beegfs-storage", "beegfs-storage-dbgsym", "beegfs-utils", "beegfs-utils-dev", "libbeegfs-ib",
                "libbeegfs-ib-dbgsym", "beegfs-client-dev")) {
            PACKAGES.put(n, "amd64");
        }
        for (String n : List.of("beegfs-client", "beegfs-client-compat", "beegfs-client-dkms", "beegfs-mon-grafana",
                "beeond")) {
            PACKAGES.put(n, "all");
        }
    }

    static Path fixture;
    static Path project;

    @BeforeAll
    static void devContainerAndFixture() throws Exception {
        Docker.assumeDevImage();
        assumeTrue(Docker.cli("info", "--format", "{{.Architecture}}").stdout().strip().equals("x86_64"),
                "the expected package set is the amd64 one");
        // integration-tests/src/it -> beegfs-packages/src/test/fixture/beegfs-fixture
        fixture = Path.of(System.getProperty("pharos.its.source")).toAbsolutePath().getParent().getParent()
                .getParent().resolve("beegfs-packages/src/test/fixture/beegfs-fixture").normalize();
        assumeTrue(Files.isRegularFile(fixture.resolve("PHAROS-BEEGFS-FIXTURE")), "no fixture at " + fixture);
    }

    private static Map<String, String> props(String... kv) {
        Map<String, String> p = new TreeMap<>();
        p.put("pharos.beegfs.source", fixture.toString());
        for (int i = 0; i < kv.length; i += 2) {
            p.put(kv[i], kv[i + 1]);
        }
        return p;
    }

    private static List<String> debsIn(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".deb")).map(p -> dir.relativize(p).toString())
                    .sorted().toList();
        }
    }

    private static String dpkgField(Path deb, String field) throws Exception {
        Process p = new ProcessBuilder("dpkg-deb", "--field", deb.toString(), field).redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, p.waitFor(), "dpkg-deb --field " + deb + ": " + out);
        return out;
    }

    /** The error lines Maven printed, without its generic trailer ("-> [Help 1]", "Re-run Maven ...", links). */
    private static List<String> ownErrors(MavenRun.Result r) {
        List<String> own = new ArrayList<>();
        for (String l : r.errors()) {
            String t = l.substring("[ERROR]".length()).strip();
            if (t.isEmpty() || t.startsWith("->") || t.startsWith("To see the full stack trace")
                    || t.startsWith("Re-run Maven") || t.startsWith("For more information")
                    || t.startsWith("[Help 1]")) {
                continue;
            }
            own.add(l);
        }
        return own;
    }

    @Test
    @Order(1)
    void fixtureBuildsThePackageSetWithTheRequestedParallelismThenIsUpToDate() throws Exception {
        assumeTrue(new ProcessBuilder("dpkg-deb", "--version").start().waitFor() == 0, "dpkg-deb is not installed");
        project = MavenRun.copy("beegfs", "build");
        // 3 jobs on a 2-core machine: what the compiler saw can only come from the option, not from nproc
        MavenRun.Result r = MavenRun.run(project, List.of("package"), props("pharos.beegfs.jobs", "3",
                "pharos.beegfs.buildNumber", "7"), Map.of());
        assertEquals(0, r.exitCode(), r.log());
        assertTrue(r.lines().stream().anyMatch(l -> l.startsWith("[WARNING]") && l.contains("TEST FIXTURE")),
                "the log says the source is the fixture:\n" + r.log());
        assertTrue(r.lines().stream().anyMatch(l -> l.contains("Building BeeGFS 8.3.1+b7 in pharos-dev:latest")),
                r.log());
        assertTrue(r.lines().stream().anyMatch(l -> l.endsWith("BeeGFS build parallelism: -j3")), r.log());
        assertEquals("-j3", Files.readString(project.resolve("target/pharos/beegfs/pkg/build/fixture-parallelism"))
                .strip(), "the -j the fixture's compiling make saw");

        Path debs = project.resolve("target/debs");
        List<String> expected = new ArrayList<>();
        PACKAGES.forEach((name, arch) -> expected.add(name + "_8.3.1+b7_" + arch + ".deb"));
        assertEquals(expected.stream().sorted().toList(), debsIn(debs));
        for (Map.Entry<String, String> e : PACKAGES.entrySet()) {
            Path deb = debs.resolve(e.getKey() + "_8.3.1+b7_" + e.getValue() + ".deb");
            assertEquals(e.getKey() + "\n20:8.3.1+b7\n" + e.getValue(),
                    dpkgField(deb, "Package") + "\n" + dpkgField(deb, "Version") + "\n"
                            + dpkgField(deb, "Architecture"), deb.toString());
        }
        // the apt repository indexes exactly these packages
        Path repo = project.resolve("target/apt-repo");
        String index = Files.readString(repo.resolve("Packages"));
        assertEquals(16, index.lines().filter(l -> l.startsWith("Package: ")).count(), index);
        assertEquals(expected.stream().sorted().toList(), debsIn(repo));
        assertTrue(Files.readString(repo.resolve("Release")).contains(" Packages.gz\n"));

        MavenRun.Result again = MavenRun.run(project, List.of("package"), props("pharos.beegfs.jobs", "3",
                "pharos.beegfs.buildNumber", "7"), Map.of());
        assertEquals(0, again.exitCode(), again.log());
        assertTrue(again.lines().stream().anyMatch(l -> l.contains("BeeGFS packages are up to date (16 in " + debs)),
                again.log());
        assertFalse(again.lines().stream().anyMatch(l -> l.contains("Building BeeGFS")
                || l.contains("parallelism")), "no container, no compile:\n" + again.log());
        assertTrue(again.lines().stream().anyMatch(l -> l.contains("apt repository " + repo + " is up to date")),
                again.log());
    }

    @Test
    @Order(2)
    void failureHiddenBehindMakeExitZeroIsOneLineAndLeavesNoDeb() throws Exception {
        assumeTrue(project != null, "needs the packages of the first test");
        // the fixture writes 15 of 16 packages, then a packaging step fails and make still exits 0 (BeeGFS 8.x)
        MavenRun.Result r = MavenRun.run(project, List.of("package"), props("pharos.beegfs.jobs", "2",
                "pharos.beegfs.buildNumber", "7", "pharos.beegfs.env", "BEEGFS_FIXTURE_FAIL=late"), Map.of());
        assertNotEquals(0, r.exitCode(), r.log());
        List<String> errors = ownErrors(r);
        assertEquals(1, errors.size(), "one error line:\n" + String.join("\n", errors));
        String line = errors.get(0);
        assertTrue(line.startsWith("[ERROR] Failed to execute goal ai.pharos:pharos-maven-plugin:")
                && line.contains(":beegfs-debs (beegfs-debs) on project beegfs: BeeGFS build failed at: make[1]: "
                + "*** [debian/rules:"), line);
        assertTrue(line.contains("(make exited 0; missing 1 of 16 packages, e.g. beegfs-utils); log: "
                + project.resolve("target/pharos/beegfs/pkg")), line);
        assertTrue(line.contains(" Fix: "), line);
        assertFalse(r.log().contains("\tat ai.pharos"), "no stack trace:\n" + r.log());
        assertEquals(List.of(), debsIn(project.resolve("target")), "no .deb anywhere under target/");
        assertFalse(Files.exists(project.resolve("target/apt-repo")), "the repository of the old packages is gone");
        assertFalse(Files.exists(project.resolve("target/pharos/beegfs/fingerprint.txt")));
    }

    @Test
    @Order(3)
    void underscoreInTheVersionIsOneLineBeforeAnyContainerStarts() throws Exception {
        Path p = MavenRun.copy("beegfs", "underscore");
        MavenRun.Result r = MavenRun.run(p, List.of("package"), props("pharos.beegfs.version", "8.3_1"), Map.of());
        assertNotEquals(0, r.exitCode(), r.log());
        List<String> errors = ownErrors(r);
        assertEquals(1, errors.size(), "one error line:\n" + String.join("\n", errors));
        String line = errors.get(0);
        assertTrue(line.contains(":beegfs-debs (beegfs-debs) on project beegfs: BeeGFS version '8.3_1' contains '_', "
                + "which BeeGFS's build rejects [") && line.contains("-Dpharos.beegfs.version]")
                && line.contains(" Fix: Use '.', '+' or '~' instead of '_'"), line);
        assertFalse(r.lines().stream().anyMatch(l -> l.contains("Building BeeGFS")), r.log());
        assertEquals(List.of(), debsIn(p.resolve("target")));
    }
}
