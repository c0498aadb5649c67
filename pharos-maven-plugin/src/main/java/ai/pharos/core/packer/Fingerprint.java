package ai.pharos.core.packer;

import ai.pharos.core.PharosException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A SHA-256 over named inputs: strings and file trees (relative path + content of every regular file, in path
 * order, so renaming or editing any file changes it; modification times do not).
 */
public final class Fingerprint {
    private final TreeMap<String, String> parts = new TreeMap<>();

    public Fingerprint add(String name, String value) {
        parts.put(name, value == null ? "" : value);
        return this;
    }

    public Fingerprint addAll(String prefix, Map<String, String> values) {
        values.forEach((k, v) -> add(prefix + k, v));
        return this;
    }

    /** Add every regular file under {@code dir} (or the file itself) by its content digest. */
    public Fingerprint addTree(String name, Path dir) throws PharosException {
        return addTree(name, dir, p -> true);
    }

    /** As {@link #addTree(String, Path)}, only the files {@code include} accepts. */
    public Fingerprint addTree(String name, Path dir, java.util.function.Predicate<Path> include)
            throws PharosException {
        if (dir == null || !Files.exists(dir)) {
            return add(name, "(absent)");
        }
        if (Files.isRegularFile(dir)) {
            return add(name, sha256(dir));
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).filter(include).sorted().toList()) {
                add(name + "/" + dir.relativize(f).toString().replace('\\', '/'), sha256(f));
            }
        } catch (IOException e) {
            throw new PharosException("Cannot read " + dir + ": " + e.getMessage(), null, null, e);
        }
        return this;
    }

    /** The inputs, for a provenance record (names and digests/values). */
    public Map<String, String> parts() {
        return new TreeMap<>(parts);
    }

    public String digest() {
        MessageDigest md = sha256();
        parts.forEach((k, v) -> {
            md.update(k.getBytes(StandardCharsets.UTF_8));
            md.update((byte) 0);
            md.update(v.getBytes(StandardCharsets.UTF_8));
            md.update((byte) '\n');
        });
        return HexFormat.of().formatHex(md.digest());
    }

    public static String sha256(Path file) throws PharosException {
        return digest(file, "SHA-256");
    }

    public static String digest(Path file, String algorithm) throws PharosException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance(algorithm);
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new PharosException("Cannot read " + file + ": " + e.getMessage(), null, null, e);
        }
    }

    public static String sha256(String s) {
        return HexFormat.of().formatHex(sha256().digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<String> lines(String s) {
        return s.lines().toList();
    }
}
