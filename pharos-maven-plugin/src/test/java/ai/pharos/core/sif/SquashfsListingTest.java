package ai.pharos.core.sif;

import ai.pharos.core.sif.SquashfsListing.Item;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SquashfsListingTest {

    @Test
    void parsesUnsquashfsLinesOfEveryType() {
        Map<String, Item> m = SquashfsListing.parseUnsquashfs(List.of(
                "Parallel unsquashfs: Using 2 processors",
                "drwxr-xr-x 0/0                     123 2026-11-25 22:04 ",
                "lrwxrwxrwx 0/0                       7 2026-11-08 20:20 /bin -> usr/bin",
                "-rwsr-xr-x 1000/1001              4096 2026-11-08 20:20 /opt/tool with space",
                "crw-rw-rw- 0/0               1,  3 2026-11-08 20:20 /dev/null",
                "prw-r--r-- 0/0                       0 2026-11-08 20:20 /w/fifo",
                "drwxrwxrwt 0/0                      40 2026-11-08 20:20 /tmp"));
        assertEquals(Map.of(
                "/bin", new Item("l", "rwxrwxrwx", "0/0", "", "usr/bin"),
                "/opt/tool with space", new Item("-", "rwsr-xr-x", "1000/1001", "4096", null),
                "/dev/null", new Item("c", "rw-rw-rw-", "0/0", "1,3", null),
                "/w/fifo", new Item("p", "rw-r--r--", "0/0", "", null),
                "/tmp", new Item("d", "rwxrwxrwt", "0/0", "", null)), m);
    }

    @Test
    void tarListingGivesHardlinksTheirDataSizeAndDropsTheRoot() throws Exception {
        TestImage.Layer l = TestImage.layer(x -> x.dir("./").dir("etc").file("etc/motd", "hello", 04750, 12, 34)
                .hardlink("etc/motd.link", "etc/motd").symlink("etc/alias", "motd"));
        TarArchiveEntry dev = new TarArchiveEntry("null", TarConstants.LF_CHR, true);
        dev.setMode(0666);
        dev.setDevMajor(1);
        dev.setDevMinor(3);
        l.entry(dev, null);
        Map<String, Item> m = SquashfsListing.ofTar(new ByteArrayInputStream(l.tar()));
        Map<String, Item> expected = new TreeMap<>(Map.of(
                "/etc", new Item("d", "rwxr-xr-x", "0/0", "", null),
                "/etc/motd", new Item("-", "rwsr-x---", "12/34", "5", null),
                "/etc/motd.link", new Item("-", "rw-r--r--", "0/0", "5", null),
                "/etc/alias", new Item("l", "rwxrwxrwx", "0/0", "", "motd"),
                "/null", new Item("c", "rw-rw-rw-", "0/0", "1,3", null)));
        assertEquals(expected, m);
    }

    @Test
    void differencesIgnoreAdditionsEngineArtifactsAndDirectorySizesButNothingElse() {
        Map<String, Item> sif = new TreeMap<>(Map.of(
                "/.singularity.d/runscript", new Item("-", "rwxr-xr-x", "0/0", "300", null),
                "/singularity", new Item("l", "rwxrwxrwx", "0/0", "", ".singularity.d/runscript"),
                "/etc/hosts", new Item("-", "rw-r--r--", "0/0", "0", null),
                "/usr", new Item("d", "rwxr-xr-x", "0/0", "99", null),
                "/usr/bin/a", new Item("-", "rwxr-xr-x", "0/0", "10", null),
                "/usr/bin/b", new Item("-", "rwxr-xr-x", "0/0", "10", null),
                "/usr/bin/extra", new Item("-", "rwxr-xr-x", "0/0", "1", null)));
        Map<String, Item> export = new TreeMap<>(Map.of(
                "/.dockerenv", new Item("-", "rwxr-xr-x", "0/0", "0", null),
                "/etc/hosts", new Item("-", "rw-r--r--", "0/0", "174", null),
                "/usr", new Item("d", "rwxr-xr-x", "0/0", "", null),
                "/usr/bin/a", new Item("-", "rwxr-xr-x", "0/0", "10", null),
                "/usr/bin/b", new Item("-", "rwxr-x---", "0/0", "10", null),
                "/usr/lib", new Item("d", "rwxr-xr-x", "0/0", "", null)));
        assertEquals(List.of(
                "/usr/bin/b: sif -rwxr-xr-x 0/0 10 / export -rwxr-x--- 0/0 10",
                "only in SIF: /usr/bin/extra (-rwxr-xr-x 0/0 1)",
                "only in export: /usr/lib (drwxr-xr-x 0/0)"), SquashfsListing.differences(sif, export));
        export.put("/usr/bin/b", sif.get("/usr/bin/b"));
        export.put("/usr/bin/extra", sif.get("/usr/bin/extra"));
        export.remove("/usr/lib");
        assertEquals(List.of(), SquashfsListing.differences(sif, export));
    }

    @Test
    void permissionStrings() {
        assertEquals("rwsr-sr-t", SquashfsListing.perms(07755));
        assertEquals("rwSr-Sr-T", SquashfsListing.perms(07644));
        assertEquals("---------", SquashfsListing.perms(0));
    }
}
