package ai.pharos.core.deb;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * SHA-256 over a directory tree: every entry's relative path, kind, executable bit and content (symlinks by target),
 * in sorted order. Version-control metadata ({@code .git}, {@code .svn}, {@code .hg}) is excluded, as it is from the
 * copy the build uses. Timestamps do not count, so a fresh checkout of the same tree has the same hash.
 */
public final class TreeHash {
    static final List<String> EXCLUDED = List.of(".git", ".svn", ".hg");

    private TreeHash() {
    }

    public static String of(Path root) throws IOException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        List<Path> entries;
        try (Stream<Path> walk = Files.walk(root)) {
            entries = walk.filter(p -> !p.equals(root)).filter(p -> !excluded(root, p))
                    .sorted((a, b) -> root.relativize(a).toString().compareTo(root.relativize(b).toString()))
                    .toList();
        }
        byte[] buf = new byte[1 << 16];
        for (Path p : entries) {
            String rel = root.relativize(p).toString();
            if (Files.isSymbolicLink(p)) {
                sha.update(("L " + rel + " -> " + Files.readSymbolicLink(p) + "\n").getBytes(StandardCharsets.UTF_8));
            } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                sha.update(("D " + rel + "\n").getBytes(StandardCharsets.UTF_8));
            } else {
                sha.update(((Files.isExecutable(p) ? "X " : "F ") + rel + " " + Files.size(p) + "\n")
                        .getBytes(StandardCharsets.UTF_8));
                try (InputStream in = Files.newInputStream(p)) {
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        sha.update(buf, 0, n);
                    }
                }
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    static boolean excluded(Path root, Path p) {
        for (Path part : root.relativize(p)) {
            if (EXCLUDED.contains(part.toString())) {
                return true;
            }
        }
        return false;
    }
}
