package ai.pharos.core.sif;

import ai.pharos.core.Console;
import ai.pharos.core.PharosException;
import ai.pharos.core.ToolFailedException;
import ai.pharos.core.process.ProcessRunner;

import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Drives {@code mksquashfs - <out> -tar …}: the root filesystem is streamed as a tar to its stdin (nothing is
 * extracted); ownership and modes come from the tar, so no root is needed. Progress is logged every
 * {@link #PROGRESS_INTERVAL_MS} ms: file bytes read by mksquashfs of the total and squashfs bytes written so far, then,
 * once mksquashfs has read everything (it reads far ahead of its compressors), the bytes written while it compresses.
 * Interrupting the calling thread kills mksquashfs.
 */
public final class Mksquashfs {

    /** Squashfs compressors offered (gzip is readable by every runtime). */
    public enum Compression {
        GZIP, ZSTD, LZ4, XZ;

        public String option() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Parse {@code gzip|zstd|lz4|xz} (case-insensitive). */
        public static Compression parse(String s) throws PharosException {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new PharosException("Unknown SIF compression '" + s + "'", "pharos.sif.compression",
                        "Use one of gzip (default, most portable), zstd, lz4, xz.");
            }
        }
    }

    /** Writes the tar. */
    public interface TarWriter {
        void write(OutputStream out, RootfsIndex.Progress progress) throws IOException;
    }

    static final long PROGRESS_INTERVAL_MS = 5000;

    private Mksquashfs() {
    }

    /** The arguments (without the program) for writing {@code output} at byte {@code offset}. */
    static List<String> arguments(Path output, long offset, Compression compression, int processors) {
        List<String> args = new ArrayList<>(List.of("-", output.toString(), "-tar", "-noappend",
                "-comp", compression.option(), "-root-mode", "755", "-root-uid", "0", "-root-gid", "0",
                "-no-progress", "-quiet"));
        if (offset > 0) {
            args.add("-o");
            args.add(Long.toString(offset));
        }
        if (processors > 0) {
            args.add("-processors");
            args.add(Integer.toString(processors));
        }
        return args;
    }

    /**
     * Build the squashfs image into {@code output} starting at {@code offset} (bytes before it are zeroed by
     * mksquashfs), feeding it the tar written by {@code writer}. {@code sourceDateEpoch} non-null makes the image
     * reproducible; null removes any inherited {@code SOURCE_DATE_EPOCH}.
     */
    public static void build(SquashfsTool tool, Path output, long offset, Compression compression,
                             Long sourceDateEpoch, long totalBytes, TarWriter writer, Console console)
            throws PharosException {
        build(tool, output, offset, compression, sourceDateEpoch, totalBytes, writer, console, PROGRESS_INTERVAL_MS);
    }

    static void build(SquashfsTool tool, Path output, long offset, Compression compression, Long sourceDateEpoch,
                      long totalBytes, TarWriter writer, Console console, long progressInterval)
            throws PharosException {
        tool.version();
        Map<String, String> env = new HashMap<>();
        env.put("SOURCE_DATE_EPOCH", sourceDateEpoch == null ? null : Long.toString(sourceDateEpoch));
        List<String> args = arguments(output, offset, compression, 0);
        console.debug("Running " + tool.describe() + " " + String.join(" ", args));
        Process process = tool.start(args, env);
        Deque<String> tail = new ArrayDeque<>();
        Thread err = pump(process.getErrorStream(), tail, console);
        Thread out = pump(process.getInputStream(), tail, console);
        long started = System.currentTimeMillis();
        AtomicLong fed = new AtomicLong();
        AtomicBoolean allFed = new AtomicBoolean();
        IOException writeFailure = null;
        int code;
        try (Ticker ticker = Ticker.every(progressInterval, "mksquashfs-progress", () -> {
            long secs = (System.currentTimeMillis() - started) / 1000;
            String wrote = human(written(output, offset));
            if (allFed.get()) { // mksquashfs reads far ahead of its compressors: say how far they are
                console.info(String.format(Locale.ROOT, "mksquashfs: read all %s, compressing; wrote %s, %ds",
                        human(totalBytes), wrote, secs));
            } else {
                long done = fed.get();
                console.info(String.format(Locale.ROOT, "mksquashfs: read %s of %s (%d%%), wrote %s, %ds",
                        human(done), human(totalBytes), totalBytes == 0 ? 100 : done * 100 / totalBytes, wrote, secs));
            }
        })) {
            try (OutputStream stdin = new BufferedOutputStream(process.getOutputStream(), 1 << 16)) {
                writer.write(stdin, (done, total) -> fed.set(done));
            } catch (InterruptedIOException e) {
                ProcessRunner.destroyTree(process);
                Thread.currentThread().interrupt();
                throw new PharosException("SIF conversion interrupted; mksquashfs killed", null, null, e);
            } catch (IOException e) {
                writeFailure = e; // usually a broken pipe: mksquashfs died, its exit code and stderr tell why
            }
            allFed.set(true);
            code = process.waitFor();
            err.join();
            out.join();
        } catch (InterruptedException e) {
            ProcessRunner.destroyTree(process);
            Thread.currentThread().interrupt();
            throw new PharosException("SIF conversion interrupted; mksquashfs killed", null, null, e);
        }
        if (code != 0) {
            String why;
            synchronized (tail) {
                why = String.join(" | ", tail);
            }
            throw new ToolFailedException("mksquashfs failed with exit code " + code + ": " + why, code, null,
                    "Check free space in " + output.getParent() + " and the mksquashfs message above.");
        }
        if (writeFailure != null) {
            throw new PharosException("Cannot stream the root filesystem to mksquashfs: " + writeFailure.getMessage(),
                    null, "Check free space and that the image archive is readable.", writeFailure);
        }
        console.info(String.format(Locale.ROOT, "mksquashfs: %s of file data in %ds", human(totalBytes),
                (System.currentTimeMillis() - started) / 1000));
    }

    /** Squashfs bytes written so far: mksquashfs writes the file from {@code offset} on as its compressors finish. */
    private static long written(Path output, long offset) {
        try {
            return Math.max(0, Files.size(output) - offset);
        } catch (IOException e) {
            return 0; // not created yet
        }
    }

    private static Thread pump(InputStream in, Deque<String> tail, Console console) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    console.debug("mksquashfs: " + line);
                    synchronized (tail) {
                        tail.addLast(line);
                        if (tail.size() > 10) {
                            tail.removeFirst();
                        }
                    }
                }
            } catch (IOException ignored) {
                // closed with the process
            }
        }, "mksquashfs-output");
        t.setDaemon(true);
        t.start();
        return t;
    }

    static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
