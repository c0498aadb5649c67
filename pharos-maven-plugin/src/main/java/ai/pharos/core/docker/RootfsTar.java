package ai.pharos.core.docker;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Writes a root filesystem directory as a deterministic tar: entries in byte order of their paths, every mtime set to
 * one instant, numeric ownership and permission bits kept, hardlinks as links to the first path, symlinks, device
 * nodes and fifos preserved. Same tree, same bytes. Used to import a debootstrapped tree as an image.
 */
public final class RootfsTar {
    private RootfsTar() {
    }

    /** Summary of a written tar. */
    public record Summary(long entries, long bytes) {
    }

    public static Summary write(Path root, OutputStream out, Instant mtime, Predicate<String> exclude) throws IOException {
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(root)) {
            paths = new ArrayList<>(walk.filter(p -> !p.equals(root)).toList());
        }
        List<String> names = new ArrayList<>();
        Map<String, Path> byName = new HashMap<>();
        for (Path p : paths) {
            String name = root.relativize(p).toString();
            if (exclude.test(name)) {
                continue;
            }
            names.add(name);
            byName.put(name, p);
        }
        names.sort(null);
        Map<String, String> firstByInode = new HashMap<>();
        long entries = 0;
        long bytes = 0;
        TarArchiveOutputStream tar = new TarArchiveOutputStream(out, "UTF-8");
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        tar.setAddPaxHeadersForNonAsciiNames(true);
        for (String name : names) {
            Path p = byName.get(name);
            Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,ino,dev,nlink,rdev",
                    LinkOption.NOFOLLOW_LINKS);
            int mode = (Integer) a.get("mode");
            int type = mode & 0170000;
            TarArchiveEntry e;
            boolean data = false;
            if (type == 0040000) {
                e = new TarArchiveEntry(name + "/", TarConstants.LF_DIR);
            } else if (type == 0120000) {
                e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
                e.setLinkName(Files.readSymbolicLink(p).toString());
            } else if (type == 0020000 || type == 0060000) {
                e = new TarArchiveEntry(name, type == 0020000 ? TarConstants.LF_CHR : TarConstants.LF_BLK);
                long rdev = (Long) a.get("rdev");
                e.setDevMajor((int) (((rdev >> 8) & 0xfff) | ((rdev >> 32) & ~0xfffL)));
                e.setDevMinor((int) ((rdev & 0xff) | ((rdev >> 12) & ~0xffL)));
            } else if (type == 0010000) {
                e = new TarArchiveEntry(name, TarConstants.LF_FIFO);
            } else if (type == 0100000) {
                String key = a.get("dev") + ":" + a.get("ino");
                String first = (Integer) a.get("nlink") > 1 ? firstByInode.putIfAbsent(key, name) : null;
                if (first != null) {
                    e = new TarArchiveEntry(name, TarConstants.LF_LINK);
                    e.setLinkName(first);
                } else {
                    e = new TarArchiveEntry(name);
                    e.setSize(Files.size(p));
                    data = true;
                }
            } else {
                continue; // sockets are not archived (like GNU tar)
            }
            e.setMode(mode);
            e.setUserId((Integer) a.get("uid"));
            e.setGroupId((Integer) a.get("gid"));
            e.setUserName("");
            e.setGroupName("");
            e.setModTime(FileTime.from(mtime));
            tar.putArchiveEntry(e);
            if (data) {
                try (InputStream in = Files.newInputStream(p)) {
                    bytes += in.transferTo(tar);
                }
            }
            tar.closeArchiveEntry();
            entries++;
        }
        tar.finish();
        tar.flush();
        return new Summary(entries, bytes);
    }
}
