package ai.pharos.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

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

    static void removeImage(String ref) throws IOException, InterruptedException {
        cli("rmi", "-f", ref);
    }
}
