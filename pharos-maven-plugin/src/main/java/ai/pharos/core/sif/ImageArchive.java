package ai.pharos.core.sif;

import ai.pharos.core.PharosException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@code docker save} archive spooled to a file, read in place (random access, nothing extracted): the classic
 * layout ({@code manifest.json}, {@code <id>.json}, {@code <layer>/layer.tar}) and the OCI layout written by Docker ≥ 25
 * ({@code index.json}, {@code oci-layout}, {@code blobs/sha256/…}). Uncompressed layers are read straight from the
 * archive; gzip-compressed layers are decompressed once into a spool file next to the archive (deleted on close).
 */
public final class ImageArchive implements Closeable {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One layer: a tar readable at random positions through {@link #channel()} from {@code offset}. */
    public static final class Layer {
        private final String name;
        private final FileChannel channel;
        private final long offset;
        private final long size;

        Layer(String name, FileChannel channel, long offset, long size) {
            this.name = name;
            this.channel = channel;
            this.offset = offset;
            this.size = size;
        }

        /** The layer's name in the archive (e.g. {@code blobs/sha256/ab12…}). */
        public String name() {
            return name;
        }

        /** The file holding the layer tar. */
        public FileChannel channel() {
            return channel;
        }

        /** Position of the layer tar's first byte in {@link #channel()}. */
        public long offset() {
            return offset;
        }

        public long size() {
            return size;
        }

        /** A read-only view of the layer tar for Commons Compress {@link TarFile}. */
        public TarFile openTar() throws IOException {
            return new TarFile(new RegionChannel(channel, offset, size));
        }
    }

    private final Path archive;
    private final FileChannel channel;
    private final List<Layer> layers;
    private final JsonNode config;
    private final byte[] configBytes;
    private final List<Path> spools;
    private final List<FileChannel> spoolChannels;
    private final String repoTag;

    private ImageArchive(Path archive, FileChannel channel, List<Layer> layers, JsonNode config, byte[] configBytes,
                         List<Path> spools, List<FileChannel> spoolChannels, String repoTag) {
        this.archive = archive;
        this.channel = channel;
        this.layers = layers;
        this.config = config;
        this.configBytes = configBytes;
        this.spools = spools;
        this.spoolChannels = spoolChannels;
        this.repoTag = repoTag;
    }

