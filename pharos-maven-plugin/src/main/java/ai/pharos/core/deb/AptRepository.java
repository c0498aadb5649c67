package ai.pharos.core.deb;

import ai.pharos.core.Console;
import ai.pharos.core.PharosException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * Writes a flat apt repository (the "Flat Repository Format" of the Debian repository format: one directory holding
 * the packages, {@code Packages}, {@code Packages.gz} and {@code Release}), usable as
 * {@code deb [trusted=yes] file:/path ./}. Stanzas carry MD5sum and SHA256 like Debian's archive (no SHA1: apt does not
 * trust it). Natively: every .deb is read by {@link DebReader}, no dpkg tools.
 *
 * <p>Deterministic: stanzas are sorted by package name, version (Debian order) and architecture; {@code Packages.gz}
 * has no timestamp or file name in its header; {@code Release} carries the given date, so the same inputs and date
 * give the same bytes. Atomic: the repository is assembled in a temporary sibling directory and renamed into
 * place, so a killed build never leaves a half-written repository at {@code directory}.
 */
public final class AptRepository {
    /** Fields of a binary package stanza, in the order dpkg-scanpackages writes them; others follow. */
    private static final List<String> FIELD_ORDER = List.of("Package", "Package-Type", "Source", "Version",
            "Kernel-Version", "Built-Using", "Static-Built-Using", "Built-For-Profiles", "Auto-Built-Package",
            "Architecture", "Subarchitecture", "Installer-Menu-Item", "Essential", "Origin", "Bugs", "Maintainer",
            "Installed-Size", "Protected", "Build-Essential", "Replaces", "Provides", "Depends", "Pre-Depends",
            "Recommends", "Suggests", "Conflicts", "Breaks", "Enhances", "Filename", "Size", "MD5sum", "SHA1",
            "SHA256", "Section", "Priority", "Multi-Arch", "Homepage", "Description", "Tag", "Task");

    private static final DateTimeFormatter RFC_2822 = DateTimeFormatter
            .ofPattern("EEE, dd MMM yyyy HH:mm:ss 'UTC'", Locale.ROOT).withZone(ZoneOffset.UTC);

    /**
     * What to write.
     *
     * @param debs      the packages (order does not matter)
     * @param directory the repository directory to (re)create
     * @param date      the Release date (use the build's output timestamp for reproducible repositories)
     * @param origin    Release {@code Origin}
     * @param label     Release {@code Label}
     * @param suite     Release {@code Suite}, or null
     * @param threads   how many packages to read in parallel (≥ 1)
     */
    public record Request(List<Path> debs, Path directory, Instant date, String origin, String label, String suite,
                          int threads) {
    }

    /** What was written. */
    public record Result(Path directory, List<DebPackage> packages, boolean upToDate) {
    }

    private AptRepository() {
    }

