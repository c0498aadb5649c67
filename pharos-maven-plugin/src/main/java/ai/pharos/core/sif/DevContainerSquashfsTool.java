package ai.pharos.core.sif;

import ai.pharos.core.Console;
import ai.pharos.core.PharosException;
import ai.pharos.core.docker.DevContainer;
import ai.pharos.core.docker.Engine;
import ai.pharos.core.docker.RunSpec;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code mksquashfs} in the development container (for hosts without squashfs-tools ≥ 4.5): a container of the dev
 * image runs it through {@link Engine#runInteractive}, the tar is streamed to its stdin, and {@code directory} (where
 * the SIF is written) is bind-mounted at the same path, so the arguments need no translation. The dev image's
 * entrypoint drops to the invoking uid/gid, so the written file belongs to the user; ownership inside the squashfs
 * comes from the tar, as on the host.
 */
public final class DevContainerSquashfsTool implements SquashfsTool {

    private static final Pattern VERSION = Pattern.compile("mksquashfs version (\\d+)\\.(\\d+)(?:\\.(\\d+))?");
    /** Container output kept for messages. */
    static final int OUTPUT_BYTES = 1 << 16;
    /** Pipe between the caller's tar writer and the attach stream. */
    static final int PIPE_BYTES = 1 << 20;

    private final Engine engine;
    private final Console console;
    private final String image;
    private final Path directory;
    private final Integer uid;
    private final Integer gid;
    private String version;

    /**
     * @param engine    the engine the dev image lives in
     * @param image     the dev container image (e.g. {@code pharos-dev:latest})
     * @param directory the directory mksquashfs writes into (bind-mounted at the same path)
     */
    public DevContainerSquashfsTool(Engine engine, Console console, String image, Path directory) {
        this(engine, console, image, directory, null, null);
    }

    /** As the public constructor, running as {@code uid:gid} (null: the invoking user's). */
    DevContainerSquashfsTool(Engine engine, Console console, String image, Path directory, Integer uid, Integer gid) {
        this.uid = uid;
        this.gid = gid;
        this.engine = engine;
        this.console = console;
        this.image = image;
        this.directory = directory.toAbsolutePath().normalize();
    }

    private RunSpec spec(List<String> command, Map<String, String> env) throws PharosException {
        try {
            java.nio.file.Files.createDirectories(directory); // else the engine creates the mount source as root
        } catch (IOException e) {
            throw new PharosException("Cannot create " + directory + ": " + e.getMessage(), "pharos.sif.outputDirectory",
                    "Check that the output directory is writable.", e);
        }
        RunSpec base = new DevContainer(engine, console).spec(new DevContainer.Options(image, directory, directory,
                false, null, Map.of(), List.of(), uid, gid), command, false);
        Map<String, String> e = new LinkedHashMap<>(base.env());
        env.forEach((k, v) -> {
            if (v != null) {
                e.put(k, v);
            }
        });
        return new RunSpec(base.image(), base.command(), base.entrypoint(), base.user(), e, base.binds(),
                base.workingDir(), base.networkMode(), List.of(), false);
    }

    @Override
    public synchronized String version() throws PharosException {
        if (version != null) {
            return version;
        }
        if (engine.inspectImage(image).isEmpty()) {
            throw new PharosException("The dev container image " + image + " (for mksquashfs) is not in the engine",
                    "pharos.dev.image", "Build it (./mvnw install -pl dev-container) or install squashfs-tools 4.5+ "
                    + "on the host (apt-get install squashfs-tools).");
        }
        StringBuilder out = new StringBuilder();
        int code = engine.run(spec(List.of("mksquashfs", "-version"), Map.of()), l -> out.append(l).append('\n'),
                l -> out.append(l).append('\n'));
        Matcher m = VERSION.matcher(out);
        if (code != 0 || !m.find()) {
            throw new PharosException("mksquashfs does not work in " + image + " (exit code " + code + ": "
                    + out.toString().lines().findFirst().orElse("") + ")", "pharos.sif.mksquashfs",
                    "Rebuild the dev container (it installs squashfs-tools), or install squashfs-tools 4.5+ on the host.");
        }
        version = SquashfsTool.requireTarSupport(m, "mksquashfs in " + image, "pharos.sif.mksquashfs",
                "Rebuild the dev container on a newer Debian.");
        return version;
    }

