package ai.pharos.core.docker;

import ai.pharos.core.PharosException;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The core of {@code pharos:check-tools}: runs each tool's version command (through an {@link Executor}; the
 * goal runs them inside the dev container), extracts the version, compares it with a minimum, renders a table and
 * fails naming every tool that is missing or too old.
 *
 * <p>Minimums ({@link #defaultTools()}) and why:
 * <ul>
 *   <li>{@code cmake} ≥ 3.25 — BeeGFS' CMake build needs a recent CMake; 3.25 is Debian 12's, the oldest
 *       release the build is run with.</li>
 *   <li>{@code ninja} ≥ 1.11 — Debian 12's ninja-build (1.11.1), the generator the CMake build uses.</li>
 *   <li>{@code packer} ≥ 1.6.6 — Debian 12's packer package, the air-gapped fallback of the dev container; the
 *       templates stay within what 1.6.6 understands (HCL2 with {@code source}/{@code build} blocks).</li>
 *   <li>{@code qemu-system-x86_64} ≥ 7.2 — Debian 12's QEMU; the Packer qemu builder's machine/accelerator
 *       options are tested with it.</li>
 *   <li>{@code mksquashfs} ≥ 4.5 — {@code -tar} (squash a tar stream from stdin, used to make SIF partitions
 *       without unpacking a root file system as root) exists from squashfs-tools 4.5 on.</li>
 *   <li>{@code siftool} — presence only: Debian's build prints {@code Version: unknown}, so no minimum can be
 *       checked; the SIF layout it writes is spec {@code 01} either way.</li>
 *   <li>{@code debootstrap} ≥ 1.0.128 — Debian 12's; it ships the {@code trixie} suite script used to bootstrap
 *       the base image from a mirror.</li>
 * </ul>
 * The engine API row is supplied by the caller ({@link #engineRow}); {@link #ENGINE_API_MINIMUM} is API 1.41
 * (Docker 20.10, Debian 12's docker.io), the oldest engine the build is tested against.
 */
public final class ToolCheck {

    /** Oldest Docker engine API the build is tested against (Docker 20.10). */
    public static final String ENGINE_API_MINIMUM = "1.41";

    private static final String NUM = "(\\d+(?:\\.\\d+)*)";

    /**
     * A tool to check.
     *
     * @param name           shown in the table and the failure message
     * @param versionCommand argv printing the version
     * @param versionPattern regex whose group 1 is the version (searched in stdout+stderr)
     * @param minimum        lowest acceptable version, or {@code null} to require presence only
     */
    public record Tool(String name, List<String> versionCommand, Pattern versionPattern, String minimum) {
        public Tool {
            versionCommand = List.copyOf(versionCommand);
        }

        public static Tool of(String name, String minimum, String regex, String... argv) {
            return new Tool(name, List.of(argv), Pattern.compile(regex, Pattern.MULTILINE), minimum);
        }
    }

    /** Runs a command (inside the dev container, on the host in tests) and returns its exit code and output. */
    @FunctionalInterface
    public interface Executor {
        /**
         * Run {@code argv}. A command that cannot be found is a non-zero exit code (e.g. 127 from a shell or
         * {@code docker run}), not an exception; exceptions are for a broken executor (engine gone).
         */
        Output run(List<String> argv) throws PharosException;
    }

    /** Exit code and combined stdout/stderr text of a command. */
    public record Output(int exitCode, String text) {
    }

    /** Outcome of one row. */
    public enum Status {
        OK("ok"), TOO_OLD("too old"), MISSING("missing"), UNREADABLE("version unreadable");

        private final String label;

        Status(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** One row of the table: {@code found} is the version or {@code -}; {@code required} is {@code >= x} or {@code any}. */
    public record Row(String name, String found, String required, Status status) {
        public boolean ok() {
            return status == Status.OK;
        }
    }

    private ToolCheck() {
    }

    /** The tools the later modules need, with the minimums documented on this class. */
    public static List<Tool> defaultTools() {
        return List.of(
                Tool.of("cmake", "3.25", "cmake version " + NUM, "cmake", "--version"),
                Tool.of("ninja", "1.11", "^" + NUM, "ninja", "--version"),
                Tool.of("packer", "1.6.6", "Packer v" + NUM, "packer", "version"),
                Tool.of("qemu-system-x86_64", "7.2", "QEMU emulator version " + NUM, "qemu-system-x86_64",
                        "--version"),
                Tool.of("mksquashfs", "4.5", "mksquashfs version " + NUM, "mksquashfs", "-version"),
                Tool.of("siftool", null, "Version:\\s*(\\S+)", "siftool", "version"),
                Tool.of("debootstrap", "1.0.128", "debootstrap " + NUM, "debootstrap", "--version"));
    }

    /** Check every tool (all of them, even after a failure). */
    public static List<Row> check(List<Tool> tools, Executor executor) throws PharosException {
        List<Row> rows = new ArrayList<>();
        for (Tool tool : tools) {
            rows.add(check(tool, executor));
        }
        return rows;
    }

    /** Check one tool. */
    public static Row check(Tool tool, Executor executor) throws PharosException {
        String required = tool.minimum() == null ? "any" : ">= " + tool.minimum();
        Output out = executor.run(tool.versionCommand());
        if (out.exitCode() != 0) {
            return new Row(tool.name(), "-", required, Status.MISSING);
        }
        Optional<String> version = extractVersion(tool.versionPattern(), out.text());
        if (version.isEmpty()) {
            return new Row(tool.name(), "?", required, Status.UNREADABLE);
        }
        return new Row(tool.name(), version.get(), required, status(version.get(), tool.minimum()));
    }

    /** The engine API row: {@code found} as reported by the engine, {@code minimum} e.g. {@link #ENGINE_API_MINIMUM}. */
    public static Row engineRow(String found, String minimum) {
        String required = ">= " + minimum;
        if (found == null || found.isBlank()) {
            return new Row("docker engine API", "-", required, Status.MISSING);
        }
        return new Row("docker engine API", found, required, status(found, minimum));
    }

    private static Status status(String found, String minimum) {
        if (minimum == null) {
            return Status.OK;
        }
        if (!Character.isDigit(stripPrefix(found).isEmpty() ? 'x' : stripPrefix(found).charAt(0))) {
            return Status.UNREADABLE;
        }
        return compareVersions(found, minimum) >= 0 ? Status.OK : Status.TOO_OLD;
    }

    /** Group 1 of the first match of {@code pattern} in {@code output}. */
    public static Optional<String> extractVersion(Pattern pattern, String output) {
        Matcher m = pattern.matcher(output == null ? "" : output);
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /**
     * Compare versions by their leading dotted numeric components, ignoring an epoch ({@code 1:}), a leading
     * {@code v} and any suffix ({@code 7.2+dfsg-7} is 7.2, {@code 1.0.128+nmu2} is 1.0.128); missing components
     * count as 0 ({@code 7.2} == {@code 7.2.0}).
     */
    public static int compareVersions(String a, String b) {
        long[] x = numbers(a);
        long[] y = numbers(b);
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            long p = i < x.length ? x[i] : 0;
            long q = i < y.length ? y[i] : 0;
            if (p != q) {
                return Long.compare(p, q);
            }
        }
        return 0;
    }

    private static String stripPrefix(String v) {
        String s = v.trim();
        int colon = s.indexOf(':');
        if (colon > 0 && s.substring(0, colon).chars().allMatch(Character::isDigit)) {
            s = s.substring(colon + 1);
        }
        if (s.startsWith("v") || s.startsWith("V")) {
            s = s.substring(1);
        }
        return s;
    }

    private static long[] numbers(String v) {
        Matcher m = Pattern.compile("^(\\d+(?:\\.\\d+)*)").matcher(stripPrefix(v));
        if (!m.find()) {
            return new long[0];
        }
        String[] parts = m.group(1).split("\\.");
        long[] out = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            out[i] = parts[i].length() > 18 ? Long.MAX_VALUE : Long.parseLong(parts[i]);
        }
        return out;
    }

    /** The table as text lines: a header, a rule, one line per row. */
    public static List<String> table(List<Row> rows) {
        String[] head = {"tool", "found", "required", "status"};
        int[] w = {head[0].length(), head[1].length(), head[2].length(), head[3].length()};
        for (Row r : rows) {
            w[0] = Math.max(w[0], r.name().length());
            w[1] = Math.max(w[1], r.found().length());
            w[2] = Math.max(w[2], r.required().length());
            w[3] = Math.max(w[3], r.status().label().length());
        }
        List<String> lines = new ArrayList<>();
        lines.add(line(w, head));
        lines.add(line(w, new String[] {"-".repeat(w[0]), "-".repeat(w[1]), "-".repeat(w[2]), "-".repeat(w[3])}));
        for (Row r : rows) {
            lines.add(line(w, new String[] {r.name(), r.found(), r.required(), r.status().label()}));
        }
        return lines;
    }

    private static String line(int[] w, String[] cells) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            if (i > 0) {
                sb.append(" | ");
            }
            sb.append(i == cells.length - 1 ? cells[i] : String.format("%-" + w[i] + "s", cells[i]));
        }
        return sb.toString();
    }

    /**
     * Fail when any row is not OK, naming every such tool in one line, e.g.
     * {@code Tools missing or too old in pharos-dev:latest: packer 1.5.0 (need >= 1.6.6), ninja missing}.
     * {@code where} names what was checked (the dev container image).
     */
    public static void requireAll(List<Row> rows, String where) throws PharosException {
        List<String> bad = new ArrayList<>();
        for (Row r : rows) {
            switch (r.status()) {
                case OK:
                    break;
                case MISSING:
                    bad.add(r.name() + " missing");
                    break;
                case TOO_OLD:
                    bad.add(r.name() + " " + r.found() + " (need " + r.required() + ")");
                    break;
                default:
                    bad.add(r.name() + " version unreadable (need " + r.required() + ")");
                    break;
            }
        }
        if (!bad.isEmpty()) {
            throw new PharosException("Tools missing or too old in " + where + ": " + String.join(", ", bad),
                    null, "Rebuild the dev container (./mvnw -pl dev-container install) or install the tools"
                    + " listed; for the engine API, upgrade the Docker engine.");
        }
    }
}
