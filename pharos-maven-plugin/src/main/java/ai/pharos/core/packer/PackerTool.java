package ai.pharos.core.packer;

import ai.pharos.core.PharosException;
import ai.pharos.core.docker.DevContainer;
import ai.pharos.core.docker.RunSpec;
import ai.pharos.core.process.ProcessRunner;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where Packer (and qemu-img/qemu, which it drives) runs: on the host ({@code -Dpharos.packer.host=true}) or inside
 * the dev container through the {@link Engine}, with the build's directories bind-mounted at the same paths.
 */
public interface PackerTool {

    /** Run {@code packer <args>} in {@code workDir}; every output line goes to {@code out}. Returns the exit code. */
    int packer(List<String> args, Path workDir, Map<String, String> env, List<Path> paths, Consumer<String> out)
            throws PharosException;

    /** Run another tool of the same environment (qemu-img, qemu-system-x86_64 --version). */
    int tool(List<String> command, List<Path> paths, Consumer<String> out) throws PharosException;

    String describe();

    /** {@code 1.6.6} from {@code packer version}. */
    default String packerVersion() throws PharosException {
        StringBuilder sb = new StringBuilder();
        int code = tool(List.of("packer", "version"), List.of(), l -> sb.append(l).append('\n'));
        Matcher m = Pattern.compile("Packer v(\\d+\\.\\d+\\.\\d+)").matcher(sb);
        if (code != 0 || !m.find()) {
            throw new PharosException("Cannot read Packer's version (" + describe() + "): " + sb.toString().strip(),
                    "pharos.packer.host", "Install packer (Debian: apt-get install packer) or use the dev container.");
        }
        return m.group(1);
    }

    default String qemuVersion() throws PharosException {
        StringBuilder sb = new StringBuilder();
        int code = tool(List.of("qemu-system-x86_64", "--version"), List.of(), l -> sb.append(l).append('\n'));
        Matcher m = Pattern.compile("version (\\S+)").matcher(sb);
        if (code != 0 || !m.find()) {
            throw new PharosException("Cannot read qemu's version (" + describe() + ")", "pharos.packer.host",
                    "Install qemu-system-x86 and qemu-utils.");
        }
        return m.group(1);
    }

    /** Packer ≥ 1.7 understands {@code packer init} and needs the qemu plugin declared. */
    static boolean needsPluginInit(String version) {
        String[] v = version.split("\\.");
        int major = Integer.parseInt(v[0]);
        int minor = Integer.parseInt(v[1]);
        return major > 1 || minor >= 7;
    }