    @Override
    public Process start(List<String> arguments, Map<String, String> environment) throws PharosException {
        List<String> cmd = new ArrayList<>();
        cmd.add("mksquashfs");
        cmd.addAll(arguments);
        return new ContainerProcess(spec(cmd, environment));
    }

    @Override
    public String describe() {
        return "mksquashfs" + (version != null ? " " + version : "") + " in the dev container " + image;
    }

    /**
     * A container run seen as a {@link Process}: stdin is piped to the attach stream; the container's output
     * (stdout and stderr merged, its last {@link #OUTPUT_BYTES} bytes) is {@link #getInputStream()}, readable once the
     * run ends (so a slow reader can never block the engine's stream). {@link #destroy()} interrupts the run, which
     * removes the container.
     */
    private final class ContainerProcess extends Process {
        private final PipedOutputStream stdin = new PipedOutputStream();
        private final Tail outputSink = new Tail();
        private final Thread runner;
        private volatile int exitCode = -1;
        private volatile boolean finished;

        ContainerProcess(RunSpec spec) throws PharosException {
            PipedInputStream containerStdin;
            try {
                containerStdin = new PipedInputStream(stdin, PIPE_BYTES);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            runner = new Thread(() -> {
                int code = 125;
                try {
                    code = engine.runInteractive(spec, containerStdin, outputSink);
                } catch (PharosException | RuntimeException e) {
                    byte[] m = (e.getMessage() + "\n").getBytes(StandardCharsets.UTF_8);
                    outputSink.write(m, 0, m.length);
                } finally {
                    exitCode = code;
                    finished = true;
                    try {
                        containerStdin.close(); // a writer still blocked on the pipe gets an IOException
                    } catch (IOException ignored) {
                        // nothing to do
                    }
                }
            }, "mksquashfs-dev-container");
            runner.setDaemon(true);
            runner.start();
        }

        @Override
        public OutputStream getOutputStream() {
            return stdin;
        }

        @Override
        public InputStream getInputStream() {
            return new InputStream() {
                private InputStream bytes;

                private InputStream bytes() throws IOException {
                    if (bytes == null) {
                        try {
                            runner.join();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new java.io.InterruptedIOException("interrupted");
                        }
                        bytes = new java.io.ByteArrayInputStream(outputSink.bytes());
                    }
                    return bytes;
                }

                @Override
                public int read() throws IOException {
                    return bytes().read();
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    return bytes().read(b, off, len);
                }
            };
        }

        @Override
        public java.util.stream.Stream<ProcessHandle> descendants() {
            return java.util.stream.Stream.empty(); // the container is removed with the run
        }

        @Override
        public InputStream getErrorStream() {
            return InputStream.nullInputStream();
        }

        @Override
        public int waitFor() throws InterruptedException {
            runner.join();
            return exitCode;
        }

        @Override
        public boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
            runner.join(unit.toMillis(timeout));
            return finished;
        }

        @Override
        public int exitValue() {
            if (!finished) {
                throw new IllegalThreadStateException("mksquashfs is still running in the dev container");
            }
            return exitCode;
        }

        @Override
        public void destroy() {
            runner.interrupt();
            try {
                stdin.close();
            } catch (IOException ignored) {
                // nothing to do
            }
        }

        @Override
        public boolean isAlive() {
            return !finished;
        }
    }

    /** The last {@link #OUTPUT_BYTES} bytes written; never blocks. */
    private static final class Tail extends OutputStream {
        private final java.util.ArrayDeque<byte[]> chunks = new java.util.ArrayDeque<>();
        private long size;

        @Override
        public synchronized void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            chunks.addLast(java.util.Arrays.copyOfRange(b, off, off + len));
            size += len;
            while (size - chunks.peekFirst().length >= OUTPUT_BYTES) {
                size -= chunks.removeFirst().length;
            }
        }

        synchronized byte[] bytes() {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            chunks.forEach(all::writeBytes);
            return all.toByteArray();
        }
    }
}
