package ai.pharos.core.docker;

import ai.pharos.core.Console;
import ai.pharos.core.PharosException;
import ai.pharos.core.process.ProcessRunner;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Makes sure a Debian base image exists in the local engine — the air-gapped path. {@code pull} asks a registry;
 * {@code debootstrap} builds the root filesystem from a Debian mirror and imports it as a deterministic tar;
 * {@code auto} tries the pull, then debootstrap. An image that already exists is left alone.
 */
public final class BaseImage {

    /** How to obtain the image. */
    public enum Mode {
        AUTO, PULL, DEBOOTSTRAP;

        public static Mode parse(String s) throws PharosException {
            try {
                return valueOf(s.strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new PharosException("Unknown base image mode '" + s + "'", "pharos.base.mode",
                        "Use auto, pull or debootstrap.");
            }
        }
    }

    /**
     * What to make.
     *
     * @param reference image reference, e.g. {@code debian:trixie}
     * @param mode      auto, pull or debootstrap
     * @param suite     Debian suite for debootstrap, e.g. {@code trixie}
     * @param mirror    Debian mirror URL, e.g. {@code http://deb.debian.org/debian}
     * @param variant   debootstrap variant ({@code minbase}, {@code buildd}, …)
     * @param include   extra packages
     * @param mtime     the timestamp every tar entry gets (reproducibility)
     * @param workDir   where the root filesystem and the tar are made (under {@code target/})
     */
    public record Request(String reference, Mode mode, String suite, String mirror, String variant,
                          List<String> include, Instant mtime, Path workDir) {
    }

    /** What happened. */
    public enum Outcome { EXISTED, PULLED, BOOTSTRAPPED }

    private final Engine engine;
    private final Console console;

    public BaseImage(Engine engine, Console console) {
        this.engine = engine;
        this.console = console;
    }

    public Outcome ensure(Request r) throws PharosException {
        var existing = engine.inspectImage(r.reference());
        if (existing.isPresent()) {
            console.info("Base image " + r.reference() + " exists (" + shortId(existing.get().id()) + "): nothing to do");
            return Outcome.EXISTED;
        }
        if (r.mode() != Mode.DEBOOTSTRAP) {
            console.info("Base image " + r.reference() + " is missing: trying to pull it");
            if (engine.pull(r.reference(), console::info)) {
                console.info("Pulled " + r.reference());
                return Outcome.PULLED;
            }
            if (r.mode() == Mode.PULL) {
                throw new PharosException("Base image " + r.reference() + " could not be pulled (no registry reachable "
                        + "or no such image)", "pharos.base.mode",
                        "Use -Dpharos.base.mode=debootstrap (or auto) to build it from a Debian mirror instead.");
            }
            console.info("No registry answered: building " + r.reference() + " from the Debian mirror " + r.mirror());
        }
        bootstrap(r);
        return Outcome.BOOTSTRAPPED;
    }

