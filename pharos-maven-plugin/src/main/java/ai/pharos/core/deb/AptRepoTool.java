package ai.pharos.core.deb;

import ai.pharos.core.Console;
import ai.pharos.core.PharosException;

import java.nio.file.Path;
import java.time.Instant;

/**
 * Command-line entry to {@link AptRepository} (what {@code pharos:apt-repo} runs), for scripts and the benchmark:
 * {@code java -cp … ai.pharos.core.deb.AptRepoTool <deb directory> <repository directory> [threads] [repeat]
 * [digest cache file]}; with repeat &gt; 1 the repository is deleted and rewritten that many times in the same JVM
 * (steady-state timing); without a digest cache file every package is read every time. The Release
 * date is {@code SOURCE_DATE_EPOCH} when set, else 1970-01-01T00:00:01Z (deterministic either way).
 */
public final class AptRepoTool {
    private AptRepoTool() {
    }

    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: AptRepoTool <deb directory> <repository directory> [threads] [repeat]"
                    + " [digest cache file]");
            System.exit(2);
        }
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : Runtime.getRuntime().availableProcessors();
        String epoch = System.getenv("SOURCE_DATE_EPOCH");
        Instant date = Instant.ofEpochSecond(epoch == null || epoch.isBlank() ? 1 : Long.parseLong(epoch.strip()));
        int repeat = args.length > 3 ? Integer.parseInt(args[3]) : 1;
        Path cache = args.length > 4 ? Path.of(args[4]) : null;
        try {
            for (int i = 0; i < repeat; i++) {
                if (i > 0) {
                    AptRepository.deleteTree(Path.of(args[1]));
                }
                long start = System.nanoTime();
                AptRepository.Result r = AptRepository.write(new AptRepository.Request(
                        AptRepository.debsIn(Path.of(args[0])), Path.of(args[1]), date, "Pharos", "Pharos", null,
                        threads, cache), Console.SILENT);
                System.out.printf("%d packages indexed in %s%s%s in %.3f s%n", r.packages().size(), r.directory(),
                        r.upToDate() ? " (up to date)" : "",
                        r.fromCache() > 0 ? " (" + r.fromCache() + " from the digest cache)" : "",
                        (System.nanoTime() - start) / 1e9);
            }
        } catch (PharosException e) {
            System.err.println(e.getMessage() + (e.fix() == null ? "" : " Fix: " + e.fix()));
            System.exit(1);
        }
    }
}
