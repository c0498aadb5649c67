package ai.pharos.core.sif;

import ai.pharos.core.process.ProcessRunner;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With a real Docker engine: images exercising every layer feature are saved, converted, and the SIF's squashfs
 * listing ({@code unsquashfs -lln}) must equal the listing of {@code docker export} of a container from the same
 * image (paths, types, modes, owners, sizes, link targets), apart from the documented apptainer additions.
 */
class RealEngineEquivalenceTest {

    static final String TAG = "sif-equivalence-test:" + ProcessHandle.current().pid();
    static final String LONG_DIR = "/w/long/" + "d".repeat(50) + "/" + "e".repeat(40);
    static final String LONG_PATH = LONG_DIR + "/" + "f".repeat(120 - LONG_DIR.length() - 1);

    static final String DOCKERFILE = String.join("\n",
            "FROM debian:trixie",
            "RUN mkdir -p /w/dir/sub /w/opq/old-sub " + LONG_DIR + " && echo a > /w/file-gone && echo b > /w/dir/sub/f"
                    + " && echo c > /w/opq/old && echo c2 > /w/opq/old-sub/x && echo keep > /w/keep"
                    + " && echo data > /w/hl-orig && echo v1 > /w/replaced && ln /w/replaced /w/replaced-link"
                    + " && echo long > " + LONG_PATH,
            "RUN ln /w/hl-orig /w/hl-link && echo v2 > /w/replaced"
                    + " && ln -s /w/s2 /w/s1 && ln -s s3 /w/s2 && ln -s /w/keep /w/s3"
                    + " && echo s > /w/suid && chmod 4755 /w/suid && mkdir /w/sgid && chmod 2775 /w/sgid"
                    + " && mkdir /w/sticky && chmod 1777 /w/sticky"
                    + " && echo o > /w/owned && chown 1234:5678 /w/owned && mkdir /w/owned-dir"
                    + " && chown 4321:8765 /w/owned-dir && chmod 0750 /w/owned-dir"
                    + " && echo u > '/w/ünïcødé-файл' && mkfifo /w/fifo",
            "RUN rm /w/file-gone /w/hl-orig && rm -rf /w/dir /w/opq && mkdir /w/opq && echo new > /w/opq/new",
            "ENV GREETING=\"hello world\" PATH=/opt/bin:/usr/local/bin:/usr/bin:/bin",
            "LABEL org.example.test=equivalence",
            "ENTRYPOINT [\"/bin/echo\"]",
            "CMD [\"from\", \"cmd\"]",
            "");

    static Path work;

    @BeforeAll
    static void buildImage(@TempDir Path tmp) throws Exception {
        Assumptions.assumeTrue(ProcessRunner.which("docker").isPresent(), "docker CLI not on the PATH");
        Assumptions.assumeTrue(HostSquashfsTool.find().isPresent(), "mksquashfs not on the PATH");
        Assumptions.assumeTrue(ProcessRunner.which("unsquashfs").isPresent(), "unsquashfs not on the PATH");
        Assumptions.assumeTrue(quiet("docker", "info") == 0, "no Docker engine answers 'docker info'");
        ai.pharos.core.docker.TestBaseImage.ensure();
        work = tmp;
        Path ctx = Files.createDirectories(tmp.resolve("ctx"));
        Files.writeString(ctx.resolve("Dockerfile"), DOCKERFILE);
        SifConverterTest.run("docker", "build", "--network", "host", "-q", "-t", TAG, ctx.toString());
    }

    @AfterAll
    static void removeImage() throws Exception {
        if (work != null) {
            quiet("docker", "rmi", "-f", TAG);
        }
    }

    static int quiet(String... cmd) throws Exception {
        return ProcessRunner.run(List.of(cmd), null, Map.of(), l -> { }, l -> { }).exitCode();
    }

    /** One listed path. */
    record Item(String type, String mode, String owner, String size, String link) {
    }