    private void bootstrap(Request r) throws PharosException {
        Path work = r.workDir();
        Path rootfs = work.resolve("rootfs");
        Path tar = work.resolve("rootfs.tar");
        try {
            deleteTree(rootfs);
            Files.createDirectories(work);
        } catch (IOException e) {
            throw new PharosException("Cannot prepare " + work + ": " + e.getMessage(), null,
                    "Check the build directory is writable.", e);
        }
        boolean root = isRoot();
        if (root && ProcessRunner.which("debootstrap").isPresent()) {
            List<String> cmd = new ArrayList<>(List.of("debootstrap", "--variant=" + r.variant()));
            if (!r.include().isEmpty()) {
                cmd.add("--include=" + String.join(",", r.include()));
            }
            cmd.addAll(List.of(r.suite(), rootfs.toString(), r.mirror()));
            runTool(cmd, r);
            clean(rootfs);
            writeTar(rootfs, tar, r.mtime());
        } else if (ProcessRunner.which("mmdebstrap").isPresent()) {
            List<String> cmd = new ArrayList<>(List.of("mmdebstrap", "--mode=" + (root ? "root" : "unshare"),
                    "--variant=" + r.variant(), "--format=tar",
                    "--customize-hook=rm -rf \"$1\"/var/lib/apt/lists/* \"$1\"/var/cache/apt/archives/*.deb"));
            if (!r.include().isEmpty()) {
                cmd.add("--include=" + String.join(",", r.include()));
            }
            cmd.addAll(List.of(r.suite(), tar.toString(), r.mirror()));
            runTool(cmd, r);
        } else {
            throw new PharosException("Cannot build " + r.reference() + " from a Debian mirror: debootstrap needs root"
                    + " and mmdebstrap (which works without root) is not installed", "pharos.base.mode",
                    "Install mmdebstrap (apt-get install mmdebstrap), run the build as root, or load the image "
                            + "yourself (docker load) and rerun.");
        }
        try {
            console.info("Importing " + tar + " (" + Files.size(tar) / (1024 * 1024) + " MiB) as " + r.reference());
            Map<String, String> labels = new java.util.TreeMap<>();
            labels.put("ai.pharos.base.suite", r.suite());
            labels.put("ai.pharos.base.mirror", r.mirror());
            labels.put("ai.pharos.base.variant", r.variant());
            labels.put("ai.pharos.base.include", String.join(",", r.include()));
            String id = engine.importImage(tar, r.reference(), labels, r.mtime(), console::info);
            console.info("Base image " + r.reference() + " is " + shortId(id) + " (bootstrapped from " + r.mirror() + ")");
        } catch (IOException e) {
            throw new PharosException("Cannot read " + tar + ": " + e.getMessage(), null, null, e);
        } finally {
            try {
                deleteTree(rootfs);
                Files.deleteIfExists(tar);
            } catch (IOException e) {
                console.warn("Could not clean " + work + ": " + e.getMessage());
            }
        }
    }

    private void runTool(List<String> cmd, Request r) throws PharosException {
        console.info("Running " + String.join(" ", cmd));
        ProcessRunner.Result result = ProcessRunner.run(cmd, null, Map.of("LC_ALL", "C.UTF-8"),
                console::debug, console::debug);
        if (!result.ok()) {
            throw new PharosException(cmd.get(0) + " of " + r.suite() + " from " + r.mirror() + " failed with exit code "
                    + result.exitCode() + ": " + String.join(" | ", tail(result.stderrTail(), 3)), "pharos.base.mirror",
                    "Check that the mirror serves '" + r.suite() + "' (and -Dpharos.base.suite), or rerun with -X for"
                            + " the full log.");
        }
    }

    /** Drop what a container image should not carry: downloaded .debs and apt lists (as Docker's Debian images do). */
    private static void clean(Path rootfs) throws PharosException {
        try {
            for (String dir : List.of("var/cache/apt/archives", "var/lib/apt/lists")) {
                Path d = rootfs.resolve(dir);
                if (Files.isDirectory(d)) {
                    try (Stream<Path> s = Files.list(d)) {
                        for (Path p : s.toList()) {
                            if (Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                                Files.delete(p);
                            }
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new PharosException("Cannot clean the bootstrapped tree " + rootfs + ": " + e.getMessage(), null,
                    null, e);
        }
    }

    private static void writeTar(Path rootfs, Path tar, Instant mtime) throws PharosException {
        Path tmp = tar.resolveSibling(tar.getFileName() + ".part");
        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
            RootfsTar.write(rootfs, out, mtime,
                    name -> name.startsWith("proc/") || name.startsWith("sys/") || name.startsWith("dev/"));
        } catch (IOException e) {
            throw new PharosException("Cannot write " + tar + ": " + e.getMessage(), null,
                    "Check free disk space.", e);
        }
        try {
            Files.move(tmp, tar, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new PharosException("Cannot write " + tar + ": " + e.getMessage(), null, null, e);
        }
    }

    static boolean isRoot() {
        try {
            return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    private static List<String> tail(List<String> lines, int n) {
        return lines.subList(Math.max(0, lines.size() - n), lines.size());
    }

    static String shortId(String id) {
        String hex = id.startsWith("sha256:") ? id.substring(7) : id;
        return hex.length() > 12 ? hex.substring(0, 12) : hex;
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
