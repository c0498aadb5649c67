package ai.pharos.core.deb;

import ai.pharos.core.Console;
import ai.pharos.core.PharosException;
import ai.pharos.core.process.ProcessRunner;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Where the BeeGFS sources come from, and their identity for "up to date" decisions:
 * <ul>
 *   <li>a git repository URL (ends with {@code .git}, or {@code git+…}/{@code ssh://}/{@code git@}) and a tag:
 *       identity = the tag's commit. Clones are cached per URL and tag under the work directory (tags are
 *       treated as immutable), so a second build needs no network;</li>
 *   <li>a tarball ({@code .tar.gz}/{@code .tgz}/{@code .tar.xz}/{@code .tar.bz2}/{@code .tar}) by URL or path, with a
 *       REQUIRED sha256: identity = the sha256. Downloads are cached by checksum;</li>
 *   <li>a local directory: identity = {@link TreeHash} of its contents (VCS metadata excluded).</li>
 * </ul>
 * {@link #materialize(Path)} writes a fresh copy for the build: the user's tree is never modified.
 */
public final class BeegfsSource {
    public static final String DEFAULT_URL = "https://github.com/ThinkParQ/beegfs.git";
    public static final String DEFAULT_TAG = "8.3.1";

    public enum Kind { GIT, TARBALL, DIRECTORY }

    private final Kind kind;
    private final String location;
    private final String identity;
    private final Path tree;     // GIT, DIRECTORY: the tree to copy; TARBALL: the verified archive

    private BeegfsSource(Kind kind, String location, String identity, Path tree) {
        this.kind = kind;
        this.location = location;
        this.identity = identity;
        this.tree = tree;
    }

    public Kind kind() {
        return kind;
    }

    public String location() {
        return location;
    }

    /** Whether this is the Pharos test fixture (its root holds a {@code PHAROS-BEEGFS-FIXTURE} marker). */
    public boolean isFixture() {
        return kind != Kind.TARBALL && Files.isRegularFile(tree.resolve(FIXTURE_MARKER));
    }

    public static final String FIXTURE_MARKER = "PHAROS-BEEGFS-FIXTURE";

    /** {@code git:<commit>}, {@code sha256:<hex>} or {@code tree:<hex>}. */
    public String identity() {
        return identity;
    }

    /**
     * Resolve {@code source} (null or blank: the upstream repository). {@code cache} holds clones and downloads.
     */
    public static BeegfsSource resolve(String source, String tag, String sha256, Path cache, Console console)
            throws PharosException {
        String s = source == null || source.isBlank() ? DEFAULT_URL : source.strip();
        String lower = s.toLowerCase(Locale.ROOT);
        boolean tarball = lower.matches(".*\\.(tar\\.gz|tgz|tar\\.xz|txz|tar\\.bz2|tbz2|tar)([?#].*)?$");
        boolean remote = lower.matches("^(https?|ftp|file)://.*");
        boolean git = !tarball && (lower.endsWith(".git") || lower.endsWith(".git/") || lower.startsWith("git+")
                || lower.startsWith("ssh://") || lower.startsWith("git://") || lower.matches("^[^/]+@[^/]+:.*"));
        if (git) {
            return git(s.startsWith("git+") ? s.substring(4) : s, tag == null || tag.isBlank() ? DEFAULT_TAG : tag,
                    cache, console);
        }
        if (tarball) {
            return tarball(s, remote, sha256, cache, console);
        }
        Path dir = Path.of(s.startsWith("file://") ? URI.create(s).getPath() : s).toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            throw new PharosException("BeeGFS source " + dir + " does not exist or is not a directory",
                    "pharos.beegfs.source", "Point it at a BeeGFS source tree, a git URL ending in .git, or a "
                    + "tarball (.tar.gz/.tar.xz) with pharos.beegfs.sha256.");
        }
        if (!Files.isRegularFile(dir.resolve("debian/control")) || !Files.isRegularFile(dir.resolve("Makefile"))) {
            throw new PharosException("BeeGFS source " + dir + " has no Makefile and debian/control",
                    "pharos.beegfs.source", "Point it at the root of a BeeGFS source tree.");
        }
        try {
            return new BeegfsSource(Kind.DIRECTORY, dir.toString(), "tree:" + TreeHash.of(dir), dir);
        } catch (IOException e) {
            throw new PharosException("Cannot read BeeGFS source " + dir + ": " + e.getMessage(),
                    "pharos.beegfs.source", "Check the directory's permissions.", e);
        }
    }

    private static BeegfsSource git(String url, String tag, Path cache, Console console) throws PharosException {
        Path clone = cache.resolve("git").resolve(sha256Hex((url + "\n" + tag).getBytes(StandardCharsets.UTF_8))
                .substring(0, 16));
        Path marker = clone.resolve(".git/pharos-source");
        String expectedMarker = url + "\n" + tag + "\n";
        try {
            if (!(Files.isRegularFile(marker) && Files.readString(marker).equals(expectedMarker))) {
                AptRepository.deleteTree(clone);
                Files.createDirectories(clone.getParent());
                Path tmp = Files.createTempDirectory(clone.getParent(), ".clone-");
                console.info("Cloning BeeGFS " + url + " at tag " + tag);
                ProcessRunner.Result r = ProcessRunner.run(List.of("git", "-c", "advice.detachedHead=false",
                                "clone", "--quiet", "--depth", "1", "--branch", tag, url, tmp.toString()), null,
                        Map.of("GIT_TERMINAL_PROMPT", "0"), console::debug, console::debug);
                if (!r.ok()) {
                    AptRepository.deleteTree(tmp);
                    String why = r.stderrTail().isEmpty() ? "git exited with " + r.exitCode()
                            : String.join(" ", r.stderrTail()).strip();
                    throw new PharosException("Cannot fetch BeeGFS source " + url + " at tag " + tag + ": " + why,
                            "pharos.beegfs.source", "Make the repository reachable (or use a mirror), or build "
                            + "from a tarball (-Dpharos.beegfs.source=<url or file> -Dpharos.beegfs.sha256=<sha256>)"
                            + " or a local source directory.");
                }
                Files.writeString(tmp.resolve(".git/pharos-source"), expectedMarker);
                Files.move(tmp, clone, StandardCopyOption.ATOMIC_MOVE);
            }
            List<String> out = new ArrayList<>();
            ProcessRunner.Result r = ProcessRunner.run(List.of("git", "-C", clone.toString(), "rev-parse",
                    "HEAD"), null, Map.of(), out::add, console::debug);
            if (!r.ok() || out.isEmpty()) {
                throw new PharosException("Cannot read the commit of " + clone, "pharos.beegfs.source",
                        "Delete " + clone + " and build again.");
            }
            return new BeegfsSource(Kind.GIT, url + "@" + tag, "git:" + out.get(0).strip(), clone);
        } catch (IOException e) {
            throw new PharosException("Cannot prepare the clone of " + url + ": " + e.getMessage(),
                    "pharos.beegfs.source", "Check free space and permissions of the build directory.", e);
        }
    }

    private static BeegfsSource tarball(String s, boolean remote, String sha256, Path cache, Console console)
            throws PharosException {
        if (sha256 == null || !sha256.strip().toLowerCase(Locale.ROOT).matches("[0-9a-f]{64}")) {
            throw new PharosException("BeeGFS tarball " + s + " needs its sha256 (got "
                    + (sha256 == null || sha256.isBlank() ? "none" : "'" + sha256 + "'") + ")", "pharos.beegfs.sha256",
                    "Set pharos.beegfs.sha256 to the tarball's SHA-256 (64 hex digits, e.g. from sha256sum).");
        }
        String want = sha256.strip().toLowerCase(Locale.ROOT);
        String name = s.replaceAll("[?#].*$", "");
        name = name.substring(name.lastIndexOf('/') + 1);
        try {
            Path file;
            if (remote && !s.startsWith("file:")) {
                Path dir = cache.resolve("downloads");
                Files.createDirectories(dir);
                file = dir.resolve(want + "-" + name);
                if (!Files.isRegularFile(file) || !sha256Of(file).equals(want)) {
                    download(s, file, console);
                }
            } else {
                file = Path.of(s.startsWith("file:") ? URI.create(s).getPath() : s).toAbsolutePath();
                if (!Files.isRegularFile(file)) {
                    throw new PharosException("BeeGFS tarball " + file + " does not exist", "pharos.beegfs.source",
                            "Point pharos.beegfs.source at an existing tarball, URL or directory.");
                }
            }
            String got = sha256Of(file);
            if (!got.equals(want)) {
                if (remote) {
                    Files.deleteIfExists(file);
                }
                throw new PharosException("Checksum mismatch for BeeGFS tarball " + s + ": sha256 is " + got
                        + ", expected " + want, "pharos.beegfs.sha256",
                        "Check that the tarball is the release you want, then set pharos.beegfs.sha256 to its "
                        + "published checksum.");
            }
            return new BeegfsSource(Kind.TARBALL, s, "sha256:" + got, file);
        } catch (IOException e) {
            throw new PharosException("Cannot read BeeGFS tarball " + s + ": " + e.getMessage(),
                    "pharos.beegfs.source", "Check the path and permissions.", e);
        }
    }

    private static void download(String url, Path file, Console console) throws PharosException, IOException {
        console.info("Downloading " + url);
        Path tmp = Files.createTempFile(file.getParent(), ".download-", ".part");
        try {
            HttpClient client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                    .connectTimeout(Duration.ofSeconds(30)).build();
            HttpResponse<Path> response = client.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
                    HttpResponse.BodyHandlers.ofFile(tmp));
            if (response.statusCode() != 200) {
                throw new PharosException("Cannot download BeeGFS tarball " + url + ": HTTP " + response.statusCode(),
                        "pharos.beegfs.source", "Check the URL, or download it yourself and pass the file.");
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PharosException("Download of " + url + " interrupted", "pharos.beegfs.source", null, e);
        } catch (IOException | IllegalArgumentException e) {
            throw new PharosException("Cannot download BeeGFS tarball " + url + ": " + e, "pharos.beegfs.source",
                    "Check the URL and the network, or download it yourself and pass the file.", e);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Write a fresh copy of the source tree into {@code dest} (which must not exist). */
    public void materialize(Path dest) throws PharosException {
        try {
            if (kind == Kind.TARBALL) {
                extract(tree, dest);
            } else {
                copyTree(tree, dest);
            }
        } catch (IOException e) {
            throw new PharosException("Cannot copy the BeeGFS source " + location + " to " + dest + ": "
                    + e.getMessage(), "pharos.beegfs.source", "Check free space in the build directory.", e);
        }
    }

    static void copyTree(Path from, Path to) throws IOException {
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                if (!dir.equals(from) && TreeHash.excluded(from, dir)) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                Files.createDirectories(to.resolve(from.relativize(dir).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Path target = to.resolve(from.relativize(file).toString());
                if (attrs.isSymbolicLink()) {
                    Files.createSymbolicLink(target, Files.readSymbolicLink(file));
                } else {
                    Files.copy(file, target, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** Extract a tarball, dropping its single top-level directory when it has one. */
    static void extract(Path archive, Path dest) throws IOException {
        Files.createDirectories(dest);
        String strip = commonTopDirectory(archive);
        try (InputStream in = tarStream(archive); TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                String name = e.getName();
                if (name.startsWith("./")) {
                    name = name.substring(2);
                }
                if (strip != null) {
                    name = name.equals(strip) || name.equals(strip + "/") ? "" : name.substring(strip.length() + 1);
                }
                if (name.isEmpty() || e.getName().startsWith("pax_global_header")) {
                    continue;
                }
                Path out = dest.resolve(name).normalize();
                if (!out.startsWith(dest)) {
                    throw new IOException("entry escapes the extraction directory: " + e.getName());
                }
                if (e.isDirectory()) {
                    Files.createDirectories(out);
                } else if (e.isSymbolicLink()) {
                    Files.createDirectories(out.getParent());
                    Files.createSymbolicLink(out, Path.of(e.getLinkName()));
                } else if (e.isLink()) {
                    Files.createDirectories(out.getParent());
                    Files.createLink(out, dest.resolve(stripped(e.getLinkName(), strip)));
                } else if (e.isFile()) {
                    Files.createDirectories(out.getParent());
                    Files.copy(tar, out);
                    if ((e.getMode() & 0111) != 0) {
                        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(out);
                        perms.add(PosixFilePermission.OWNER_EXECUTE);
                        perms.add(PosixFilePermission.GROUP_EXECUTE);
                        perms.add(PosixFilePermission.OTHERS_EXECUTE);
                        Files.setPosixFilePermissions(out, perms);
                    }
                }
            }
        }
    }

    private static String stripped(String name, String strip) {
        if (name.startsWith("./")) {
            name = name.substring(2);
        }
        return strip == null ? name : name.substring(strip.length() + 1);
    }

    private static String commonTopDirectory(Path archive) throws IOException {
        String top = null;
        try (InputStream in = tarStream(archive); TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                String name = e.getName();
                if (name.startsWith("./")) {
                    name = name.substring(2);
                }
                if (name.isEmpty() || name.startsWith("pax_global_header")) {
                    continue;
                }
                int slash = name.indexOf('/');
                String first = slash < 0 ? name : name.substring(0, slash);
                if (slash < 0 && !e.isDirectory()) {
                    return null; // a file at the top level
                }
                if (top == null) {
                    top = first;
                } else if (!top.equals(first)) {
                    return null;
                }
            }
        }
        return top;
    }

    private static InputStream tarStream(Path archive) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(archive), 1 << 16);
        String n = archive.getFileName().toString().toLowerCase(Locale.ROOT);
        if (n.endsWith(".gz") || n.endsWith(".tgz")) {
            return new GzipCompressorInputStream(raw, true);
        }
        if (n.endsWith(".xz") || n.endsWith(".txz")) {
            return new XZCompressorInputStream(raw);
        }
        if (n.endsWith(".bz2") || n.endsWith(".tbz2")) {
            return new BZip2CompressorInputStream(raw, true);
        }
        return raw;
    }

    static String sha256Of(Path file) throws IOException {
        MessageDigest sha = sha256();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                sha.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    static String sha256Hex(byte[] bytes) {
        return HexFormat.of().formatHex(sha256().digest(bytes));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

}