    /** The {@code .deb} files directly inside {@code dir}, sorted by name. */
    public static List<Path> debsIn(Path dir) throws PharosException {
        if (!Files.isDirectory(dir)) {
            throw new PharosException("No .deb directory " + dir, "pharos.aptRepo.debDirectory",
                    "Build the packages first or point pharos.aptRepo.debDirectory at the directory holding them.");
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".deb") && Files.isRegularFile(p)).sorted()
                    .toList();
        } catch (IOException e) {
            throw new PharosException("Cannot list " + dir + ": " + e.getMessage(), "pharos.aptRepo.debDirectory",
                    "Check the directory's permissions.", e);
        }
    }

    /** Write the repository; up to date (nothing written) when the same inputs already produced it. */
    public static Result write(Request request, Console console) throws PharosException {
        if (request.debs().isEmpty()) {
            throw new PharosException("No .deb files to index", "pharos.aptRepo.debDirectory",
                    "Build the packages first or point pharos.aptRepo.debDirectory at a directory with .deb files.");
        }
        List<DebPackage> packages = readAll(request.debs(), Math.max(1, request.threads()));
        packages = sorted(packages);
        checkDuplicates(packages);

        byte[] packagesBytes = packagesIndex(packages);
        byte[] packagesGz = gzip(packagesBytes);
        byte[] release = release(request, packages, packagesBytes, packagesGz);

        Path dir = request.directory().toAbsolutePath().normalize();
        if (isUpToDate(dir, packages, packagesBytes, release)) {
            console.info("apt repository " + dir + " is up to date (" + packages.size() + " packages)");
            return new Result(dir, packages, true);
        }
        Path parent = dir.getParent();
        Path tmp = null;
        try {
            Files.createDirectories(parent);
            tmp = Files.createTempDirectory(parent, "." + dir.getFileName() + ".tmp-");
            readableByAll(tmp);
            for (DebPackage p : packages) {
                linkOrCopy(p.file(), tmp.resolve(p.canonicalFileName()));
            }
            Files.write(tmp.resolve("Packages"), packagesBytes);
            Files.write(tmp.resolve("Packages.gz"), packagesGz);
            Files.write(tmp.resolve("Release"), release);
            replaceDirectory(tmp, dir);
            tmp = null;
        } catch (IOException | UncheckedIOException e) {
            throw new PharosException("Cannot write apt repository " + dir + ": " + e.getMessage(),
                    "pharos.aptRepo.directory", "Check free space and permissions of the output directory.", e);
        } finally {
            if (tmp != null) {
                deleteTree(tmp);
            }
        }
        console.info("apt repository " + dir + ": " + packages.size() + " packages (use: deb [trusted=yes] file:"
                + dir + " ./)");
        return new Result(dir, packages, false);
    }

    static List<DebPackage> readAll(List<Path> debs, int threads) throws PharosException {
        if (threads == 1 || debs.size() < 4) {
            List<DebPackage> out = new ArrayList<>();
            for (Path p : debs) {
                out.add(DebReader.read(p));
            }
            return out;
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "pharos-deb-reader");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<DebPackage>> futures = new ArrayList<>();
            for (Path p : debs) {
                futures.add(pool.submit(() -> DebReader.read(p)));
            }
            List<DebPackage> out = new ArrayList<>();
            for (Future<DebPackage> f : futures) {
                try {
                    out.add(f.get());
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof PharosException pe) {
                        throw pe;
                    }
                    throw new IllegalStateException(e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new PharosException("Interrupted while reading packages", null, null, e);
                }
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    static List<DebPackage> sorted(List<DebPackage> packages) {
        return packages.stream().sorted(Comparator.comparing(DebPackage::packageName)
                .thenComparing(DebPackage::version, DebVersion.ORDER)
                .thenComparing(DebPackage::architecture)).toList();
    }

    private static void checkDuplicates(List<DebPackage> packages) throws PharosException {
        for (int i = 1; i < packages.size(); i++) {
            DebPackage a = packages.get(i - 1);
            DebPackage b = packages.get(i);
            if (a.packageName().equals(b.packageName()) && a.version().equals(b.version())
                    && a.architecture().equals(b.architecture())) {
                throw new PharosException("Two .debs are the same package " + a.packageName() + " " + a.version() + " "
                        + a.architecture() + ": " + a.file() + " and " + b.file(), "pharos.aptRepo.debDirectory",
                        "Remove one of them from the inputs.");
            }
        }
    }

    /** The {@code Packages} index: one stanza per package, fields in dpkg-scanpackages order. */
    public static byte[] packagesIndex(List<DebPackage> packages) {
        StringBuilder sb = new StringBuilder(packages.size() * 600);
        for (DebPackage p : packages) {
            Map<String, String> fields = new LinkedHashMap<>();
            p.control().fields().forEach((k, v) -> {
                // fields the archive computes itself are never copied from the package
                if (!Set.of("filename", "size", "md5sum", "sha1", "sha256", "sha512").contains(
                        k.toLowerCase(Locale.ROOT))) {
                    fields.put(k, v);
                }
            });
            fields.put("Filename", "./" + p.canonicalFileName());
            fields.put("Size", Long.toString(p.size()));
            fields.put("MD5sum", p.md5());
            fields.put("SHA256", p.sha256());
            List<String> names = new ArrayList<>(fields.keySet());
            names.sort(Comparator.comparingInt(AptRepository::rank));
            for (String name : names) {
                sb.append(name).append(": ").append(fields.get(name)).append('\n');
            }
            sb.append('\n');
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static int rank(String field) {
        for (int i = 0; i < FIELD_ORDER.size(); i++) {
            if (FIELD_ORDER.get(i).equalsIgnoreCase(field)) {
                return i;
            }
        }
        return FIELD_ORDER.size(); // stable sort keeps unknown fields in their original order, after the known ones
    }

    static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(data.length / 4 + 64);
        // java.util.zip writes MTIME 0 and no file name: the bytes depend on the content only
        try (GZIPOutputStream gz = new GZIPOutputStream(out, 1 << 16) {
            {
                def.setLevel(Deflater.BEST_COMPRESSION);
            }
        }) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static byte[] release(Request r, List<DebPackage> packages, byte[] packagesBytes, byte[] packagesGz) {
        Set<String> arches = new TreeSet<>();
        for (DebPackage p : packages) {
            if (!p.architecture().equals("all")) {
                arches.add(p.architecture());
            }
        }
        if (arches.isEmpty()) {
            arches.add("all");
        }
        StringBuilder sb = new StringBuilder();
        sb.append("Origin: ").append(r.origin()).append('\n');
        sb.append("Label: ").append(r.label()).append('\n');
        if (r.suite() != null && !r.suite().isBlank()) {
            sb.append("Suite: ").append(r.suite()).append('\n');
        }
        sb.append("Architectures: ").append(String.join(" ", arches)).append('\n');
        sb.append("Date: ").append(RFC_2822.format(r.date())).append('\n');
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("Packages", packagesBytes);
        files.put("Packages.gz", packagesGz);
        for (String[] algo : new String[][] {{"MD5Sum", "MD5"}, {"SHA256", "SHA-256"}}) {
            sb.append(algo[0]).append(":\n");
            files.forEach((name, bytes) -> sb.append(' ').append(hash(algo[1], bytes)).append(' ')
                    .append(String.format(Locale.ROOT, "%16d", bytes.length)).append(' ').append(name).append('\n'));
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Up to date when the indexes and Release are byte-identical and every package is there with its size. */
    private static boolean isUpToDate(Path dir, List<DebPackage> packages, byte[] packagesBytes, byte[] release) {
        try {
            if (!Files.isDirectory(dir) || !java.util.Arrays.equals(Files.readAllBytes(dir.resolve("Release")), release)
                    || !java.util.Arrays.equals(Files.readAllBytes(dir.resolve("Packages")), packagesBytes)) {
                return false;
            }
            for (DebPackage p : packages) {
                Path f = dir.resolve(p.canonicalFileName());
                if (!Files.isRegularFile(f) || Files.size(f) != p.size()) {
                    return false;
                }
            }
            try (Stream<Path> s = Files.list(dir)) {
                return s.count() == packages.size() + 3;
            }
        } catch (IOException e) {
            return false;
        }
    }

    private static String hash(String algorithm, byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void linkOrCopy(Path from, Path to) throws IOException {
        if (Files.exists(to)) {
            throw new FileAlreadyExistsException(to.toString());
        }
        try {
            Files.createLink(to, from);
        } catch (IOException | UnsupportedOperationException e) {
            Files.copy(from, to, StandardCopyOption.COPY_ATTRIBUTES);
        }
    }

    /**
     * Temporary directories are created rwx------; the published directory must be readable by apt's unprivileged
     * {@code _apt} user and by web servers: rwxr-xr-x.
     */
    static void readableByAll(Path dir) throws IOException {
        try {
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system: its defaults apply
        }
    }

    /** Move {@code fresh} to {@code target}, replacing a previous directory there (moved aside, then deleted). */
    static void replaceDirectory(Path fresh, Path target) throws IOException {
        Path old = null;
        if (Files.exists(target)) {
            old = target.resolveSibling("." + target.getFileName() + ".old-" + System.nanoTime());
            Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
        }
        Files.move(fresh, target, StandardCopyOption.ATOMIC_MOVE);
        if (old != null) {
            deleteTree(old);
        }
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }
}
