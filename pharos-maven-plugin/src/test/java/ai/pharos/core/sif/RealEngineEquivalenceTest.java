package ai.pharos.core.sif;

import ai.pharos.core.process.ProcessRunner;
import ai.pharos.core.sif.SquashfsListing.Item;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

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

    static Map<String, Item> exportListing(String image) throws Exception {
        List<String> id = SifConverterTest.run("docker", "create", "--network", "host", image);
        String container = id.get(id.size() - 1).trim();
        try {
            Process p = new ProcessBuilder("docker", "export", container).redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            Map<String, Item> out;
            try (InputStream in = new BufferedInputStream(p.getInputStream())) {
                out = SquashfsListing.ofTar(in);
                in.transferTo(java.io.OutputStream.nullOutputStream());
            }
            assertEquals(0, p.waitFor(), "docker export " + container);
            return out;
        } finally {
            quiet("docker", "rm", "-f", container);
        }
    }

    @Test
    void squashfsListingEqualsDockerExportApartFromDocumentedAdditions() throws Exception {
        Path archive = work.resolve("image.tar");
        SifConverterTest.run("docker", "save", "-o", archive.toString(), TAG);
        String id = SifConverterTest.run("docker", "image", "inspect", "-f", "{{.Id}}", TAG).get(0).trim();
        SifConverter.Result r = new SifConverter(new SifConverterTest.Recording(), HostSquashfsTool.find().get())
                .convert(ImageSource.archive(archive, TAG, id), SifConverter.Options.of(work.resolve("out"), "equiv"));

        SifConverterTest.assertSiftoolAccepts(r.sif(), TAG);
        Map<String, Item> sif = SquashfsListing.ofSif(r.sif());
        Map<String, Item> export = exportListing(TAG);

        // the additions are there, with apptainer's shapes
        assertEquals(new Item("l", "rwxrwxrwx", "0/0", "", ".singularity.d/runscript"), sif.get("/singularity"));
        assertEquals("0", sif.get("/etc/hosts").size());
        assertEquals("0", sif.get("/etc/resolv.conf").size());
        assertTrue(sif.containsKey("/.singularity.d/env/10-docker2singularity.sh"));

        List<String> differing = SquashfsListing.differences(sif, export);
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
