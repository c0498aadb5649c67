package ai.pharos.core.fingerprint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FingerprintTest {
    @TempDir
    Path tmp;

    private static final String CONTEXT = "3f".repeat(32);

    /** The image fingerprint as build-image composes it, with one input varied by {@code tweak}. */
    private String image(Path dockerfile, UnaryOperator<Map<String, String>> tweak) throws IOException {
        Map<String, String> in = new LinkedHashMap<>();
        in.put("context", CONTEXT);
        in.put("target", "runtime");
        in.put("base", "sha256:" + "ab".repeat(32));
        in.put("arg.VERSION", "1.0");
        in.put("arg.MIRROR", "http://deb.debian.org/debian");
        in = tweak.apply(in);
        Map<String, String> args = new LinkedHashMap<>();
        in.forEach((k, v) -> {
            if (k.startsWith("arg.")) {
                args.put(k.substring(4), v);
            }
        });
        return Fingerprint.builder("build-image/1")
                .addDigest("context", in.get("context"))
                .addFile("dockerfile", dockerfile)
                .add("buildArgs", args)
                .add("target", in.get("target"))
                .addDigest("baseImage", in.get("base"))
                .build();
    }

    @Test
    void changesWhenAnyInputChangesIncludingOnlyABuildArg() throws IOException {
        Path df = tmp.resolve("Dockerfile");
        Files.writeString(df, "FROM debian:trixie\n");
        String base = image(df, m -> m);
        assertTrue(base.matches("sha256:[0-9a-f]{64}"), base);
        assertEquals(base, image(df, m -> m), "stable");

        List<UnaryOperator<Map<String, String>>> tweaks = List.of(
                m -> { m.put("context", "40".repeat(32)); return m; },
                m -> { m.put("target", "build"); return m; },
                m -> { m.put("target", null); return m; },
                m -> { m.put("base", "sha256:" + "ac".repeat(32)); return m; },
                m -> { m.put("arg.VERSION", "1.1"); return m; },
                m -> { m.put("arg.NEW", ""); return m; },
                m -> { m.remove("arg.MIRROR"); return m; });
        Set<String> seen = new HashSet<>(Set.of(base));
        for (UnaryOperator<Map<String, String>> t : tweaks) {
            String fp = image(df, t);
            assertTrue(seen.add(fp), "every change gives a new fingerprint: " + fp);
        }
        Files.writeString(df, "FROM debian:trixie\nRUN true\n");
        assertTrue(seen.add(image(df, m -> m)), "Dockerfile content counts");
    }

    @Test
    void orderOfAddingAndOfMapEntriesDoesNotMatter() {
        Map<String, String> a = new LinkedHashMap<>();
        a.put("X", "1");
        a.put("Y", "2");
        Map<String, String> b = new LinkedHashMap<>();
        b.put("Y", "2");
        b.put("X", "1");
        String one = Fingerprint.builder("p").add("k1", "v").add("args", a).build();
        String two = Fingerprint.builder("p").add("args", b).add("k1", "v").build();
        assertEquals(one, two);
    }

    @Test
    void encodingIsUnambiguous() {
        assertNotEquals(fp("a", "bc"), fp("ab", "c"), "value boundary");
        assertNotEquals(Fingerprint.builder("p").add("ab", "c").build(),
                Fingerprint.builder("p").add("a", "bc").build(), "name/value boundary");
        assertNotEquals(Fingerprint.builder("p").add("k", (String) null).build(),
                Fingerprint.builder("p").add("k", "").build(), "absent != empty");
        assertNotEquals(Fingerprint.builder("p").add("k", "x").build(),
                Fingerprint.builder("p").addDigest("k", "x").build(), "a digest is not a string");
        assertNotEquals(Fingerprint.builder("p").add("m", Map.of("a=b", "c")).build(),
                Fingerprint.builder("p").add("m", Map.of("a", "b=c")).build(), "map key/value boundary");
        assertNotEquals(Fingerprint.builder("p").add("k", "v").build(),
                Fingerprint.builder("q").add("k", "v").build(), "purpose counts");
        assertNotEquals(Fingerprint.builder("p").add("k", true).build(),
                Fingerprint.builder("p").add("k", false).build());
    }

    private static String fp(String x, String y) {
        return Fingerprint.builder("p").add("x", x).add("y", y).build();
    }

    @Test
    void streamsFilesAndBytesAgree() throws IOException {
        byte[] data = "hello\n".getBytes(StandardCharsets.UTF_8);
        Path f = tmp.resolve("f");
        Files.write(f, data);
        String s = Fingerprint.builder("p").addStream("x", new ByteArrayInputStream(data)).build();
        assertEquals(s, Fingerprint.builder("p").addFile("x", f).build());
        assertNotEquals(s, Fingerprint.builder("p").addFile("x", tmp.resolve("f")).add("y", "").build());
        Files.write(f, "hello!\n".getBytes(StandardCharsets.UTF_8));
        assertNotEquals(s, Fingerprint.builder("p").addFile("x", f).build());
        assertThrows(IOException.class, () -> Fingerprint.builder("p").addFile("x", tmp.resolve("missing")));
    }

    @Test
    void duplicateNamesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> Fingerprint.builder("p").add("k", "1").add("k", "2"));
    }
}
