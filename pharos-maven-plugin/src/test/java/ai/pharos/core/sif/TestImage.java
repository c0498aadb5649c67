package ai.pharos.core.sif;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;

/** Crafts {@code docker save} archives (classic or OCI layout) from hand-written layer tars. */
final class TestImage {

    /** One layer's entries, in tar order. */
    static final class Layer {
        final List<TarArchiveEntry> entries = new ArrayList<>();
        final List<byte[]> data = new ArrayList<>();
        long mtime = 1_700_000_000_000L;

        private Layer add(TarArchiveEntry e, byte[] d) {
            e.setModTime(mtime);
            entries.add(e);
            data.add(d);
            return this;
        }

        Layer dir(String name, int mode, int uid, int gid) {
            TarArchiveEntry e = new TarArchiveEntry(name.endsWith("/") ? name : name + "/", TarConstants.LF_DIR, true);
            e.setMode(mode);
            e.setUserId(uid);
            e.setGroupId(gid);
            return add(e, null);
        }

        Layer dir(String name) {
            return dir(name, 0755, 0, 0);
        }

        Layer file(String name, String content, int mode, int uid, int gid) {
            TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_NORMAL, true);
            byte[] b = content.getBytes(StandardCharsets.UTF_8);
            e.setSize(b.length);
            e.setMode(mode);
            e.setUserId(uid);
            e.setGroupId(gid);
            return add(e, b);
        }

        Layer file(String name, String content) {
            return file(name, content, 0644, 0, 0);
        }

        Layer file(String name, byte[] content) {
            TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_NORMAL, true);
            e.setSize(content.length);
            e.setMode(0644);
            return add(e, content);
        }

        Layer symlink(String name, String target) {
            TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK, true);
            e.setLinkName(target);
            e.setMode(0777);
            return add(e, null);
        }

        Layer hardlink(String name, String target) {
            TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_LINK, true);
            e.setLinkName(target);
            e.setMode(0644);
            return add(e, null);
        }

        Layer whiteout(String name) {
            return file(name, "");
        }

        Layer entry(TarArchiveEntry e, byte[] d) {
            return add(e, d);
        }

        byte[] tar() throws IOException {
            ByteArrayOutputStream bos = new ByteArrayOutputStream();
            try (TarArchiveOutputStream t = new TarArchiveOutputStream(bos, StandardCharsets.UTF_8.name())) {
                t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
                t.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
                t.setAddPaxHeadersForNonAsciiNames(true);
                for (int i = 0; i < entries.size(); i++) {
                    t.putArchiveEntry(entries.get(i));
                    if (data.get(i) != null) {
                        t.write(data.get(i));
                    }
                    t.closeArchiveEntry();
                }
            }
            return bos.toByteArray();
        }
    }

    static Layer layer(Consumer<Layer> body) {
        Layer l = new Layer();
        body.accept(l);
        return l;
    }

    static String config(String entrypointJson, String cmdJson, String envJson, String labelsJson) {
        return "{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"2024-01-02T03:04:05Z\",\"config\":{"
                + "\"Env\":" + envJson + ",\"Entrypoint\":" + entrypointJson + ",\"Cmd\":" + cmdJson
                + ",\"Labels\":" + labelsJson + "},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";
    }

    static final String DEFAULT_CONFIG = config("null", "[\"/bin/sh\"]", "[\"PATH=/usr/bin:/bin\"]", "null");

    /** Classic layout: manifest.json, config, {@code <n>/layer.tar}. */
    static Path classic(Path file, String config, Layer... layers) throws IOException {
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(Files.newOutputStream(file))) {
            String configName = sha(config.getBytes(StandardCharsets.UTF_8)) + ".json";
            StringBuilder layerList = new StringBuilder();
            for (int i = 0; i < layers.length; i++) {
                String name = "layer" + i + "/layer.tar";
                put(t, name, layers[i].tar());
                layerList.append(i == 0 ? "" : ",").append('"').append(name).append('"');
            }
            put(t, configName, config.getBytes(StandardCharsets.UTF_8));
            put(t, "manifest.json", ("[{\"Config\":\"" + configName + "\",\"RepoTags\":[\"test/img:1\"],\"Layers\":["
                    + layerList + "]}]").getBytes(StandardCharsets.UTF_8));
        }
        return file;
    }

    /** OCI layout (Docker ≥ 25 style, without manifest.json), layers gzip-compressed when {@code gzip}. */
    static Path oci(Path file, String config, boolean gzip, Layer... layers) throws IOException {
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(Files.newOutputStream(file))) {
            byte[] cfg = config.getBytes(StandardCharsets.UTF_8);
            StringBuilder layerList = new StringBuilder();
            for (int i = 0; i < layers.length; i++) {
                byte[] tar = layers[i].tar();
                if (gzip) {
                    ByteArrayOutputStream bos = new ByteArrayOutputStream();
                    try (OutputStream gz = new GzipCompressorOutputStream(bos)) {
                        gz.write(tar);
                    }
                    tar = bos.toByteArray();
                }
                String digest = sha(tar);
                put(t, "blobs/sha256/" + digest, tar);
                layerList.append(i == 0 ? "" : ",").append("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar")
                        .append(gzip ? "+gzip" : "").append("\",\"digest\":\"sha256:").append(digest)
                        .append("\",\"size\":").append(tar.length).append('}');
            }
            put(t, "blobs/sha256/" + sha(cfg), cfg);
            byte[] manifest = ("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
                    + "\"digest\":\"sha256:" + sha(cfg) + "\",\"size\":" + cfg.length + "},\"layers\":[" + layerList
                    + "]}").getBytes(StandardCharsets.UTF_8);
            put(t, "blobs/sha256/" + sha(manifest), manifest);
            put(t, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
            put(t, "index.json", ("{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image."
                    + "manifest.v1+json\",\"digest\":\"sha256:" + sha(manifest) + "\",\"size\":" + manifest.length
                    + ",\"annotations\":{\"io.containerd.image.name\":\"test/oci:2\"}}]}").getBytes(StandardCharsets.UTF_8));
        }
        return file;
    }

    private static void put(TarArchiveOutputStream t, String name, byte[] data) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(data.length);
        t.putArchiveEntry(e);
        t.write(data);
        t.closeArchiveEntry();
    }

    static String sha(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private TestImage() {
    }
}