    private static final Pattern UNSQUASHFS = Pattern.compile(
            "^(\\S)(\\S{9}) (\\d+/\\d+) +(.*?) (\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d) (.*)$");

    static Map<String, Item> squashfsListing(Path sif) throws Exception {
        Map<String, Item> out = new TreeMap<>();
        for (String line : SifConverterTest.unsquashfsListing(sif)) {
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

    static Map<String, Item> exportListing(String image) throws Exception {
        List<String> id = SifConverterTest.run("docker", "create", "--network", "host", image);
        String container = id.get(id.size() - 1).trim();
        try {
            Process p = new ProcessBuilder("docker", "export", container).redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            Map<String, Item> out = new TreeMap<>();
            Map<String, String> sizes = new HashMap<>();
            List<String[]> hardlinks = new ArrayList<>();
            try (InputStream in = new BufferedInputStream(p.getInputStream());
                 TarArchiveInputStream tar = new TarArchiveInputStream(in, StandardCharsets.UTF_8.name())) {
                TarArchiveEntry e;
                while ((e = tar.getNextEntry()) != null) {
                    String name = "/" + e.getName();
                    if (name.endsWith("/")) {
                        name = name.substring(0, name.length() - 1);
                    }
                    String type = e.isDirectory() ? "d" : e.isSymbolicLink() ? "l" : e.isCharacterDevice() ? "c"
                            : e.isBlockDevice() ? "b" : e.isFIFO() ? "p" : "-";
                    String size = type.equals("-") ? Long.toString(e.getSize())
                            : type.equals("c") || type.equals("b") ? e.getDevMajor() + "," + e.getDevMinor() : "";
                    if (e.isLink()) {
                        hardlinks.add(new String[] {name, "/" + e.getLinkName()});
                    }
                    sizes.put(name, size);
                    out.put(name, new Item(type, perms(e.getMode()), e.getLongUserId() + "/" + e.getLongGroupId(),
                            size, e.isSymbolicLink() ? e.getLinkName() : null));
                }
            }
            p.waitFor();
            for (String[] h : hardlinks) { // squashfs lists hardlinks as files with the data's size
                Item i = out.get(h[0]);
                out.put(h[0], new Item("-", i.mode(), i.owner(), sizes.get(h[1]), null));
            }
            return out;
        } finally {
            quiet("docker", "rm", "-f", container);
        }
    }

    static String perms(int mode) {
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

    /** What apptainer adds (documented), removed from the SIF side before comparing. */
    static boolean isAddition(String path) {
        return path.equals("/.singularity.d") || path.startsWith("/.singularity.d/")
                || List.of("/singularity", "/.run", "/.exec", "/.test", "/.shell", "/environment").contains(path);
    }

    /** What the engine adds to every container (not part of the image), removed from the export side. */
    static boolean isEngineArtifact(String path) {
        return List.of("/.dockerenv", "/etc/hostname", "/etc/hosts", "/etc/resolv.conf", "/etc/mtab", "/dev/console",
                "/dev/pts", "/dev/shm").contains(path);
    }

    @Test
    void squashfsListingEqualsDockerExportApartFromDocumentedAdditions() throws Exception {
        Path archive = work.resolve("image.tar");
        SifConverterTest.run("docker", "save", "-o", archive.toString(), TAG);
        String id = SifConverterTest.run("docker", "image", "inspect", "-f", "{{.Id}}", TAG).get(0).trim();
        SifConverter.Result r = new SifConverter(new SifConverterTest.Recording(), HostSquashfsTool.find().get())
                .convert(ImageSource.archive(archive, TAG, id), SifConverter.Options.of(work.resolve("out"), "equiv"));

        SifConverterTest.assertSiftoolAccepts(r.sif(), TAG);
        Map<String, Item> sif = squashfsListing(r.sif());
        Map<String, Item> export = exportListing(TAG);

        // the additions are there, with apptainer's shapes
        assertEquals(new Item("l", "rwxrwxrwx", "0/0", "", ".singularity.d/runscript"), sif.get("/singularity"));
        assertEquals("0", sif.get("/etc/hosts").size());
        assertEquals("0", sif.get("/etc/resolv.conf").size());
        assertTrue(sif.containsKey("/.singularity.d/env/10-docker2singularity.sh"));

        Map<String, Item> sifImage = new TreeMap<>(sif);
        sifImage.keySet().removeIf(p -> isAddition(p) || isEngineArtifact(p));
        Map<String, Item> exportImage = new TreeMap<>(export);
        exportImage.keySet().removeIf(RealEngineEquivalenceTest::isEngineArtifact);
        for (Map<String, Item> m : List.of(sifImage, exportImage)) { // directories: sizes are filesystem-specific
            m.replaceAll((k, v) -> v.type().equals("d") ? new Item("d", v.mode(), v.owner(), "", null) : v);
        }
        TreeSet<String> onlySif = new TreeSet<>(sifImage.keySet());
        onlySif.removeAll(exportImage.keySet());
        TreeSet<String> onlyExport = new TreeSet<>(exportImage.keySet());
        onlyExport.removeAll(sifImage.keySet());
        assertTrue(onlySif.isEmpty() && onlyExport.isEmpty(), "only in SIF: " + onlySif + "; only in export: "
                + onlyExport);
        List<String> differing = new ArrayList<>();
        for (String p : sifImage.keySet()) {
            if (!sifImage.get(p).equals(exportImage.get(p))) {
                differing.add(p + ": sif " + sifImage.get(p) + " export " + exportImage.get(p));
            }
        }
        assertTrue(differing.isEmpty(), String.join("\n", differing));

        // the features the image was built to exercise are really there
        assertTrue(!sif.containsKey("/w/file-gone") && !sif.containsKey("/w/dir") && !sif.containsKey("/w/hl-orig"));
        assertEquals(List.of("/w/opq", "/w/opq/new"), sif.keySet().stream().filter(p -> p.startsWith("/w/opq"))
                .toList());
        assertEquals(new Item("-", "rw-r--r--", "0/0", "5", null), sif.get("/w/hl-link"));
        assertEquals("3", sif.get("/w/replaced").size());
        assertEquals("3", sif.get("/w/replaced-link").size());
        assertEquals("/w/s2", sif.get("/w/s1").link());
        assertEquals("rwsr-xr-x", sif.get("/w/suid").mode());
        assertEquals("rwxrwsr-x", sif.get("/w/sgid").mode());
        assertEquals("rwxrwxrwt", sif.get("/w/sticky").mode());
        assertEquals("1234/5678", sif.get("/w/owned").owner());
        assertEquals("4321/8765", sif.get("/w/owned-dir").owner());
        assertEquals(120, LONG_PATH.length());
        assertEquals("5", sif.get(LONG_PATH).size());
        assertEquals("2", sif.get("/w/ünïcødé-файл").size());
        assertEquals("p", sif.get("/w/fifo").type());

        String runscript = String.join("\n", SifConverterTest.run("unsquashfs", "-o",
                Long.toString(SifConverterTest.partitionOffset(r.sif())), "-cat", r.sif().toString(),
                ".singularity.d/runscript"));
        assertTrue(runscript.contains("OCI_ENTRYPOINT='\"/bin/echo\"'") && runscript.contains(
                "OCI_CMD='\"from\" \"cmd\"'") && runscript.contains("eval \"set ${SINGULARITY_OCI_RUN}\""), runscript);
        String env = String.join("\n", SifConverterTest.run("unsquashfs", "-o",
                Long.toString(SifConverterTest.partitionOffset(r.sif())), "-cat", r.sif().toString(),
                ".singularity.d/env/10-docker2singularity.sh"));
        assertTrue(env.contains("export GREETING=\"${GREETING:-\"hello world\"}\"")
                && env.contains("export PATH=\"/opt/bin:/usr/local/bin:/usr/bin:/bin\""), env);
    }
}
