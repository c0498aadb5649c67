package ai.pharos.core.fingerprint;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * A content fingerprint over named inputs, {@code sha256:<64 hex>}. Used for "up to date" decisions (e.g. the
 * image label written by {@code build-image}: context tar digest, Dockerfile, build args, target, base image id).
 *
 * <p>Each input has a name; the result does not depend on the order inputs are added (they are hashed sorted by
 * name), a name can be given once only, and the encoding is unambiguous: every name and value is length-prefixed
 * and typed, so {@code "a"+"bc"} and {@code "ab"+"c"}, an absent value and an empty one, or a map entry and a
 * plain string never collide. Maps (build args, labels) are hashed sorted by key. Values are hashed when added
 * (streams and files are read once, never held in memory).
 *
 * <pre>{@code
 * String fp = Fingerprint.builder("build-image/1")
 *         .add("context", summary.sha256())
 *         .addFile("dockerfile", dockerfile)
 *         .add("buildArgs", buildArgs)
 *         .add("target", target)          // null allowed
 *         .add("baseImage", baseImageId)
 *         .build();                        // "sha256:…"
 * }</pre>
 */
public final class Fingerprint {
    /** Prefix of every fingerprint string. */
    public static final String PREFIX = "sha256:";

    private final String purpose;
    private final TreeMap<String, byte[]> inputs = new TreeMap<>();

    private Fingerprint(String purpose) {
        this.purpose = purpose;
    }

    /**
     * Start a fingerprint. {@code purpose} (e.g. {@code "build-image/1"}) is hashed too: fingerprints of different
     * goals never coincide, and bumping the version invalidates old ones when the recipe changes.
     */
    public static Fingerprint builder(String purpose) {
        return new Fingerprint(requireText(purpose, "purpose"));
    }

    /** A string input; {@code null} is an explicit "absent" distinct from {@code ""}. */
    public Fingerprint add(String name, String value) {
        if (value == null) {
            return put(name, digestOf('N', new byte[0]));
        }
        return put(name, digestOf('S', value.getBytes(StandardCharsets.UTF_8)));
    }

    /** A boolean input. */
    public Fingerprint add(String name, boolean value) {
        return put(name, digestOf('B', new byte[] {(byte) (value ? 1 : 0)}));
    }

    /** A map input (build args, labels): sorted by key, each key and value length-prefixed; null values allowed. */
    public Fingerprint add(String name, Map<String, String> values) {
        MessageDigest d = sha256();
        d.update((byte) 'M');
        Map<String, String> sorted = new TreeMap<>(values == null ? Map.of() : values);
        lengthPrefixed(d, Long.toString(sorted.size()).getBytes(StandardCharsets.UTF_8));
        for (Map.Entry<String, String> e : sorted.entrySet()) {
            lengthPrefixed(d, e.getKey().getBytes(StandardCharsets.UTF_8));
            if (e.getValue() == null) {
                d.update((byte) 'N');
            } else {
                d.update((byte) 'S');
                lengthPrefixed(d, e.getValue().getBytes(StandardCharsets.UTF_8));
            }
        }
        return put(name, d.digest());
    }

    /** Raw bytes. */
    public Fingerprint addBytes(String name, byte[] value) {
        return put(name, digestOf('R', value));
    }

    /** The bytes of a stream, read to its end (not closed). */
    public Fingerprint addStream(String name, InputStream in) throws IOException {
        MessageDigest d = sha256();
        byte[] buf = new byte[65536];
        long total = 0;
        int n;
        while ((n = in.read(buf)) > 0) {
            d.update(buf, 0, n);
            total += n;
        }
        MessageDigest outer = sha256();
        outer.update((byte) 'R');
        outer.update(Long.toString(total).getBytes(StandardCharsets.UTF_8));
        outer.update((byte) ':');
        outer.update(d.digest());
        return put(name, outer.digest());
    }

    /** A file's content (not its name, time or permissions). A missing file fails with an {@link IOException}. */
    public Fingerprint addFile(String name, Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return addStream(name, in);
        }
    }

    /**
     * A digest computed elsewhere (e.g. {@code ContextTar.Summary#sha256()}, an image id {@code sha256:…}); hashed as
     * a string of its own kind so it cannot collide with {@link #add(String, String)} of the same text.
     */
    public Fingerprint addDigest(String name, String digest) {
        return put(name, digestOf('D', requireText(digest, name).getBytes(StandardCharsets.UTF_8)));
    }

    /** Another fingerprint as an input (composition). */
    public Fingerprint addFingerprint(String name, String fingerprint) {
        return addDigest(name, fingerprint);
    }

    /** The fingerprint: {@code sha256:} + 64 lowercase hex digits. */
    public String build() {
        MessageDigest d = sha256();
        lengthPrefixed(d, "pharos-fingerprint/1".getBytes(StandardCharsets.UTF_8));
        lengthPrefixed(d, purpose.getBytes(StandardCharsets.UTF_8));
        lengthPrefixed(d, Integer.toString(inputs.size()).getBytes(StandardCharsets.UTF_8));
        for (Map.Entry<String, byte[]> e : inputs.entrySet()) {
            lengthPrefixed(d, e.getKey().getBytes(StandardCharsets.UTF_8));
            d.update(e.getValue());
        }
        return PREFIX + HexFormat.of().formatHex(d.digest());
    }

    /** The input names added so far, sorted (for debug logs). */
    public java.util.Set<String> names() {
        return java.util.Collections.unmodifiableSet(inputs.keySet());
    }

    private Fingerprint put(String name, byte[] digest) {
        requireText(name, "name");
        if (inputs.putIfAbsent(name, digest) != null) {
            throw new IllegalArgumentException("Fingerprint input '" + name + "' added twice");
        }
        return this;
    }

    private static byte[] digestOf(char kind, byte[] value) {
        MessageDigest d = sha256();
        d.update((byte) kind);
        lengthPrefixed(d, value);
        return d.digest();
    }

    private static void lengthPrefixed(MessageDigest d, byte[] value) {
        d.update(Integer.toString(value.length).getBytes(StandardCharsets.UTF_8));
        d.update((byte) ':');
        d.update(value);
    }

    private static String requireText(String s, String what) {
        if (s == null || s.isEmpty()) {
            throw new IllegalArgumentException("Fingerprint " + what + " must not be empty");
        }
        return s;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }
}
