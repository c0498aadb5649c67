package ai.pharos.it;

import ai.pharos.core.sif.SquashfsListing;
import ai.pharos.core.sif.SquashfsListing.Item;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The docker CLI, used by the tests to look at what the plugin produced (independently of the plugin's code). */
final class Docker {
    private Docker() {
    }

    record Out(int code, String stdout) {
    }

    static Out cli(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add("docker");
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Out(p.waitFor(), out);
    }

    static boolean available() {
        try {
            return cli("version").code() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** The dev container image the ITs run in (built by the dev-container module, before integration-tests). */
    static final String DEV_IMAGE = "pharos-dev:latest";

    /** Skips the calling test, saying why, unless an engine answers and has {@link #DEV_IMAGE}. */
    static void assumeDevImage() throws IOException, InterruptedException {
        assumeTrue(available(), "no Docker engine answers");
        assumeTrue(cli("image", "inspect", DEV_IMAGE).code() == 0,
                DEV_IMAGE + " is not built (run the dev-container module first)");
    }

    /** {@code docker export} of a container created from {@code image}, as a listing (paths, modes, owners, links). */
    static Map<String, Item> exportListing(String image) throws Exception {
        Out created = cli("create", "--network", "host", image);
        assertEquals(0, created.code(), "docker create " + image + ": " + created.stdout());
        String[] lines = created.stdout().strip().split("\n");
        String container = lines[lines.length - 1].strip();
        try {
            Process p = new ProcessBuilder("docker", "export", container)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            Map<String, Item> listing;
            try (InputStream in = new BufferedInputStream(p.getInputStream(), 1 << 16)) {
                listing = SquashfsListing.ofTar(in);
                in.transferTo(java.io.OutputStream.nullOutputStream());
            }
            assertEquals(0, p.waitFor(), "docker export " + container + " (of " + image + ")");
            return listing;
        } finally {
            cli("rm", "-f", container);
        }
    }

    static void removeImage(String ref) throws IOException, InterruptedException {
        cli("rmi", "-f", ref);
    }
}
