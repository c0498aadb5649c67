package ai.pharos.core.sif;

import ai.pharos.core.PharosException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.archivers.tar.TarFile;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The final root filesystem of an image, computed from its layers in one pass over their headers with OCI whiteout
 * semantics, without extracting anything: only an index of paths is kept in memory; file data stays in the layer
 * tars and is streamed by {@link #writeTar} as one uncompressed tar in sorted path order (deterministic).
 *
 * <ul>
 *   <li>{@code .wh.NAME} removes NAME (recursively) as contributed by lower layers;</li>
 *   <li>{@code .wh..wh..opq} in D removes D's descendants contributed by lower layers, never those of its own layer;</li>
 *   <li>a non-directory replaces whatever was at its path (a directory with its subtree); a directory over a directory
 *       merges (the upper metadata wins);</li>
 *   <li>a hardlink shares the data of its target as it was when the link was made: when the target path is later
 *       replaced or whited out, the link still gets the data. The first surviving name (in output order) carries the
 *       data, later names are hardlinks to it;</li>
 *   <li>names are normalised ({@code ./}, leading {@code /}); a name or hardlink target with {@code ..} leaving the
 *       root, or an entry below a non-directory, is refused naming the layer and the entry.</li>
 * </ul>
 */
public final class RootfsIndex {

    /** Node kinds. */
    public enum Kind { DIR, FILE, SYMLINK, CHAR, BLOCK, FIFO }

    /** Where a regular file's bytes are: a region of a layer tar, or in memory (additions). */
    static final class Data {
        final FileChannel channel;
        final long offset;
        final long size;
        final byte[] inline;
        String emittedAs;

        Data(FileChannel channel, long offset, long size) {
            this.channel = channel;
            this.offset = offset;
            this.size = size;
            this.inline = null;
        }

        Data(byte[] inline) {
            this.channel = null;
            this.offset = 0;
            this.size = inline.length;
            this.inline = inline;
        }
    }

    /** One path of the final filesystem. */
    public static final class Node {
        Kind kind;
        int mode;
        long uid;
        long gid;
        long mtime;
        int layer;
        String linkTarget;
        int devMajor;
        int devMinor;
        Data data;
        Map<String, String> xattrs;

        public Kind kind() {
            return kind;
        }

        public int mode() {
            return mode;
        }

        public long uid() {
            return uid;
        }

        public long gid() {
            return gid;
        }

        public long mtime() {
            return mtime;
        }

        public String linkTarget() {
            return linkTarget;
        }

        public long size() {
            return data == null ? 0 : data.size;
        }

        Node copy() {
            Node n = new Node();
            n.kind = kind;
            n.mode = mode;
            n.uid = uid;
            n.gid = gid;
            n.mtime = mtime;
            n.layer = layer;
            n.linkTarget = linkTarget;
            n.devMajor = devMajor;
            n.devMinor = devMinor;
            n.data = data;
            n.xattrs = xattrs;
            return n;
        }
    }

    /** Receives the number of file bytes written so far and the total. */
    public interface Progress {
        void update(long done, long total);
    }

    private static final String WHITEOUT = ".wh.";
    private static final String OPAQUE = ".wh..wh..opq";

    /** Path (no leading slash, root = "") → node. Sorted, so a subtree is a contiguous range. */
    private final TreeMap<String, Node> nodes = new TreeMap<>();

    /** Build the index of {@code archive}'s layers. */
    public static RootfsIndex of(ImageArchive archive) throws PharosException {
        RootfsIndex index = new RootfsIndex();
        List<ImageArchive.Layer> layers = archive.layers();
        for (int i = 0; i < layers.size(); i++) {
            ImageArchive.Layer layer = layers.get(i);
            try (TarFile tar = layer.openTar()) {
                index.apply(i, layer.name(), layer.channel(), layer.offset(), tar.getEntries());
            } catch (IOException e) {
                throw new PharosException("Cannot read layer " + layer.name() + " of " + archive.path() + ": "
                        + e.getMessage(), null, "Save the image again ('docker save' archive damaged?).", e);
            }
        }
        return index;
    }

    /** Apply one layer's entries (in tar order) on top of the current state. */
    void apply(int layerIndex, String layerName, FileChannel channel, long base, List<TarArchiveEntry> entries)
            throws PharosException {
        for (TarArchiveEntry e : entries) {
            String path = normalize(e.getName(), layerName, e.getName());
            if (path.isEmpty()) {
                if (e.isDirectory()) {
                    continue; // the root: mksquashfs sets it (-root-mode/-root-uid/-root-gid)
                }
                throw new PharosException("Layer " + layerName + " entry '" + e.getName()
                        + "' would replace the root directory", null, "Rebuild the image; its layer is malformed.");
            }
            int slash = path.lastIndexOf('/');
            String parent = slash < 0 ? "" : path.substring(0, slash);
            String base0 = path.substring(slash + 1);
            if (base0.equals(OPAQUE)) {
                removeDescendants(parent, layerIndex);
                continue;
            }
            if (base0.startsWith(WHITEOUT)) {
                String victim = (parent.isEmpty() ? "" : parent + "/") + base0.substring(WHITEOUT.length());
                Node old = nodes.get(victim);
                if (old != null && old.layer < layerIndex) {
                    nodes.remove(victim);
                }
                removeDescendants(victim, layerIndex);
                continue;
            }
            Node node;
            if (e.isLink()) {
                String target = normalize(e.getLinkName(), layerName, e.getName() + " -> " + e.getLinkName());
                Node t = nodes.get(target);
                if (t == null || target.isEmpty()) {
                    throw new PharosException("Layer " + layerName + " entry '" + e.getName()
                            + "' is a hardlink to '" + e.getLinkName() + "', which does not exist in the image", null,
                            "Rebuild the image; its layer is malformed.");
                }
                if (t.kind == Kind.DIR) {
                    throw new PharosException("Layer " + layerName + " entry '" + e.getName()
                            + "' is a hardlink to the directory '" + e.getLinkName() + "'", null,
                            "Rebuild the image; its layer is malformed.");
                }
                node = t.copy(); // same inode: same data object and metadata
            } else {
                node = new Node();
                node.mode = e.getMode() & 07777;
                node.uid = e.getLongUserId();
                node.gid = e.getLongGroupId();
                node.mtime = e.getModTime().getTime() / 1000;
                if (e.isDirectory()) {
                    node.kind = Kind.DIR;
                } else if (e.isSymbolicLink()) {
                    node.kind = Kind.SYMLINK;
                    node.linkTarget = e.getLinkName();
                } else if (e.isCharacterDevice() || e.isBlockDevice()) {
                    node.kind = e.isCharacterDevice() ? Kind.CHAR : Kind.BLOCK;
                    node.devMajor = e.getDevMajor();
                    node.devMinor = e.getDevMinor();
                } else if (e.isFIFO()) {
                    node.kind = Kind.FIFO;
                } else if (e.isFile()) {
                    if (e.isSparse()) {
                        throw new PharosException("Layer " + layerName + " entry '" + e.getName()
                                + "' is a sparse file, which the converter does not support", null,
                                "Rebuild the image without sparse files (docker build never writes them).");
                    }
                    node.kind = Kind.FILE;
                    node.data = new Data(channel, base + e.getDataOffset(), e.getSize());
                } else {
                    throw new PharosException("Layer " + layerName + " entry '" + e.getName()
                            + "' has unsupported tar type '" + (char) typeOf(e) + "'", null,
                            "Rebuild the image; its layer is malformed.");
                }
                Map<String, String> xattrs = null;
                for (Map.Entry<String, String> h : e.getExtraPaxHeaders().entrySet()) {
                    if (h.getKey().startsWith("SCHILY.xattr.")) {
                        if (xattrs == null) {
                            xattrs = new TreeMap<>();
                        }
                        xattrs.put(h.getKey(), h.getValue());
                    }
                }
                node.xattrs = xattrs;
            }
            node.layer = layerIndex;
            checkParents(parent, layerName, e.getName(), node.mtime, layerIndex);
            Node old = nodes.get(path);
            if (old != null && old.kind == Kind.DIR && node.kind != Kind.DIR) {
                removeDescendants(path, Integer.MAX_VALUE);
            }
            nodes.put(path, node);
        }
    }

    private static int typeOf(TarArchiveEntry e) {
        // Commons Compress keeps the link flag private; infer the common ones for the message
        return e.isGNULongNameEntry() ? 'L' : '?';
    }

    /** Every ancestor must be a directory; missing ones are created (0755, root) as tar extraction would. */
    private void checkParents(String parent, String layerName, String entryName, long mtime, int layerIndex)
            throws PharosException {
        if (parent.isEmpty()) {
            return;
        }
        int from = 0;
        while (true) {
            int slash = parent.indexOf('/', from);
            String ancestor = slash < 0 ? parent : parent.substring(0, slash);
            Node a = nodes.get(ancestor);
            if (a == null) {
                Node d = new Node();
                d.kind = Kind.DIR;
                d.mode = 0755;
                d.mtime = mtime;
                d.layer = layerIndex;
                nodes.put(ancestor, d);
            } else if (a.kind != Kind.DIR) {
                throw new PharosException("Layer " + layerName + " entry '" + entryName + "' lies below '/"
                        + ancestor + "', which is a " + a.kind.name().toLowerCase()
                        + (a.linkTarget != null ? " to " + a.linkTarget : "") + ", not a directory: it could "
                        + "escape the root", null, "Rebuild the image; its layer is malformed or hostile.");
            }
            if (slash < 0) {
                return;
            }
            from = slash + 1;
        }
    }

    /** Remove the descendants of {@code dir} contributed by layers below {@code layerIndex}. */
    private void removeDescendants(String dir, int layerIndex) {
        NavigableMap<String, Node> sub = dir.isEmpty() ? nodes.tailMap("", false)
                : nodes.subMap(dir + "/", true, dir + "0", false);
        Iterator<Map.Entry<String, Node>> it = sub.entrySet().iterator();
        while (it.hasNext()) {
            if (it.next().getValue().layer < layerIndex) {
                it.remove();
            }
        }
    }

    /**
     * Normalise a tar name to a root-relative path without trailing slash; refuse names that leave the root.
     */
    static String normalize(String name, String layerName, String entryForMessage) throws PharosException {
        String[] parts = name.split("/");
        List<String> out = new ArrayList<>(parts.length);
        for (String p : parts) {
            if (p.isEmpty() || p.equals(".")) {
                continue;
            }
            if (p.equals("..")) {
                if (out.isEmpty()) {
                    throw new PharosException("Layer " + layerName + " entry '" + entryForMessage
                            + "' escapes the image root ('..')", null,
                            "Do not convert this image: its layer is malformed or hostile.");
                }
                out.remove(out.size() - 1);
                continue;
            }
            out.add(p);
        }
        return String.join("/", out);
    }

    // ---------------------------------------------------------------- queries and edits used by the additions

    /** The node at {@code path} ("/etc/hosts" or "etc/hosts"), or null. */
    public Node get(String path) {
        return nodes.get(strip(path));
    }

    /** Number of paths (the root excluded). */
    public int size() {
        return nodes.size();
    }

    /** Sum of the sizes of all file data to write (each hardlinked inode counted once). */
    public long dataBytes() {
        java.util.Set<Data> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        long total = 0;
        for (Node n : nodes.values()) {
            if (n.data != null && seen.add(n.data)) {
                total += n.data.size;
            }
        }
        return total;
    }

    /** Latest mtime of any node (0 when empty). */
    public long maxMtime() {
        long max = 0;
        for (Node n : nodes.values()) {
            max = Math.max(max, n.mtime);
        }
        return max;
    }

    /**
     * Resolve {@code path} following symlinks (inside the root) to a node, or null when it does not exist or loops.
     * Returns the resolved path.
     */
    public String resolve(String path) {
        String current = strip(path);
        for (int hops = 0; hops < 40; hops++) {
            String[] parts = current.split("/");
            StringBuilder done = new StringBuilder();
            boolean restarted = false;
            for (int i = 0; i < parts.length; i++) {
                String p = parts[i];
                if (p.isEmpty() || p.equals(".")) {
                    continue;
                }
                if (p.equals("..")) {
                    int s = done.lastIndexOf("/");
                    done.setLength(Math.max(s, 0));
                    continue;
                }
                String candidate = done.length() == 0 ? p : done + "/" + p;
                Node n = nodes.get(candidate);
                if (n == null) {
                    return null;
                }
                if (n.kind == Kind.SYMLINK) {
                    String rest = String.join("/", java.util.Arrays.copyOfRange(parts, i + 1, parts.length));
                    String target = n.linkTarget;
                    String baseDir = target.startsWith("/") ? "" : done.toString();
                    current = (baseDir.isEmpty() ? "" : baseDir + "/") + target + (rest.isEmpty() ? "" : "/" + rest);
                    restarted = true;
                    break;
                }
                done.setLength(0);
                done.append(candidate);
            }
            if (!restarted) {
                return done.toString();
            }
        }
        return null;
    }

    /** Read up to {@code max} leading bytes of a regular file's data. */
    public byte[] head(String path, int max) throws IOException {
        Node n = nodes.get(strip(path));
        if (n == null || n.data == null) {
            return new byte[0];
        }
        int len = (int) Math.min(max, n.data.size);
        if (n.data.inline != null) {
            return java.util.Arrays.copyOf(n.data.inline, len);
        }
        ByteBuffer b = ByteBuffer.allocate(len);
        long pos = n.data.offset;
        while (b.hasRemaining()) {
            int r = n.data.channel.read(b, pos);
            if (r < 0) {
                break;
            }
            pos += r;
        }
        return java.util.Arrays.copyOf(b.array(), b.position());
    }

    /** Create a directory (and missing parents) unless something exists at the path. */
    public void mkdirs(String path, long mtime) {
        String p = strip(path);
        int from = 0;
        while (true) {
            int slash = p.indexOf('/', from);
            String a = slash < 0 ? p : p.substring(0, slash);
            if (!nodes.containsKey(a)) {
                Node d = new Node();
                d.kind = Kind.DIR;
                d.mode = 0755;
                d.mtime = mtime;
                d.layer = Integer.MAX_VALUE;
                nodes.put(a, d);
            }
            if (slash < 0) {
                return;
            }
            from = slash + 1;
        }
    }

    /**
     * Write a file with {@code content}: an existing regular file keeps its owner and gets {@code mode}; anything
     * else (or nothing) at the path is replaced by a root-owned file. Parents are created.
     */
    public void putFile(String path, int mode, byte[] content, long mtime) {
        String p = strip(path);
        int slash = p.lastIndexOf('/');
        if (slash > 0) {
            mkdirs(p.substring(0, slash), mtime);
        }
        Node old = nodes.get(p);
        Node n = new Node();
        n.kind = Kind.FILE;
        n.mode = mode;
        n.mtime = mtime;
        n.layer = Integer.MAX_VALUE;
        n.data = new Data(content);
        if (old != null && old.kind == Kind.FILE) {
            n.uid = old.uid;
            n.gid = old.gid;
            n.xattrs = old.xattrs;
        } else if (old != null && old.kind == Kind.DIR) {
            removeDescendants(p, Integer.MAX_VALUE);
        }
        nodes.put(p, n);
    }

    /** Make {@code path} a symlink to {@code target} unless a non-symlink exists there (apptainer's rule). */
    public void putSymlink(String path, String target, long mtime) {
        String p = strip(path);
        Node old = nodes.get(p);
        if (old != null && old.kind != Kind.SYMLINK) {
            return;
        }
        if (old != null && target.equals(old.linkTarget)) {
            return;
        }
        Node n = new Node();
        n.kind = Kind.SYMLINK;
        n.mode = 0777;
        n.mtime = mtime;
        n.linkTarget = target;
        n.layer = Integer.MAX_VALUE;
        nodes.put(p, n);
    }

    private static String strip(String path) {
        String p = path;
        while (p.startsWith("/")) {
            p = p.substring(1);
        }
        while (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p;
    }

    /** Paths in output order (for tests and listings). */
    public Map<String, Node> nodes() {
        return java.util.Collections.unmodifiableMap(nodes);
    }

    // ---------------------------------------------------------------- output

    /**
     * Stream the filesystem as one uncompressed POSIX tar (PAX for long/non-ASCII names, big numbers and xattrs),
     * sorted by path. Checks the thread's interrupt flag between buffers.
     */
    public void writeTar(OutputStream out, Progress progress) throws IOException {
        for (Node n : nodes.values()) {
            if (n.data != null) {
                n.data.emittedAs = null;
            }
        }
        long total = dataBytes();
        long done = 0;
        byte[] buffer = new byte[1 << 20];
        ByteBuffer bb = ByteBuffer.wrap(buffer);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(out, 10240, StandardCharsets.UTF_8.name());
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        tar.setAddPaxHeadersForNonAsciiNames(true);
        for (Map.Entry<String, Node> me : nodes.entrySet()) {
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedIOException("conversion interrupted");
            }
            String path = me.getKey();
            Node n = me.getValue();
            TarArchiveEntry e;
            boolean withData = false;
            switch (n.kind) {
                case DIR -> e = new TarArchiveEntry(path + "/", TarConstants.LF_DIR, true);
                case SYMLINK -> {
                    e = new TarArchiveEntry(path, TarConstants.LF_SYMLINK, true);
                    e.setLinkName(n.linkTarget);
                }
                case CHAR, BLOCK -> {
                    e = new TarArchiveEntry(path, n.kind == Kind.CHAR ? TarConstants.LF_CHR : TarConstants.LF_BLK,
                            true);
                    e.setDevMajor(n.devMajor);
                    e.setDevMinor(n.devMinor);
                }
                case FIFO -> e = new TarArchiveEntry(path, TarConstants.LF_FIFO, true);
                case FILE -> {
                    if (n.data.emittedAs != null) {
                        e = new TarArchiveEntry(path, TarConstants.LF_LINK, true);
                        e.setLinkName(n.data.emittedAs);
                    } else {
                        e = new TarArchiveEntry(path, TarConstants.LF_NORMAL, true);
                        e.setSize(n.data.size);
                        n.data.emittedAs = path;
                        withData = true;
                    }
                }
                default -> throw new IllegalStateException(n.kind.name());
            }
            e.setMode(n.mode);
            e.setUserId(n.uid);
            e.setGroupId(n.gid);
            e.setUserName("");
            e.setGroupName("");
            e.setModTime(n.mtime * 1000);
            if (n.xattrs != null) {
                for (Map.Entry<String, String> x : n.xattrs.entrySet()) {
                    e.addPaxHeader(x.getKey(), x.getValue());
                }
            }
            tar.putArchiveEntry(e);
            if (withData) {
                Data d = n.data;
                if (d.inline != null) {
                    tar.write(d.inline);
                    done += d.size;
                } else {
                    long pos = d.offset;
                    long left = d.size;
                    while (left > 0) {
                        if (Thread.currentThread().isInterrupted()) {
                            throw new InterruptedIOException("conversion interrupted");
                        }
                        bb.clear().limit((int) Math.min(left, buffer.length));
                        int r = d.channel.read(bb, pos);
                        if (r < 0) {
                            throw new IOException("layer data truncated at " + path);
                        }
                        tar.write(buffer, 0, r);
                        pos += r;
                        left -= r;
                        done += r;
                        if (progress != null) {
                            progress.update(done, total);
                        }
                    }
                }
            }
            tar.closeArchiveEntry();
        }
        tar.finish();
        tar.flush();
        if (progress != null) {
            progress.update(done, total);
        }
    }
}
