package ai.pharos.core.sif;

import ai.pharos.core.PharosException;
import ai.pharos.core.process.ProcessRunner;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The equivalence check between a SIF and its image: the listing of the SIF's squashfs ({@code unsquashfs -lln})
 * against the listing of a {@code docker export} tar of a container from the same image — paths, types, modes,
 * owners, sizes (files; device numbers) and link targets — apart from what apptainer adds ({@link #isAddition}) and
 * what the engine puts in every container ({@link #isEngineArtifact}). Directory sizes and inode numbers are
 * filesystem internals and are not compared; a hardlink is listed as a file with its data's size (as squashfs does).
 */
public final class SquashfsListing {

    private SquashfsListing() {
    }

    /**
     * One listed path.
     *
     * @param type  {@code -}, {@code d}, {@code l}, {@code c}, {@code b}, {@code p}, {@code s}
     * @param mode  {@code rwxr-xr-x} (with {@code s}/{@code S}/{@code t}/{@code T})
     * @param owner {@code uid/gid}
     * @param size  file size, {@code major,minor} of a device, empty otherwise
     * @param link  symlink target, or null
     */
    public record Item(String type, String mode, String owner, String size, String link) {
        @Override
        public String toString() {
            return type + mode + " " + owner + (size.isEmpty() ? "" : " " + size) + (link == null ? "" : " -> " + link);
        }
    }

    private static final Pattern UNSQUASHFS = Pattern.compile(
            "^(\\S)(\\S{9}) (\\d+/\\d+) +(.*?) (\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d) (.*)$");

    /** What apptainer adds for a Docker source (documented in docs/sif.md). */
    private static final Set<String> ADDED_LINKS = Set.of("/singularity", "/.run", "/.exec", "/.test", "/.shell",
            "/environment");

    /** What the engine puts in every container, not part of the image. */
    private static final Set<String> ENGINE_ARTIFACTS = Set.of("/.dockerenv", "/etc/hostname", "/etc/hosts",
            "/etc/resolv.conf", "/etc/mtab", "/dev/console", "/dev/pts", "/dev/shm");

    /** A path apptainer adds to the image ({@code /.singularity.d} and the compatibility symlinks). */
    public static boolean isAddition(String path) {
        return path.equals("/.singularity.d") || path.startsWith("/.singularity.d/") || ADDED_LINKS.contains(path);
    }

    /** A path the engine adds to every container (or, for hosts/resolv.conf, that apptainer empties). */
    public static boolean isEngineArtifact(String path) {
        return ENGINE_ARTIFACTS.contains(path);
    }

    /** Parse {@code unsquashfs -lln -d ""} output (the root itself is left out). */
    public static Map<String, Item> parseUnsquashfs(List<String> lines) {
        Map<String, Item> out = new TreeMap<>();
        for (String line : lines) {
            Matcher m = UNSQUASHFS.matcher(line);
            if (!m.matches()) {
                continue;
            }
            String type = m.group(1);
            String name = m.group(6);
            String link = null;
            if (type.equals("l")) {
                int arrow = name.indexOf(" -> ");
                link = name.substring(arrow + 4);
                name = name.substring(0, arrow);
            }
            if (name.isEmpty()) {
                continue; // the root
            }
            String size = switch (type) {
                case "-" -> m.group(4).trim();
                case "c", "b" -> m.group(4).replace(" ", "");
                default -> "";
            };
            out.put(name, new Item(type, m.group(2), m.group(3), size, link));
        }
        return out;
    }

    /**
     * The listing of a tar stream (e.g. {@code docker export}), read up to its end-of-archive; {@code in} is not
     * closed. Hardlinks become files with their target's size.
     */
    public static Map<String, Item> ofTar(InputStream in) throws IOException {
        Map<String, Item> out = new TreeMap<>();
        Map<String, String> sizes = new HashMap<>();
        List<String[]> hardlinks = new ArrayList<>();
        TarArchiveInputStream tar = new TarArchiveInputStream(in, StandardCharsets.UTF_8.name()); // in stays open
        TarArchiveEntry e;
        while ((e = tar.getNextEntry()) != null) {
            String name = "/" + e.getName();
            while (name.length() > 1 && name.endsWith("/")) {
                name = name.substring(0, name.length() - 1);
            }
            if (name.equals("/") || name.equals("/.")) {
                continue;
            }
            if (name.startsWith("/./")) {
                name = name.substring(2);
            }
            String type = e.isDirectory() ? "d" : e.isSymbolicLink() ? "l" : e.isCharacterDevice() ? "c"
                    : e.isBlockDevice() ? "b" : e.isFIFO() ? "p" : "-";
            String size = type.equals("-") ? Long.toString(e.getSize())
                    : type.equals("c") || type.equals("b") ? e.getDevMajor() + "," + e.getDevMinor() : "";
            if (e.isLink()) {
                String target = "/" + e.getLinkName();
                hardlinks.add(new String[] {name, target.startsWith("/./") ? target.substring(2) : target});
            }
            sizes.put(name, size);
            out.put(name, new Item(type, perms(e.getMode()), e.getLongUserId() + "/" + e.getLongGroupId(), size,
                    e.isSymbolicLink() ? e.getLinkName() : null));
        }
        for (String[] h : hardlinks) {
            Item i = out.get(h[0]);
            out.put(h[0], new Item("-", i.mode(), i.owner(), sizes.getOrDefault(h[1], "?"), null));
        }
        return out;
    }

    /** {@code ls}-style permission string of a mode. */
    public static String perms(int mode) {
        char[] c = "rwxrwxrwx".toCharArray();
        for (int i = 0; i < 9; i++) {
            if ((mode & (1 << (8 - i))) == 0) {
                c[i] = '-';
            }
        }
        if ((mode & 04000) != 0) {
            c[2] = c[2] == 'x' ? 's' : 'S';
        }
        if ((mode & 02000) != 0) {
            c[5] = c[5] == 'x' ? 's' : 'S';
        }
        if ((mode & 01000) != 0) {
            c[8] = c[8] == 'x' ? 't' : 'T';
        }
        return new String(c);
    }

    /** Byte offset of a SIF's primary system partition, read from its descriptors. */
    public static long primaryPartitionOffset(Path sif) throws IOException {
        byte[] b = new byte[4096 + 48 * 585];
        try (InputStream in = Files.newInputStream(sif)) {
            if (in.readNBytes(b, 0, b.length) < b.length) {
                throw new IOException(sif + " is too short for a SIF");
            }
        }
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 48; i++) {
            int base = 4096 + 585 * i;
            if (bb.getInt(base) == 0x4004 && bb.getInt(base + 201 + 4) == 2) {
                return bb.getLong(base + 17);
            }
        }
        throw new IOException("no primary system partition in " + sif);
    }

    /** The listing of a SIF's squashfs, by {@code unsquashfs -o <offset> -lln} (unsquashfs must be on the PATH). */
    public static Map<String, Item> ofSif(Path sif) throws IOException, PharosException {
        List<String> out = new ArrayList<>();
        ProcessRunner.Result r = ProcessRunner.run(List.of("unsquashfs", "-o",
                Long.toString(primaryPartitionOffset(sif)), "-lln", "-d", "", sif.toString()), null, Map.of(),
                out::add, out::add);
        if (!r.ok()) {
            throw new IOException("unsquashfs -lln " + sif + " failed with exit code " + r.exitCode() + ": "
                    + String.join(" | ", r.stderrTail()));
        }
        return parseUnsquashfs(out);
    }

    /**
     * The differences between a SIF's listing and the export's, sorted by path: {@code only in SIF: p},
     * {@code only in export: p}, {@code p: sif … export …}. Additions and engine artifacts are left out; directory
     * sizes are ignored. Empty when equivalent.
     */
    public static List<String> differences(Map<String, Item> sif, Map<String, Item> export) {
        Map<String, Item> a = normalized(sif);
        Map<String, Item> b = normalized(export);
        TreeSet<String> paths = new TreeSet<>(a.keySet());
        paths.addAll(b.keySet());
        List<String> diff = new ArrayList<>();
        for (String p : paths) {
            Item x = a.get(p);
            Item y = b.get(p);
            if (y == null) {
                diff.add("only in SIF: " + p + " (" + x + ")");
            } else if (x == null) {
                diff.add("only in export: " + p + " (" + y + ")");
            } else if (!x.equals(y)) {
                diff.add(p + ": sif " + x + " / export " + y);
            }
        }
        return diff;
    }

    private static Map<String, Item> normalized(Map<String, Item> listing) {
        Map<String, Item> m = new TreeMap<>();
        listing.forEach((k, v) -> {
            if (!isAddition(k) && !isEngineArtifact(k)) {
                m.put(k, v.type().equals("d") ? new Item("d", v.mode(), v.owner(), "", null) : v);
            }
        });
        return m;
    }
}
