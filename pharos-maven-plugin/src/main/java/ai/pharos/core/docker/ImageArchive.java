package ai.pharos.core.docker;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes a {@code docker save}-format archive (manifest.json + config + one layer) around a root filesystem tar, for
 * {@code docker load}. The config is deterministic: the same layer, labels and time give the same image id.
 */
public final class ImageArchive {
    private static final ObjectMapper JSON = new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    private ImageArchive() {
    }

    public static void writeSingleLayer(Path layerTar, String reference, Map<String, String> labels, Instant created,
                                        String arch, OutputStream out) throws IOException {
        String diffId = sha256(layerTar);
        ObjectNode config = JSON.createObjectNode();
        config.put("architecture", arch == null || arch.isBlank() ? "amd64" : arch);
        config.put("os", "linux");
        config.put("created", created.toString());
        ObjectNode inner = config.putObject("config");
        inner.putArray("Env").add("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        inner.putArray("Cmd").add("bash");
        ObjectNode lbls = inner.putObject("Labels");
        new TreeMap<>(labels).forEach(lbls::put);
        ObjectNode rootfs = config.putObject("rootfs");
        rootfs.put("type", "layers");
        rootfs.putArray("diff_ids").add("sha256:" + diffId);
        ArrayNode history = config.putArray("history");
        history.addObject().put("created", created.toString()).put("created_by", "pharos:base-image");
        byte[] configBytes = JSON.writeValueAsBytes(config);
        String configName = sha256(configBytes) + ".json";
        String layerName = diffId + "/layer.tar";

        ArrayNode manifest = JSON.createArrayNode();
        ObjectNode m = manifest.addObject();
        m.put("Config", configName);
        m.putArray("RepoTags").add(normalise(reference));
        m.putArray("Layers").add(layerName);
        byte[] manifestBytes = JSON.writeValueAsBytes(manifest);

        TarArchiveOutputStream tar = new TarArchiveOutputStream(out, "UTF-8");
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        FileTime time = FileTime.from(created);
        put(tar, configName, configBytes, time);
        TarArchiveEntry dir = new TarArchiveEntry(diffId + "/");
        dir.setModTime(time);
        tar.putArchiveEntry(dir);
        tar.closeArchiveEntry();
        TarArchiveEntry layer = new TarArchiveEntry(layerName);
        layer.setSize(Files.size(layerTar));
        layer.setModTime(time);
        tar.putArchiveEntry(layer);
        try (InputStream in = Files.newInputStream(layerTar)) {
            in.transferTo(tar);
        }
        tar.closeArchiveEntry();
        put(tar, "manifest.json", manifestBytes, time);
        tar.finish();
        tar.flush();
    }

    /** {@code debian} → {@code debian:latest}; the engine needs a tag in RepoTags. */
    static String normalise(String reference) {
        return ImageRef.parse(reference).toString();
    }

    private static void put(TarArchiveOutputStream tar, String name, byte[] data, FileTime time) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(data.length);
        e.setModTime(time);
        tar.putArchiveEntry(e);
        tar.write(data);
        tar.closeArchiveEntry();
    }

    static String sha256(Path file) throws IOException {
        MessageDigest md = digest();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), md)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    static String sha256(byte[] data) {
        return HexFormat.of().formatHex(digest().digest(data));
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
