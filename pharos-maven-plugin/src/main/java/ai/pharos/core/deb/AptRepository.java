package ai.pharos.core.deb;

import ai.pharos.core.Console;
import ai.pharos.core.PharosException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
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
     * @param digestCache where to keep what was read about each package for the next run ({@link DigestCache}), or
     *                  null to read every package every time
     */
    public record Request(List<Path> debs, Path directory, Instant date, String origin, String label, String suite,
                          int threads, Path digestCache) {
        /** Without a digest cache. */
        public Request(List<Path> debs, Path directory, Instant date, String origin, String label, String suite,
                       int threads) {
            this(debs, directory, date, origin, label, suite, threads, null);
        }
    }

    /**
     * What was written.
     *
     * @param fromCache how many packages were not read because the digest cache knew them unchanged
     */
    public record Result(Path directory, List<DebPackage> packages, boolean upToDate, int fromCache) {
    }

    private AptRepository() {
    }

    /** The {@code .deb} files directly inside {@code dir}, sorted by name. */
    public static List<Path> debsIn(Path dir) throws PharosException {
        if (!Files.isDirectory(dir)) {
            throw new PharosException("No .deb directory " + dir, "pharos.aptRepo.debDirectory",
                    "Build the packages first or point pharos.aptRepo.debDirectory at the directory holding them.");
        }
        List<Path> debs = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) {
                if (p.getFileName().toString().endsWith(".deb") && Files.isRegularFile(p)) {
                    debs.add(p);
                }
            }
        } catch (IOException e) {
            throw new PharosException("Cannot list " + dir + ": " + e.getMessage(), "pharos.aptRepo.debDirectory",
                    "Check the directory's permissions.", e);
        }
        Collections.sort(debs);
        return debs;
    }

    /** Write the repository; up to date (nothing written) when the same inputs already produced it. */
    public static Result write(Request request, Console console) throws PharosException {
        if (request.debs().isEmpty()) {
            throw new PharosException("No .deb files to index", "pharos.aptRepo.debDirectory",
                    "Build the packages first or point pharos.aptRepo.debDirectory at a directory with .deb files.");
        }
        return write(request, console, DigestCache.SETTLE);
    }

    /** As {@link #write(Request, Console)}; {@code settle}: see {@link DigestCache#SETTLE} (tests use less). */
    static Result write(Request request, Console console, Duration settle) throws PharosException {
        DigestCache cache = openCache(request.digestCache(), settle, console);
        try {
            Result result = index(request, console, cache);
            if (cache != null) {
                try {
                    cache.save();
                } catch (IOException e) {
                    console.warn("Could not save the digest cache " + request.digestCache() + " (" + e.getMessage()
                            + "); the next run reads every package again");
                }
            }
            return result;
        } finally {
            if (cache != null) {
                cache.discard();
            }
        }
    }

    private static DigestCache openCache(Path file, Duration settle, Console console) {
        if (file == null) {
            return null;
        }
        try {
            return DigestCache.open(file, settle);
        } catch (IOException e) {
            console.warn("Digest cache " + file + " unusable (" + e.getMessage() + "): reading every package");
            return null;
        }
    }

    private static Result index(Request request, Console console, DigestCache cache) throws PharosException {
        List<DebPackage> packages = readAll(request.debs(), Math.max(1, request.threads()), cache);
        int fromCache = cache == null ? 0 : cache.hits();
        packages = sorted(packages);
        checkDuplicates(packages);

        byte[] packagesBytes = packagesIndex(packages);
        byte[] packagesGz = gzip(packagesBytes);
        byte[] release = release(request, packages, packagesBytes, packagesGz);

        Path dir = request.directory().toAbsolutePath().normalize();
        String cached = fromCache == 0 ? "" : ", " + fromCache + " known unchanged from the digest cache";
        if (isUpToDate(dir, packages, packagesBytes, release)) {
            console.info("apt repository " + dir + " is up to date (" + packages.size() + " packages" + cached + ")");
            return new Result(dir, packages, true, fromCache);
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
        console.info("apt repository " + dir + ": " + packages.size() + " packages" + cached
                + " (use: deb [trusted=yes] file:" + dir + " ./)");
        return new Result(dir, packages, false, fromCache);
    }

    /**
     * Read every package, {@code threads} at a time (plain threads taking the next file from a shared counter: no
     * executor to set up for one burst of work); the results keep the order of {@code debs}.
     */
    static List<DebPackage> readAll(List<Path> debs, int threads, DigestCache cache) throws PharosException {
        int n = debs.size();
        DebPackage[] out = new DebPackage[n];
        int workers = Math.min(threads, n / 2);
        if (workers <= 1) {
            for (int i = 0; i < n; i++) {
                out[i] = read(debs.get(i), cache);
            }
            return Arrays.asList(out);
        }
        AtomicInteger next = new AtomicInteger();
        PharosException[] failure = new PharosException[1];
        Throwable[] crash = new Throwable[1];
        Runnable work = new Runnable() {
            @Override
            public void run() {
                int i;
                while ((i = next.getAndIncrement()) < n) {
                    try {
                        out[i] = read(debs.get(i), cache);
                    } catch (PharosException e) {
                        synchronized (failure) {
                            if (failure[0] == null) {
                                failure[0] = e;
                            }
                        }
                        next.set(n);
                    } catch (RuntimeException | Error e) {
                        synchronized (failure) {
                            crash[0] = e;
                        }
                        next.set(n);
                    }
                }
            }
        };
        Thread[] helpers = new Thread[workers - 1];
        for (int t = 0; t < helpers.length; t++) {
            helpers[t] = new Thread(work, "pharos-deb-reader-" + (t + 1));
            helpers[t].setDaemon(true);
            helpers[t].start();
        }
        work.run(); // the calling thread is one of the workers
        try {
            for (Thread t : helpers) {
                t.join();
            }
        } catch (InterruptedException e) {
            next.set(n);
            Thread.currentThread().interrupt();
            throw new PharosException("Interrupted while reading packages", null, null, e);
        }
        synchronized (failure) {
            if (failure[0] != null) {
                throw failure[0];
            }
            if (crash[0] != null) {
                throw new IllegalStateException(crash[0]);
            }
        }
        return Arrays.asList(out);
    }

    /** One package: from the digest cache when it knows the file unchanged, else read (and remembered). */
    private static DebPackage read(Path deb, DigestCache cache) throws PharosException {
        if (cache == null) {
            return DebReader.read(deb);
        }
        DigestCache.Stamp before = DigestCache.Stamp.of(deb);
        DebPackage known = cache.lookup(deb, before);
        if (known != null) {
            return known;
        }
        DebPackage p = DebReader.read(deb);
        cache.remember(p, before, DigestCache.Stamp.of(deb));
        return p;
    }

    static List<DebPackage> sorted(List<DebPackage> packages) {
        List<DebPackage> sorted = new ArrayList<>(packages);
        sorted.sort(STANZA_ORDER);
        return Collections.unmodifiableList(sorted);
    }

    /** Package name, then version (Debian order), then architecture. */
    private static final Comparator<DebPackage> STANZA_ORDER = new Comparator<>() {
        @Override
        public int compare(DebPackage a, DebPackage b) {
            int c = a.packageName().compareTo(b.packageName());
            if (c == 0) {
                c = DebVersion.compare(a.version(), b.version());
            }
            return c != 0 ? c : a.architecture().compareTo(b.architecture());
        }
    };

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
        StringBuilder sb = new StringBuilder(packages.size() * 700);
        List<String[]> fields = new ArrayList<>();
        for (DebPackage p : packages) {
            fields.clear();
            for (Map.Entry<String, String> f : p.control().fields().entrySet()) {
                // fields the archive computes itself are never copied from the package
                if (!COMPUTED.contains(f.getKey().toLowerCase(Locale.ROOT))) {
                    fields.add(new String[] {f.getKey(), f.getValue()});
                }
            }
            fields.add(new String[] {"Filename", "./" + p.canonicalFileName()});
            fields.add(new String[] {"Size", Long.toString(p.size())});
            fields.add(new String[] {"MD5sum", p.md5()});
            fields.add(new String[] {"SHA256", p.sha256()});
            fields.sort(BY_RANK); // stable: unknown fields keep their original order, after the known ones
            for (String[] f : fields) {
                sb.append(f[0]).append(": ").append(f[1]).append('\n');
            }
            sb.append('\n');
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static final Set<String> COMPUTED = Set.of("filename", "size", "md5sum", "sha1", "sha256", "sha512");

    private static final Map<String, Integer> RANK = new HashMap<>();

    static {
        for (int i = 0; i < FIELD_ORDER.size(); i++) {
            RANK.put(FIELD_ORDER.get(i).toLowerCase(Locale.ROOT), i);
        }
    }

    private static final Comparator<String[]> BY_RANK = new Comparator<>() {
        @Override
        public int compare(String[] a, String[] b) {
            return Integer.compare(rank(a[0]), rank(b[0]));
        }
    };

    private static int rank(String field) {
        Integer r = RANK.get(field.toLowerCase(Locale.ROOT));
        return r == null ? FIELD_ORDER.size() : r;
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
        sb.append("Date: ").append(rfc2822(r.date())).append('\n');
        String[] names = {"Packages", "Packages.gz"};
        byte[][] contents = {packagesBytes, packagesGz};
        for (String[] algo : new String[][] {{"MD5Sum", "MD5"}, {"SHA256", "SHA-256"}}) {
            sb.append(algo[0]).append(":\n");
            for (int i = 0; i < names.length; i++) {
                String size = Integer.toString(contents[i].length);
                sb.append(' ').append(hash(algo[1], contents[i])).append(' ').append(" ".repeat(Math.max(0,
                        16 - size.length()))).append(size).append(' ').append(names[i]).append('\n');
            }
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static final String[] DAYS = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    private static final String[] MONTHS = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
        "Dec"};

    /** {@code Thu, 01 Jan 1970 00:00:01 UTC}: the date format of Debian's Release files (always in English, UTC). */
    static String rfc2822(Instant instant) {
        OffsetDateTime t = instant.atOffset(ZoneOffset.UTC);
        return DAYS[t.getDayOfWeek().ordinal()] + ", " + two(t.getDayOfMonth()) + " " + MONTHS[t.getMonthValue() - 1]
                + " " + t.getYear() + " " + two(t.getHour()) + ":" + two(t.getMinute()) + ":" + two(t.getSecond())
                + " UTC";
    }

    private static String two(int n) {
        return n < 10 ? "0" + n : Integer.toString(n);
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
