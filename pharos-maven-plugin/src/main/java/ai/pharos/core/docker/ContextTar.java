package ai.pharos.core.docker;

import ai.pharos.core.PharosException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Writes a Docker build context tar from a directory, the way the Docker CLI does (same walk, same
 * {@code .dockerignore} semantics, see {@link DockerIgnore}) but reproducibly: entries in walk order (each
 * directory's children sorted by their UTF-8 bytes), every mtime set to one given instant (whole seconds), uid/gid 0,
 * empty user/group names, permission bits kept (exec, setuid/setgid/sticky), symlinks as symlinks, directories as
 * entries, long and non-ASCII names as PAX headers. Nothing else of the file system leaks in (no atime/ctime, no
 * owner, no xattrs), so the same tree gives the same bytes.
 *
 * <p>As with the CLI, the Dockerfile and {@code .dockerignore} are always sent even when {@code .dockerignore}
 * excludes them (the daemon reads them, then drops them from what {@code COPY} sees when they are excluded). A
 * Dockerfile outside the context directory is added as {@code .dockerfile.<first 20 hex of its sha256>} and that name
 * is listed in the sent {@code .dockerignore} so the daemon drops it again; when the context has no
 * {@code .dockerignore}, a synthesized one lists itself too, so {@code COPY .} sees exactly the context directory
 * (the CLI would leave its synthesized {@code .dockerignore} in the image; this does not).
 *
 * <p>The tar streams to the caller's stream: file contents are never held in memory. Hard links are written as
 * separate regular files; sockets are skipped; FIFOs and device nodes fail the build (a context has no use for them).
 */
public final class ContextTar {

    /** Name the daemon looks for when no Dockerfile is named. */
    public static final String DEFAULT_DOCKERFILE = "Dockerfile";

    /**
     * What was sent.
     *
     * @param dockerfile   the Dockerfile's path inside the tar: pass it as the build's {@code dockerfile}
     * @param sentPaths    entry names in tar order (directories without trailing {@code /})
     * @param tarBytes     size of the tar stream written
     * @param contentBytes sum of the sizes of the regular files sent
     * @param entryCount   number of entries (= {@code sentPaths.size()})
     * @param sha256       hex sha256 of the tar bytes
     * @param copySet      paths {@code COPY . /dst} would create below {@code /dst}: everything sent plus implied
     *                     parent directories, minus the Dockerfile / {@code .dockerignore} when the daemon drops them
     */
    public record Summary(String dockerfile, List<String> sentPaths, long tarBytes, long contentBytes,
                          int entryCount, String sha256, SortedSet<String> copySet) {
    }

    private ContextTar() {
    }

    /**
     * Write the context of {@code contextDir} (honouring its {@code .dockerignore}) to {@code out}, which is
     * flushed but not closed. {@code dockerfile} may be null ({@code <contextDir>/Dockerfile}), relative (to
     * {@code contextDir}) or absolute, inside or outside the context.
     */
    public static Summary write(Path contextDir, Path dockerfile, Instant mtime, OutputStream out)
            throws PharosException {
        return write(contextDir, DockerIgnore.read(contextDir), dockerfile, mtime, out);
    }

    /**
     * As {@link #write(Path, Path, Instant, OutputStream)} with the patterns given explicitly. {@code ignore} must be
     * the content of {@code <contextDir>/.dockerignore} (the daemon re-reads that file from the tar).
     */
    public static Summary write(Path contextDir, DockerIgnore ignore, Path dockerfile, Instant mtime,
                                OutputStream out) throws PharosException {
        Path root = contextDir.toAbsolutePath().normalize();
        if (!Files.isDirectory(root)) {
            throw new PharosException("Build context directory " + root + " does not exist",
                    "pharos.build.contextDirectory", "Point it at the directory to send to the Docker build.");
        }
        Path df = dockerfile == null ? root.resolve(DEFAULT_DOCKERFILE) : root.resolve(dockerfile).normalize();
        if (!Files.isRegularFile(df)) {
            throw new PharosException("Dockerfile " + df + " does not exist", "pharos.build.dockerfile",
                    "Create it or point pharos.build.dockerfile at the Dockerfile.");
        }
        FileTime time = FileTime.from(mtime.truncatedTo(ChronoUnit.SECONDS));

        boolean inside = df.startsWith(root);
        String dfName;
        byte[] externalDockerfile = null;
        DockerIgnore effective = ignore;
        try {
            if (ignore.matchesLegacy(DockerIgnore.FILE_NAME)) {
                effective = effective.plus("!" + DockerIgnore.FILE_NAME);
            }
            if (inside) {
                dfName = root.relativize(df).toString().replace('\\', '/');
                if (ignore.matchesLegacy(dfName)) {
                    effective = effective.plus("!" + dfName);
                }
            } else {
                externalDockerfile = Files.readAllBytes(df);
                dfName = ".dockerfile." + hex(sha256(externalDockerfile)).substring(0, 20);
            }
        } catch (IOException e) {
            throw new PharosException("Cannot read Dockerfile " + df + ": " + e.getMessage(),
                    "pharos.build.dockerfile", "Make the Dockerfile readable.", e);
        }

        MessageDigest digest = sha256Digest();
        CountingStream counting = new CountingStream(new DigestOutputStream(new NonClosing(out), digest));
        Writer w = new Writer(root, effective, time, counting, dfName, externalDockerfile);
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(counting, StandardCharsets.UTF_8.name())) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            tar.setAddPaxHeadersForNonAsciiNames(true);
            w.tar = tar;
            w.walk(root, "", null);
            w.appendExtras();
            tar.finish();
        } catch (IOException e) {
            String why = e instanceof java.nio.file.FileSystemException fse && fse.getReason() == null
                    ? e.getClass().getSimpleName().replace("Exception", "") + " " + fse.getFile()
                    : e.getMessage();
            throw new PharosException("Cannot write the build context of " + root + ": " + why,
                    "pharos.build.contextDirectory",
                    "Make every file in the context readable, or exclude it in .dockerignore.", e);
        }

        SortedSet<String> copySet = new TreeSet<>();
        for (String p : w.sent) {
            for (String q = p; !q.isEmpty(); q = parent(q)) {
                copySet.add(q);
            }
        }
        if (w.sentIgnoreText != null) {
            DockerIgnore daemon = DockerIgnore.parse(w.sentIgnoreText, "the sent .dockerignore");
            for (String f : List.of(DockerIgnore.FILE_NAME, dfName)) {
                if (daemon.matches(f)) {
                    copySet.remove(f);
                }
            }
        }
        return new Summary(dfName, List.copyOf(w.sent), counting.count, w.contentBytes, w.sent.size(),
                hex(digest.digest()), Collections.unmodifiableSortedSet(copySet));
    }

    private static final class Writer {
        final Path root;
        final DockerIgnore ignore;
        final FileTime time;
        final CountingStream counting;
        final String dfName;
        final byte[] externalDockerfile;
        final List<String> sent = new ArrayList<>();
        TarArchiveOutputStream tar;
        long contentBytes;
        String sentIgnoreText;

        Writer(Path root, DockerIgnore ignore, FileTime time, CountingStream counting, String dfName,
               byte[] externalDockerfile) {
            this.root = root;
            this.ignore = ignore;
            this.time = time;
            this.counting = counting;
            this.dfName = dfName;
            this.externalDockerfile = externalDockerfile;
        }

        void walk(Path dir, String rel, DockerIgnore.MatchInfo parentInfo) throws IOException {
            List<Path> children;
            try (Stream<Path> s = Files.list(dir)) {
                children = new ArrayList<>(s.toList());
            }
            children.sort((a, b) -> Arrays.compareUnsigned(nameBytes(a), nameBytes(b)));
            for (Path child : children) {
                String name = child.getFileName().toString();
                if (name.indexOf('\uFFFD') >= 0) {
                    throw new IOException("file name in " + dir + " is not valid in the JVM's file name encoding ("
                            + System.getProperty("sun.jnu.encoding") + "); run the build with LANG=C.UTF-8");
                }
                String path = rel.isEmpty() ? name : rel + "/" + name;
                int mode = (Integer) Files.getAttribute(child, "unix:mode", LinkOption.NOFOLLOW_LINKS);
                int type = mode & 0170000;
                DockerIgnore.WalkMatch m = ignore.matchInWalk(path, parentInfo);
                boolean isDir = type == 0040000;
                if (m.excluded()) {
                    if (isDir && ignore.mayReincludeUnder(path)) {
                        walk(child, path, m.info());
                    }
                    continue;
                }
                switch (type) {
                    case 0040000:
                        put(entry(path + "/", TarConstants.LF_DIR, 0040000 | (mode & 07777)), null, 0);
                        walk(child, path, m.info());
                        break;
                    case 0100000:
                        writeFile(child, path, mode);
                        break;
                    case 0120000: {
                        TarArchiveEntry e = entry(path, TarConstants.LF_SYMLINK, 0120777);
                        e.setLinkName(Files.readSymbolicLink(child).toString());
                        put(e, null, 0);
                        break;
                    }
                    case 0140000:
                        break; // sockets: Docker skips them too
                    default:
                        throw new IOException(path + " is a FIFO or device node; exclude it in .dockerignore");
                }
            }
        }

        private void writeFile(Path file, String path, int mode) throws IOException {
            if (externalDockerfile == null && path.equals(DockerIgnore.FILE_NAME)) {
                // sent as is; remember its text for the daemon-side removal rule
                sentIgnoreText = Files.readString(file, StandardCharsets.UTF_8);
            }
            if (externalDockerfile != null && path.equals(DockerIgnore.FILE_NAME)) {
                byte[] original = Files.readAllBytes(file);
                byte[] amended = concat(original, ("\n" + dfName + "\n").getBytes(StandardCharsets.UTF_8));
                sentIgnoreText = new String(amended, StandardCharsets.UTF_8);
                putBytes(path, 0100000 | (mode & 07777), amended);
                return;
            }
            long size = Files.size(file);
            TarArchiveEntry e = entry(path, TarConstants.LF_NORMAL, 0100000 | (mode & 07777));
            e.setSize(size);
            try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
                put(e, in, size);
            }
            contentBytes += size;
        }

        void appendExtras() throws IOException {
            if (externalDockerfile == null) {
                return;
            }
            putBytes(dfName, 0100600, externalDockerfile);
            if (sentIgnoreText == null) {
                byte[] synthesized = (DockerIgnore.FILE_NAME + "\n" + dfName + "\n").getBytes(StandardCharsets.UTF_8);
                sentIgnoreText = new String(synthesized, StandardCharsets.UTF_8);
                putBytes(DockerIgnore.FILE_NAME, 0100644, synthesized);
            }
        }

        private void putBytes(String path, int mode, byte[] content) throws IOException {
            TarArchiveEntry e = entry(path, TarConstants.LF_NORMAL, mode);
            e.setSize(content.length);
            put(e, new java.io.ByteArrayInputStream(content), content.length);
            contentBytes += content.length;
        }

        private TarArchiveEntry entry(String name, byte flag, int mode) {
            TarArchiveEntry e = new TarArchiveEntry(name, flag);
            e.setMode(mode);
            e.setLastModifiedTime(time);
            e.setIds(0, 0);
            e.setNames("", "");
            return e;
        }

        private void put(TarArchiveEntry e, InputStream in, long size) throws IOException {
            tar.putArchiveEntry(e);
            if (in != null) {
                byte[] buf = new byte[65536];
                long left = size;
                while (left > 0) {
                    int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                    if (n < 0) {
                        throw new IOException(e.getName() + " shrank while the context was being written");
                    }
                    tar.write(buf, 0, n);
                    left -= n;
                }
            }
            tar.closeArchiveEntry();
            String name = e.getName();
            sent.add(name.endsWith("/") ? name.substring(0, name.length() - 1) : name);
        }
    }

    private static byte[] nameBytes(Path p) {
        return p.getFileName().toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String parent(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? "" : path.substring(0, slash);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }

    private static byte[] sha256(byte[] data) {
        return sha256Digest().digest(data);
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    /** Keeps the caller's stream open when the tar stream is closed. */
    private static final class NonClosing extends FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            out.flush();
        }
    }

    private static final class CountingStream extends FilterOutputStream {
        long count;

        CountingStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }

}
