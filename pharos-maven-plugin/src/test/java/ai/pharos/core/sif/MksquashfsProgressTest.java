package ai.pharos.core.sif;

import ai.pharos.core.PharosException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The progress a user sees in the Maven log while mksquashfs runs: mksquashfs reads its whole input long before its
 * compressors finish, so after "read … of …" the log must go on saying how much squashfs has been written.
 */
class MksquashfsProgressTest {

    /**
     * Stands in for mksquashfs: copies stdin to the output file, then "compresses" for a while, appending 1 KiB every
     * 100 ms, like a writer thread that trails the reader.
     */
    record SlowTool() implements SquashfsTool {
        @Override
        public String version() {
            return "4.6";
        }

        @Override
        public Process start(List<String> arguments, Map<String, String> environment) throws PharosException {
            String output = arguments.get(1);
            try {
                return new ProcessBuilder("sh", "-c", "cat > \"$0\"; i=0; while [ $i -lt 8 ]; do sleep 0.1; "
                        + "head -c 1024 /dev/zero >> \"$0\"; i=$((i+1)); done", output).start();
            } catch (IOException e) {
                throw new PharosException(e.getMessage(), null, null, e);
            }
        }

        @Override
        public String describe() {
            return "slow fake mksquashfs";
        }
    }

    private static final Pattern FEEDING =
            Pattern.compile("mksquashfs: read .+ of 64\\.0 KiB \\(\\d+%\\), wrote .+, \\d+s");
    private static final Pattern COMPRESSING =
            Pattern.compile("mksquashfs: read all 64\\.0 KiB, compressing; wrote (\\d+\\.\\d) KiB, \\d+s");
    private static final Pattern DONE = Pattern.compile("mksquashfs: 64\\.0 KiB of file data in \\d+s");

    @Test
    void logsBytesReadWhileFeedingThenBytesWrittenWhileCompressing(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("x.sqfs");
        SifConverterTest.Recording console = new SifConverterTest.Recording();
        byte[] chunk = new byte[8192];
        Mksquashfs.build(new SlowTool(), out, 0, Mksquashfs.Compression.GZIP, null, 65536, (stream, progress) -> {
            for (int done = 0; done < 65536; done += chunk.length) {
                stream.write(chunk);
                stream.flush();
                progress.update(done + chunk.length, 65536);
                try {
                    Thread.sleep(40);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }, console, 100);

        // every line is one of the three kinds, in this order: read (F), compressing (C), done (D)
        StringBuilder kinds = new StringBuilder();
        List<Double> written = new ArrayList<>();
        for (String line : console.lines) {
            Matcher c = COMPRESSING.matcher(line);
            if (c.matches()) {
                kinds.append('C');
                written.add(Double.parseDouble(c.group(1)));
            } else {
                kinds.append(FEEDING.matcher(line).matches() ? 'F' : DONE.matcher(line).matches() ? 'D' : '?');
            }
        }
        assertTrue(kinds.toString().matches("F+C{2,}D"), "expected read lines, then at least two compressing lines "
                + "(the tool compresses for ~0.8 s), then the closing line; got " + kinds + ": " + console.lines);
        for (int i = 1; i < written.size(); i++) {
            assertTrue(written.get(i) >= written.get(i - 1), "written went backwards: " + written);
        }
        assertTrue(written.get(written.size() - 1) > 64.0, "the appended bytes were not seen: " + written);
        assertEquals(65536 + 8 * 1024, Files.size(out));
    }
}
