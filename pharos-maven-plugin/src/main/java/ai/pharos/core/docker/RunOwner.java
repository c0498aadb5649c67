package ai.pharos.core.docker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.LongFunction;

/**
 * Which process started a run container ({@code host/pid/start-millis}, the {@value #LABEL} label). The build removes
 * its containers itself; when it was killed outright ({@code kill -9}, a CI timeout) nobody does, so a later build
 * removes the stopped run containers whose owner is gone. A container is only ever judged by a build on the same
 * host: another host's processes cannot be checked, so its containers are left alone.
 */
public record RunOwner(String host, long pid, long startMillis) {
    public static final String LABEL = "ai.pharos.run.owner";

    /** This JVM. */
    public static RunOwner current() {
        ProcessHandle self = ProcessHandle.current();
        return new RunOwner(hostName(), self.pid(), startMillis(self).orElse(0L));
    }

    public String label() {
        return host + "/" + pid + "/" + startMillis;
    }

    public static Optional<RunOwner> parse(String label) {
        if (label == null) {
            return Optional.empty();
        }
        String[] p = label.split("/");
        if (p.length != 3 || p[0].isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new RunOwner(p[0], Long.parseLong(p[1]), Long.parseLong(p[2])));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * True when this owner ran on {@code host} and its process is gone, or its pid now belongs to a process started
     * at another time (pid reuse). {@code startOfPid} gives a live process's start time in milliseconds.
     */
    public boolean isGone(String onHost, LongFunction<Optional<Long>> startOfPid) {
        if (!host.equals(onHost) || "unknown".equals(host)) {
            return false;
        }
        Optional<Long> start = startOfPid.apply(pid);
        return start.isEmpty() || (startMillis != 0 && start.get() != startMillis);
    }

    /** {@link #isGone(String, LongFunction)} against this host's processes. */
    public boolean isGoneHere() {
        return isGone(hostName(), pid -> ProcessHandle.of(pid).flatMap(RunOwner::startMillis));
    }

    private static Optional<Long> startMillis(ProcessHandle p) {
        return p.info().startInstant().map(java.time.Instant::toEpochMilli);
    }

    static String hostName() {
        try {
            String h = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
            return h.isEmpty() || h.contains("/") ? "unknown" : h;
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
