package ai.pharos.core.process;

import ai.pharos.core.PharosException;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Runs a host process, streaming stdout and stderr line by line. Interrupting the calling thread destroys the
 * process tree. Used for the host tools the core drives (debootstrap, mksquashfs, packer, qemu-img…).
 */
public final class ProcessRunner {
    private ProcessRunner() {
    }

    /** A finished process: its exit code and the last lines of its stderr (for messages). */
    public record Result(int exitCode, List<String> stderrTail) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    /** Find an executable on the PATH. */
    public static Optional<Path> which(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir, name);
            if (java.nio.file.Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /**
     * Run {@code command} in {@code directory} (null: current) with {@code extraEnv} added to the environment.
     * Throws a {@link PharosException} naming the tool when it cannot be started.
     */
    public static Result run(List<String> command, Path directory, Map<String, String> extraEnv,
                             Consumer<String> stdout, Consumer<String> stderr) throws PharosException {
        return run(command, directory, extraEnv, null, stdout, stderr);
    }

    /** As {@link #run(List, Path, Map, Consumer, Consumer)}, feeding {@code stdin} (may be null) to the process. */
    public static Result run(List<String> command, Path directory, Map<String, String> extraEnv, InputStream stdin,
                             Consumer<String> stdout, Consumer<String> stderr) throws PharosException {
        ProcessBuilder pb = new ProcessBuilder(command);
        if (directory != null) {
            pb.directory(directory.toFile());
        }
        if (extraEnv != null) {
            pb.environment().putAll(extraEnv);
        }
        if (stdin == null) {
            pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        }
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new PharosException("Cannot start " + command.get(0) + ": " + e.getMessage(), null,
                    "Install " + Path.of(command.get(0)).getFileName() + " or put it on the PATH.", e);
        }
        List<String> tail = new ArrayList<>();
        Thread errPump = pump(process.getErrorStream(), line -> {
            synchronized (tail) {
                tail.add(line);
                if (tail.size() > 20) {
                    tail.remove(0);
                }
            }
            stderr.accept(line);
        }, command.get(0) + "-stderr");
        Thread outPump = pump(process.getInputStream(), stdout, command.get(0) + "-stdout");
        Thread feeder = null;
        if (stdin != null) {
            feeder = new Thread(() -> {
                try (var in = stdin; var out = process.getOutputStream()) {
                    in.transferTo(out);
                } catch (IOException ignored) {
                    // the process exited early; its exit code tells why
                }
            }, command.get(0) + "-stdin");
            feeder.setDaemon(true);
            feeder.start();
        }
        try {
            int code = process.waitFor();
            outPump.join();
            errPump.join();
            if (feeder != null) {
                feeder.join();
            }
            synchronized (tail) {
                return new Result(code, List.copyOf(tail));
            }
        } catch (InterruptedException e) {
            destroyTree(process);
            Thread.currentThread().interrupt();
            throw new PharosException(command.get(0) + " was interrupted", null, null, e);
        }
    }

    /** Kill a process and all its descendants. */
    public static void destroyTree(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    private static Thread pump(InputStream in, Consumer<String> sink, String name) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    sink.accept(line);
                }
            } catch (IOException ignored) {
                // stream closed with the process
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }
}
