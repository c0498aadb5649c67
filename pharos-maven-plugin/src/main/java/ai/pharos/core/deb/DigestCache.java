package ai.pharos.core.deb;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What earlier runs learnt about {@code .deb} files — size, MD5, SHA-256, control paragraph, member names — so that
 * indexing a package that has not changed does not read it again (apt-ftparchive's {@code --db}). An entry is used only
 * when the file's device, inode, size and modification time (ns) all still match: the quick check of rsync, Gradle and
 * apt-ftparchive, with the inode added, so a package replaced by a rename is read again. Not ctime: linking the
 * packages into the repository (and unlinking the previous one) changes it on every write.
 *
 * <p>Racy entries are never stored: a file whose mtime is not at least {@link #SETTLE} older than the start of the
 * run (read from the file system's own clock, on a file created in the cache's directory) could be rewritten within
 * the same timestamp tick without its mtime changing. Freshly built packages are therefore read again by the next
 * run and served from the cache from the run after that.
 *
 * <p>The file is only a cache: one that is missing, from another format version or damaged is ignored (everything is
 * read) and replaced; it is written to a temporary file and renamed, and holds the entries of the last run only.
 */
final class DigestCache {
    /** How much older than the run a file's mtime must be for its entry to be stored (coarse clocks, NFS). */
    static final Duration SETTLE = Duration.ofSeconds(2);
    private static final String MAGIC = "pharos apt-repo digest cache 1 (dev, ino, size, mtime)";
    private static final int MAX_STRING = 1 << 24;

    /** A file's identity and change stamp; null from {@link #of} where the file system has no POSIX attributes. */
    record Stamp(long device, long inode, long size, long mtimeNanos) {
        static Stamp of(Path file) {
            try {
                Map<String, Object> a = Files.readAttributes(file, "unix:dev,ino,size,lastModifiedTime");
                return new Stamp((Long) a.get("dev"), (Long) a.get("ino"), (Long) a.get("size"),
                        nanos((FileTime) a.get("lastModifiedTime")));
            } catch (IOException | UnsupportedOperationException | IllegalArgumentException | ClassCastException e) {
                return null;
            }
        }

        // written out: a record's generated equals/hashCode bootstrap method handles, ~30 ms on a cold JVM
        @Override
        public boolean equals(Object o) {
            return o instanceof Stamp s && device == s.device && inode == s.inode && size == s.size
                    && mtimeNanos == s.mtimeNanos;
        }

        @Override
        public int hashCode() {
            return Long.hashCode(inode) * 31 + Long.hashCode(mtimeNanos);
        }

        /** Old enough, on the file system's clock, that a later rewrite must change the stamp. */
        boolean settledBefore(FileTime runStart, Duration settle) {
            return mtimeNanos < nanos(runStart) - settle.toNanos();
        }
    }

    private record Entry(Stamp stamp, String md5, String sha256, String controlMember, String dataMember,
                         Map<String, String> fields) {
    }

    private final Path file;
    private final Map<String, Entry> previous;
    private final Map<String, Entry> current = new ConcurrentHashMap<>();
    private final AtomicInteger hits = new AtomicInteger();
    private final Duration settle;
    private Path pending;
    private FileTime runStart;

    private DigestCache(Path file, Map<String, Entry> previous, Duration settle) {
        this.file = file;
        this.previous = previous;
        this.settle = settle;
    }

    /** The cache at {@code file}, or an empty one if it is missing or unreadable; marks the start of the run. */
    static DigestCache open(Path file, Duration settle) throws IOException {
        DigestCache cache = new DigestCache(file, read(file), settle);
        Path dir = Files.createDirectories(file.toAbsolutePath().getParent());
        // the run's start on the file system's clock, the clock its files' timestamps come from
        cache.pending = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
        cache.runStart = Files.getLastModifiedTime(cache.pending);
        return cache;
    }

    /** How many packages {@link #lookup} served in this run. */
    int hits() {
        return hits.get();
    }

    /** The package as an earlier run read it, if {@code deb} has not changed since; else null. */
    DebPackage lookup(Path deb, Stamp stamp) {
        Entry e = stamp == null ? null : previous.get(key(deb));
        if (e == null || !e.stamp().equals(stamp)) {
            return null;
        }
        current.put(key(deb), e);
        hits.incrementAndGet();
        return new DebPackage(deb, stamp.size(), e.md5(), e.sha256(), new DebControl(e.fields()), e.controlMember(),
                e.dataMember());
    }

    /**
     * Remember a package just read, if the file was the same before and after the read ({@code before},
     * {@code after}) and settled before the run started.
     */
    void remember(DebPackage p, Stamp before, Stamp after) {
        if (before != null && before.equals(after) && before.size() == p.size()
                && before.settledBefore(runStart, settle)) {
            current.put(key(p.file()), new Entry(before, p.md5(), p.sha256(), p.controlMember(), p.dataMember(),
                    p.control().fields()));
        }
    }

    /** Replace the cache file with this run's entries (temporary file, then rename). */
    void save() throws IOException {
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(pending),
                1 << 16))) {
            out.writeUTF(MAGIC);
            Map<String, Entry> sorted = new TreeMap<>(current);
            out.writeInt(sorted.size());
            for (Map.Entry<String, Entry> me : sorted.entrySet()) {
                Entry e = me.getValue();
                writeString(out, me.getKey());
                Stamp s = e.stamp();
                out.writeLong(s.device());
                out.writeLong(s.inode());
                out.writeLong(s.size());
                out.writeLong(s.mtimeNanos());
                writeString(out, e.md5());
                writeString(out, e.sha256());
                writeString(out, e.controlMember());
                writeString(out, e.dataMember());
                out.writeInt(e.fields().size());
                for (Map.Entry<String, String> f : e.fields().entrySet()) {
                    writeString(out, f.getKey());
                    writeString(out, f.getValue());
                }
            }
        }
        Files.move(pending, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        pending = null;
    }

    /** Drop the temporary file of a run that failed (the previous cache file stays as it was). */
    void discard() {
        if (pending != null) {
            try {
                Files.deleteIfExists(pending);
            } catch (IOException ignored) {
                // best effort: a stray temporary file is never read
            }
            pending = null;
        }
    }

    private static String key(Path deb) {
        return deb.toAbsolutePath().normalize().toString();
    }

    private static Map<String, Entry> read(Path file) {
        if (!Files.isRegularFile(file)) {
            return Map.of();
        }
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            if (!MAGIC.equals(in.readUTF())) {
                return Map.of();
            }
            int n = in.readInt();
            Map<String, Entry> entries = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                String path = readString(in);
                Stamp s = new Stamp(in.readLong(), in.readLong(), in.readLong(), in.readLong());
                String md5 = readString(in);
                String sha256 = readString(in);
                String controlMember = readString(in);
                String dataMember = readString(in);
                int fieldCount = in.readInt();
                if (fieldCount < 0 || fieldCount > 10_000) {
                    return Map.of();
                }
                Map<String, String> fields = new LinkedHashMap<>();
                for (int f = 0; f < fieldCount; f++) {
                    fields.put(readString(in), readString(in));
                }
                entries.put(path, new Entry(s, md5, sha256, controlMember, dataMember, fields));
            }
            if (in.read() != -1) {
                return Map.of(); // trailing bytes: not a file this code wrote
            }
            return Collections.unmodifiableMap(entries);
        } catch (IOException | RuntimeException e) {
            return Map.of(); // damaged or foreign: only a cache, start from scratch
        }
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String readString(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > MAX_STRING) {
            throw new EOFException("implausible string length " + n);
        }
        byte[] b = in.readNBytes(n);
        if (b.length != n) {
            throw new EOFException("cut off");
        }
        return new String(b, StandardCharsets.UTF_8);
    }

    private static long nanos(FileTime t) {
        return t.to(java.util.concurrent.TimeUnit.NANOSECONDS);
    }
}