    /**
     * Open a saved image archive. {@code spoolDirectory} receives decompressed copies of gzip layers (OCI layout);
     * null means the archive's directory.
     */
    public static ImageArchive open(Path archive, Path spoolDirectory) throws PharosException {
        FileChannel ch = null;
        List<Path> spools = new ArrayList<>();
        List<FileChannel> spoolChannels = new ArrayList<>();
        try {
            ch = FileChannel.open(archive, StandardOpenOption.READ);
            Map<String, TarArchiveEntry> entries = new HashMap<>();
            try (TarFile tar = new TarFile(new RegionChannel(ch, 0, ch.size()))) {
                for (TarArchiveEntry e : tar.getEntries()) {
                    entries.put(normalize(e.getName()), e);
                }
            }
            String configName;
            List<String> layerNames = new ArrayList<>();
            String repoTag = null;
            if (entries.containsKey("manifest.json")) {
                JsonNode manifest = JSON.readTree(read(ch, entries.get("manifest.json")));
                if (!manifest.isArray() || manifest.size() != 1) {
                    throw bad(archive, "manifest.json must describe exactly one image, found "
                            + (manifest.isArray() ? manifest.size() : "no array"));
                }
                JsonNode m = manifest.get(0);
                configName = normalize(m.path("Config").asText());
                for (JsonNode l : m.path("Layers")) {
                    layerNames.add(normalize(l.asText()));
                }
                JsonNode tags = m.path("RepoTags");
                if (tags.isArray() && tags.size() > 0) {
                    repoTag = tags.get(0).asText();
                }
            } else if (entries.containsKey("index.json")) {
                JsonNode index = JSON.readTree(read(ch, entries.get("index.json")));
                JsonNode manifests = index.path("manifests");
                if (!manifests.isArray() || manifests.size() < 1) {
                    throw bad(archive, "index.json lists no manifest");
                }
                JsonNode desc = manifests.get(0);
                JsonNode manifest = JSON.readTree(read(ch, blob(entries, archive, desc)));
                if (manifest.has("manifests")) { // an index of manifests (multi-platform): take the first
                    manifest = JSON.readTree(read(ch, blob(entries, archive, manifest.path("manifests").get(0))));
                }
                configName = blobName(manifest.path("config").path("digest").asText());
                for (JsonNode l : manifest.path("layers")) {
                    layerNames.add(blobName(l.path("digest").asText()));
                }
                repoTag = desc.path("annotations").path("io.containerd.image.name").asText(null);
            } else {
                throw bad(archive, "neither manifest.json nor index.json found");
            }
            TarArchiveEntry configEntry = entries.get(configName);
            if (configEntry == null) {
                throw bad(archive, "image config " + configName + " missing");
            }
            byte[] configBytes = read(ch, configEntry);
            JsonNode config = JSON.readTree(configBytes);
            Path spoolDir = spoolDirectory != null ? spoolDirectory : archive.toAbsolutePath().getParent();
            List<Layer> layers = new ArrayList<>();
            for (String name : layerNames) {
                TarArchiveEntry e = entries.get(name);
                if (e == null) {
                    throw bad(archive, "layer " + name + " missing");
                }
                long off = e.getDataOffset();
                byte[] magic = new byte[4];
                ByteBuffer mb = ByteBuffer.wrap(magic);
                ch.read(mb, off);
                if ((magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
                    Path spool = Files.createTempFile(spoolDir, ".pharos-layer-", ".tar");
                    spools.add(spool);
                    try (InputStream in = new GzipCompressorInputStream(new BufferedInputStream(
                            Channels.newInputStream(new RegionChannel(ch, off, e.getSize())), 1 << 16), true);
                         OutputStream out = Files.newOutputStream(spool)) {
                        in.transferTo(out);
                    }
                    FileChannel sc = FileChannel.open(spool, StandardOpenOption.READ);
                    spoolChannels.add(sc);
                    layers.add(new Layer(name, sc, 0, sc.size()));
                } else if ((magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5 && (magic[2] & 0xff) == 0x2f) {
                    throw new PharosException("Layer " + name + " of " + archive + " is zstd-compressed, which is not "
                            + "supported", null, "Save the image with an engine that writes plain or gzip layers "
                            + "(docker save does).");
                } else {
                    layers.add(new Layer(name, ch, off, e.getSize()));
                }
            }
            return new ImageArchive(archive, ch, List.copyOf(layers), config, configBytes, spools, spoolChannels,
                    repoTag);
        } catch (IOException | RuntimeException e) {
            closeQuietly(ch, spools, spoolChannels);
            throw new PharosException("Cannot read image archive " + archive + ": " + e.getMessage(), null,
                    "Check that the file is a complete 'docker save' archive (disk full?).", e);
        } catch (PharosException e) {
            closeQuietly(ch, spools, spoolChannels);
            throw e;
        }
    }

    private static void closeQuietly(FileChannel ch, List<Path> spools, List<FileChannel> spoolChannels) {
        try {
            if (ch != null) {
                ch.close();
            }
            for (FileChannel c : spoolChannels) {
                c.close();
            }
            for (Path p : spools) {
                Files.deleteIfExists(p);
            }
        } catch (IOException ignored) {
            // best effort
        }
    }

    private static PharosException bad(Path archive, String what) {
        return new PharosException("Not a docker image archive: " + archive + " (" + what + ")", null,
                "Pass an archive written by 'docker save' for a single image.");
    }

    private static TarArchiveEntry blob(Map<String, TarArchiveEntry> entries, Path archive, JsonNode descriptor)
            throws PharosException {
        String name = blobName(descriptor.path("digest").asText());
        TarArchiveEntry e = entries.get(name);
        if (e == null) {
            throw bad(archive, "blob " + name + " missing");
        }
        return e;
    }

    private static String blobName(String digest) {
        int colon = digest.indexOf(':');
        return "blobs/" + digest.substring(0, Math.max(colon, 0)) + "/" + digest.substring(colon + 1);
    }

    private static String normalize(String name) {
        String n = name;
        while (n.startsWith("./")) {
            n = n.substring(2);
        }
        while (n.startsWith("/")) {
            n = n.substring(1);
        }
        return n;
    }

    private static byte[] read(FileChannel ch, TarArchiveEntry e) throws IOException {
        if (e.getSize() > 64L << 20) {
            throw new IOException(e.getName() + " is implausibly large for a JSON document");
        }
        ByteBuffer b = ByteBuffer.allocate((int) e.getSize());
        long pos = e.getDataOffset();
        while (b.hasRemaining()) {
            int n = ch.read(b, pos);
            if (n < 0) {
                throw new IOException("archive truncated in " + e.getName());
            }
            pos += n;
        }
        return b.array();
    }

    public Path path() {
        return archive;
    }

    /** Layers bottom to top. */
    public List<Layer> layers() {
        return layers;
    }

    /** The image config document (architecture, os, config{Env, Entrypoint, Cmd, Labels…}, rootfs, history). */
    public JsonNode config() {
        return config;
    }

    /** The image config as stored. */
    public byte[] configBytes() {
        return configBytes.clone();
    }

    /** The first repo tag recorded in the archive, or null. */
    public String repoTag() {
        return repoTag;
    }

    @Override
    public void close() throws IOException {
        channel.close();
        for (FileChannel c : spoolChannels) {
            c.close();
        }
        for (Path p : spools) {
            Files.deleteIfExists(p);
        }
    }

    /** A read-only window [offset, offset+size) of a file channel, as a seekable channel. */
    static final class RegionChannel implements SeekableByteChannel {
        private final FileChannel file;
        private final long offset;
        private final long size;
        private long position;
        private boolean open = true;

        RegionChannel(FileChannel file, long offset, long size) {
            this.file = file;
            this.offset = offset;
            this.size = size;
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            if (!open) {
                throw new ClosedChannelException();
            }
            long left = size - position;
            if (left <= 0) {
                return -1;
            }
            int want = (int) Math.min(left, dst.remaining());
            ByteBuffer slice = dst.slice();
            slice.limit(want);
            int n = file.read(slice, offset + position);
            if (n < 0) {
                return -1;
            }
            dst.position(dst.position() + n);
            position += n;
            return n;
        }

        @Override
        public int write(ByteBuffer src) {
            throw new NonWritableChannelException();
        }

        @Override
        public long position() {
            return position;
        }

        @Override
        public SeekableByteChannel position(long newPosition) {
            position = newPosition;
            return this;
        }

        @Override
        public long size() {
            return size;
        }

        @Override
        public SeekableByteChannel truncate(long s) {
            throw new NonWritableChannelException();
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public void close() {
            open = false; // the underlying file stays open: it is shared
        }
    }
}