    /** Host tools. Packer gets {@code setpriv --pdeathsig TERM}: if the build dies, Packer stops its VM and cleans up. */
    final class Host implements PackerTool {
        @Override
        public int packer(List<String> args, Path workDir, Map<String, String> env, List<Path> paths,
                          Consumer<String> out) throws PharosException {
            List<String> cmd = new ArrayList<>(List.of("setpriv", "--pdeathsig", "TERM", "packer"));
            cmd.addAll(args);
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true);
            pb.environment().putAll(env);
            pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            Process p;
            try {
                p = pb.start();
            } catch (IOException e) {
                throw new PharosException("Cannot start packer: " + e.getMessage(), "pharos.packer.host",
                        "Install packer on the host or run without -Dpharos.packer.host=true (dev container).", e);
            }
            // Ctrl-C / kill of Maven: ask Packer to stop (it then stops qemu and removes its output directory).
            Thread hook = new Thread(() -> stopGracefully(p), "pharos-packer-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            Thread pump = new Thread(() -> {
                try (var reader = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(),
                        java.nio.charset.StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = reader.readLine()) != null) {
                        out.accept(line);
                    }
                } catch (IOException ignored) {
                    // the stream closes with the process
                }
            }, "pharos-packer-output");
            pump.setDaemon(true);
            pump.start();
            try {
                int code = p.waitFor();
                pump.join();
                return code;
            } catch (InterruptedException e) {
                stopGracefully(p);
                Thread.currentThread().interrupt();
                throw new PharosException("Packer was interrupted; it stopped its VM and removed its output", null,
                        null, e);
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException ignored) {
                    // shutting down already
                }
            }
        }

        static void stopGracefully(Process p) {
            if (!p.isAlive()) {
                return;
            }
            p.destroy(); // SIGTERM: Packer cancels the build and cleans up
            try {
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    ProcessRunner.destroyTree(p);
                }
            } catch (InterruptedException e) {
                ProcessRunner.destroyTree(p);
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public int tool(List<String> command, List<Path> paths, Consumer<String> out) throws PharosException {
            return ProcessRunner.run(command, null, Map.of(), out, out).exitCode();
        }

        @Override
        public String describe() {
            return "host";
        }
    }

    /**
     * The dev container (as root: qemu needs /dev/kvm when present, debootstrap needs chroot), host network, the
     * workspace and every directory the build touches bind-mounted at the same paths.
     */
    final class Container implements PackerTool {
        private final DevContainer dev;
        private final DevContainer.Options options;

        public Container(DevContainer dev, DevContainer.Options options) {
            this.dev = dev;
            this.options = options;
        }

        /**
         * Runs Packer under a watchdog: the build touches a heartbeat file (in {@code workDir}, bind-mounted) every
         * few seconds; when it stops (the JVM was killed, even with SIGKILL) or the file disappears (Ctrl-C: the
         * shutdown hook deletes it), the watchdog sends Packer SIGTERM, and Packer stops qemu and removes its
         * output directory before the container ends. The engine does not stop a container when its client dies.
         */
        @Override
        public int packer(List<String> args, Path workDir, Map<String, String> env, List<Path> paths,
                          Consumer<String> out) throws PharosException {
            Path heartbeat = workDir.resolve(".pharos-heartbeat");
            java.util.concurrent.CountDownLatch finished = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.ScheduledExecutorService beat = java.util.concurrent.Executors
                    .newSingleThreadScheduledExecutor(r -> {
                        Thread t = new Thread(r, "pharos-packer-heartbeat");
                        t.setDaemon(true);
                        return t;
                    });
            Thread hook = new Thread(() -> {
                beat.shutdownNow();
                try {
                    java.nio.file.Files.deleteIfExists(heartbeat);
                    finished.await(90, TimeUnit.SECONDS); // Packer cleans up, then the container ends
                } catch (IOException | InterruptedException ignored) {
                    // shutting down
                }
            }, "pharos-packer-stop");
            try {
                java.nio.file.Files.writeString(heartbeat, "");
                beat.scheduleAtFixedRate(() -> {
                    try {
                        java.nio.file.Files.setLastModifiedTime(heartbeat,
                                java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis()));
                    } catch (IOException ignored) {
                        // deleted: the watchdog stops Packer
                    }
                }, HEARTBEAT_SECONDS, HEARTBEAT_SECONDS, TimeUnit.SECONDS);
                Runtime.getRuntime().addShutdownHook(hook);
                List<String> cmd = new ArrayList<>(List.of("sh", "-c", WATCHDOG, "pharos-watchdog",
                        heartbeat.toString(), Integer.toString(HEARTBEAT_SECONDS * 6), "packer"));
                cmd.addAll(args);
                return dev.exec(options(options, workDir, env, paths), cmd, out, out);
            } catch (IOException e) {
                throw new PharosException("Cannot write " + heartbeat + ": " + e.getMessage(), null, null, e);
            } finally {
                finished.countDown();
                beat.shutdownNow();
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException ignored) {
                    // shutting down already
                }
                try {
                    java.nio.file.Files.deleteIfExists(heartbeat);
                } catch (IOException ignored) {
                    // best effort
                }
            }
        }

        static final int HEARTBEAT_SECONDS = 5;

        /** {@code sh -c WATCHDOG name <heartbeat> <max age s> <command...>}: see {@link #packer}. */
        static final String WATCHDOG = String.join("\n",
                "hb=$1; max=$2; shift 2",
                "\"$@\" & child=$!",
                "trap 'kill -TERM $child 2>/dev/null' TERM INT",
                "while kill -0 $child 2>/dev/null; do",
                "  age=$(( $(date +%s) - $(stat -c %Y \"$hb\" 2>/dev/null || echo 0) ))",
                "  if [ \"$age\" -gt \"$max\" ]; then",
                "    echo \"pharos: the build that started Packer is gone: stopping Packer\" >&2",
                "    kill -TERM $child 2>/dev/null; break",
                "  fi",
                "  sleep 2",
                "done",
                "wait $child; code=$?",
                "while kill -0 $child 2>/dev/null; do wait $child; code=$?; done # Packer still cleaning up",
                "exit $code");

        @Override
        public int tool(List<String> command, List<Path> paths, Consumer<String> out) throws PharosException {
            return dev.exec(options(options, null, Map.of(), paths), command, out, out);
        }

        /** Options for one run: as root, with {@code paths} outside the workspace bind-mounted at the same path. */
        static DevContainer.Options options(DevContainer.Options o, Path workDir, Map<String, String> env,
                                            List<Path> paths) {
            List<RunSpec.Bind> binds = new ArrayList<>(o.extraBinds());
            for (Path p : paths) {
                Path abs = p.toAbsolutePath().normalize();
                if (!abs.startsWith(o.workspace()) && java.nio.file.Files.exists(abs)) {
                    binds.add(new RunSpec.Bind(abs.toString(), abs.toString(), false));
                }
            }
            Map<String, String> e = new java.util.LinkedHashMap<>(o.env());
            e.putAll(env);
            return new DevContainer.Options(o.image(), o.workspace(), workDir == null ? o.workingDir() : workDir,
                    false, null, e, binds, 0, 0);
        }

        @Override
        public String describe() {
            return "dev container " + options.image();
        }
    }
}
