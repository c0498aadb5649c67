package ai.pharos.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

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

    static void removeImage(String ref) throws IOException, InterruptedException {
        cli("rmi", "-f", ref);
    }
}
