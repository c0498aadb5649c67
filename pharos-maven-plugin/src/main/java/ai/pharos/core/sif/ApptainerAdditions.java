package ai.pharos.core.sif;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * What {@code apptainer build x.sif docker-daemon:…} adds to an image's root filesystem and SIF, written from the
 * documented behaviour (see {@code docs/sif.md}): the {@code /.singularity.d} tree (runscript from ENTRYPOINT/CMD,
 * {@code env/10-docker2singularity.sh} from ENV, labels, action scripts, base env scripts, startscript, the
 * definition), the compatibility symlinks, the standard directories, and empty {@code /etc/hosts} and
 * {@code /etc/resolv.conf}. The shell scripts are Pharos' own, with the behaviour the Apptainer runtime expects
 * (the runtime recognises an OCI runscript by its {@code eval "set ${SINGULARITY_OCI_RUN}"} line).
 */
public final class ApptainerAdditions {

    private static final Pattern VARIABLE = Pattern.compile("^[a-zA-Z_][a-zA-Z0-9_]*$");

    /** The SIF's generic JSON objects, in the order they are added (name order). */
    public record JsonObjects(byte[] inspectMetadata, byte[] ociConfig) {
    }

    private ApptainerAdditions() {
    }

    /** The definition file stored in the SIF and as {@code /.singularity.d/Singularity}. */
    public static String deffile(String bootstrap, String from) {
        return "bootstrap: " + bootstrap + "\nfrom: " + from + "\n\n";
    }

    /** {@code "a" "b\"c"}: each argument double-quoted with {@code \ " ` $} escaped, separated by one space. */
    static String argsQuoted(List<String> args) {
        StringBuilder b = new StringBuilder();
        for (String a : args) {
            if (b.length() > 0) {
                b.append(' ');
            }
            b.append('"').append(escape(a)).append('"');
        }
        return b.toString();
    }

    /** Escape {@code \ " ` $} once (for use inside double quotes). */
    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' || c == '"' || c == '`' || c == '$') {
                b.append('\\');
            }
            b.append(c);
        }
        return b.toString();
    }

    /** Make {@code s} safe inside single quotes: {@code '} becomes {@code '"'"'}. */
    static String singleQuoteSafe(String s) {
        return s.replace("'", "'\"'\"'");
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        if (array != null && array.isArray()) {
            array.forEach(n -> out.add(n.asText()));
        }
        return out;
    }

    /** The runscript for an image with these ENTRYPOINT and CMD (docker run semantics). */
    public static String runscript(List<String> entrypoint, List<String> cmd) {
        StringBuilder s = new StringBuilder("#!/bin/sh\n");
        s.append("OCI_ENTRYPOINT='").append(singleQuoteSafe(argsQuoted(entrypoint))).append("'\n");
        s.append("OCI_CMD='").append(singleQuoteSafe(argsQuoted(cmd))).append("'\n");
        s.append("# Written by Pharos from the image's ENTRYPOINT and CMD: arguments given to 'apptainer run'\n");
        s.append("# replace CMD, ENTRYPOINT always runs first.\n");
        s.append("if [ -n \"${SINGULARITY_NO_EVAL:-}\" ]; then\n");
        s.append("    # verbatim arguments, no shell evaluation (OCI behaviour)\n");
        if (!cmd.isEmpty()) {
            s.append("    if [ $# -eq 0 ]; then\n        set --");
            for (String c : cmd) {
                s.append(" '").append(singleQuoteSafe(c)).append('\'');
            }
            s.append("\n    fi\n");
        }
        if (!entrypoint.isEmpty()) {
            s.append("    set --");
            for (String c : entrypoint) {
                s.append(" '").append(singleQuoteSafe(c)).append('\'');
            }
            s.append(" \"$@\"\n");
        }
        s.append("    exec \"$@\"\n");
        s.append("fi\n");
        s.append("# Apptainer's default: the command line is evaluated by the shell before it runs.\n");
        s.append("CMDLINE_ARGS=\"\"\n");
        s.append("for arg in \"$@\"; do\n");
        s.append("    CMDLINE_ARGS=\"${CMDLINE_ARGS} \\\"$arg\\\"\"\n");
        s.append("done\n");
        s.append("if [ $# -gt 0 ]; then\n");
        s.append("    SINGULARITY_OCI_RUN=\"${OCI_ENTRYPOINT} ${CMDLINE_ARGS}\"\n");
        s.append("else\n");
        s.append("    SINGULARITY_OCI_RUN=\"${OCI_ENTRYPOINT} ${OCI_CMD}\"\n");
        s.append("fi\n");
        s.append("eval \"set ${SINGULARITY_OCI_RUN}\"\n");
        s.append("exec \"$@\"\n");
        return s.toString();
    }

    /** {@code /.singularity.d/env/10-docker2singularity.sh} for these ENV entries. */
    public static String dockerEnv(List<String> env) {
        StringBuilder s = new StringBuilder("#!/bin/sh\n");
        for (String element : env) {
            int eq = element.indexOf('=');
            String name = eq < 0 ? element : element.substring(0, eq);
            if (!VARIABLE.matcher(name).matches()) {
                continue; // not a shell variable name: apptainer skips it too
            }
            if (eq < 0) {
                s.append("export ").append(name).append("=\"${").append(name).append(":-}\"\n");
            } else if (name.equals("PATH")) {
                s.append("export PATH=\"").append(escape(element.substring(eq + 1))).append("\"\n");
            } else {
                s.append("export ").append(name).append("=\"${").append(name).append(":-\"")
                        .append(escape(element.substring(eq + 1))).append("\"}\"\n");
            }
        }
        return s.toString();
    }

    // Fixed scripts: Pharos' own, in src/main/resources/ai/pharos/core/sif (same behaviour as apptainer's).
    static final String ACTION_EXEC = script("action-exec.sh");
    static final String ACTION_RUN = script("action-run.sh");
    static final String ACTION_SHELL = script("action-shell.sh");
    static final String ACTION_START = script("action-start.sh");
    static final String ACTION_TEST = script("action-test.sh");
    static final String ENV_01_BASE = script("env-01-base.sh");
    static final String ENV_90_ENVIRONMENT = script("env-90-environment.sh");
    static final String ENV_95_APPS = script("env-95-apps.sh");
    static final String ENV_99_BASE = script("env-99-base.sh");
    static final String ENV_99_RUNTIMEVARS = script("env-99-runtimevars.sh");
    static final String STARTSCRIPT = script("startscript.sh");

    private static String script(String name) {
        try (java.io.InputStream in = ApptainerAdditions.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * The labels apptainer records: the image's labels plus build labels (schema version, build date from
     * {@code buildTime}, bootstrap header, architecture).
     */
    public static Map<String, String> labels(JsonNode imageLabels, String bootstrap, String from, String arch,
                                             long buildTime) {
        Map<String, String> labels = new TreeMap<>();
        if (imageLabels != null && imageLabels.isObject()) {
            imageLabels.fields().forEachRemaining(f -> labels.put(f.getKey(), f.getValue().asText()));
        }
        ZonedDateTime t = Instant.ofEpochSecond(buildTime).atZone(ZoneOffset.UTC);
        labels.put("org.label-schema.schema-version", "1.0");
        labels.put("org.opencontainers.image.created", t.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME)
                .replace("+00:00", "Z"));
        labels.put("org.label-schema.build-date", t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH) + "_"
                + t.getDayOfMonth() + "_" + t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH) + "_"
                + t.getYear() + "_" + t.getHour() + ":" + t.getMinute() + ":" + t.getSecond() + "_UTC");
        labels.put("org.label-schema.usage.singularity.deffile.bootstrap", bootstrap);
        labels.put("org.label-schema.usage.singularity.deffile.from", from);
        labels.put("org.opencontainers.image.architecture", arch);
        labels.put("org.label-schema.build-arch", arch);
        return labels;
    }

    /**
     * Apply the additions to {@code rootfs} and return the SIF's JSON objects.
     *
     * @param config    the image config document
     * @param bootstrap deffile bootstrap agent, e.g. {@code docker-daemon}
     * @param from      the source reference, e.g. {@code pharos/openmpi:1.0}
     * @param arch      Go architecture name
     * @param time      mtime of the added files and build time of the labels (unix seconds)
     */
    public static JsonObjects apply(RootfsIndex rootfs, JsonNode config, String bootstrap, String from, String arch,
                                    long time) {
        JsonNode c = config.path("config");
        List<String> entrypoint = strings(c.get("Entrypoint"));
        List<String> cmd = strings(c.get("Cmd"));
        List<String> env = strings(c.get("Env"));
        String deffile = deffile(bootstrap, from);
        String runscript = runscript(entrypoint, cmd);
        String dockerEnv = dockerEnv(env);
        Map<String, String> labels = labels(c.get("Labels"), bootstrap, from, arch, time);
        String labelsJson = GoJson.indentedMap(labels);

        for (String dir : List.of(".singularity.d/libs", ".singularity.d/actions", ".singularity.d/env", "dev", "proc",
                "root", "var/tmp", "tmp", "etc", "sys", "home")) {
            rootfs.mkdirs(dir, time);
        }
        rootfs.putSymlink("singularity", ".singularity.d/runscript", time);
        rootfs.putSymlink(".run", ".singularity.d/actions/run", time);
        rootfs.putSymlink(".exec", ".singularity.d/actions/exec", time);
        rootfs.putSymlink(".test", ".singularity.d/actions/test", time);
        rootfs.putSymlink(".shell", ".singularity.d/actions/shell", time);
        rootfs.putSymlink("environment", ".singularity.d/env/90-environment.sh", time);
        emptyIfFileOrMissing(rootfs, "etc/hosts", time);
        emptyIfFileOrMissing(rootfs, "etc/resolv.conf", time);
        put(rootfs, ".singularity.d/actions/exec", 0755, ACTION_EXEC, time);
        put(rootfs, ".singularity.d/actions/run", 0755, ACTION_RUN, time);
        put(rootfs, ".singularity.d/actions/shell", 0755, ACTION_SHELL, time);
        put(rootfs, ".singularity.d/actions/start", 0755, ACTION_START, time);
        put(rootfs, ".singularity.d/actions/test", 0755, ACTION_TEST, time);
        put(rootfs, ".singularity.d/env/01-base.sh", 0755, ENV_01_BASE, time);
        put(rootfs, ".singularity.d/env/90-environment.sh", 0755, ENV_90_ENVIRONMENT, time);
        put(rootfs, ".singularity.d/env/95-apps.sh", 0755, ENV_95_APPS, time);
        put(rootfs, ".singularity.d/env/99-base.sh", 0755, ENV_99_BASE, time);
        put(rootfs, ".singularity.d/env/99-runtimevars.sh", 0755, ENV_99_RUNTIMEVARS, time);
        put(rootfs, ".singularity.d/startscript", 0755, STARTSCRIPT, time);
        put(rootfs, ".singularity.d/runscript", 0755, runscript, time);
        put(rootfs, ".singularity.d/env/10-docker2singularity.sh", 0755, dockerEnv, time);
        put(rootfs, ".singularity.d/labels.json", 0644, labelsJson, time);
        put(rootfs, ".singularity.d/Singularity", 0644, deffile, time);

        Map<String, String> environment = new TreeMap<>();
        environment.put("/.singularity.d/env/10-docker2singularity.sh", trimNewlines(dockerEnv));
        environment.put("/.singularity.d/env/90-environment.sh", trimNewlines(ENV_90_ENVIRONMENT));
        String inspect = "{\"data\":{\"attributes\":{\"environment\":" + GoJson.compactMap(environment)
                + ",\"labels\":" + GoJson.compactMap(labels)
                + ",\"runscript\":" + GoJson.string(trimNewlines(runscript))
                + ",\"deffile\":" + GoJson.string(trimNewlines(deffile))
                + ",\"startscript\":" + GoJson.string(trimNewlines(STARTSCRIPT))
                + "}},\"type\":\"container\"}";
        byte[] ociConfig;
        try {
            ociConfig = new ObjectMapper().writeValueAsBytes(c.isMissingNode() ? new ObjectMapper()
                    .createObjectNode() : c);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return new JsonObjects(inspect.getBytes(StandardCharsets.UTF_8), ociConfig);
    }

    private static void emptyIfFileOrMissing(RootfsIndex rootfs, String path, long time) {
        RootfsIndex.Node n = rootfs.get(path);
        if (n == null || n.kind() == RootfsIndex.Kind.FILE) {
            rootfs.putFile(path, 0644, new byte[0], n == null ? time : n.mtime());
        }
        // a symlink or directory there is left alone: apptainer would write through/fail; we never write outside
    }

    private static void put(RootfsIndex rootfs, String path, int mode, String content, long time) {
        rootfs.putFile(path, mode, content.getBytes(StandardCharsets.UTF_8), time);
    }

    private static String trimNewlines(String s) {
        int end = s.length();
        while (end > 0 && s.charAt(end - 1) == '\n') {
            end--;
        }
        return s.substring(0, end);
    }

    /** JSON the way Go's encoding/json writes it (sorted map keys, HTML-safe escapes). */
    static final class GoJson {
        private GoJson() {
        }

        static String string(String s) {
            StringBuilder b = new StringBuilder(s.length() + 2).append('"');
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                switch (c) {
                    case '"' -> b.append("\\\"");
                    case '\\' -> b.append("\\\\");
                    case '\n' -> b.append("\\n");
                    case '\r' -> b.append("\\r");
                    case '\t' -> b.append("\\t");
                    case '<', '>', '&', '\u2028', '\u2029' -> b.append(String.format("\\u%04x", (int) c));
                    default -> {
                        if (c < 0x20) {
                            b.append(String.format("\\u%04x", (int) c));
                        } else {
                            b.append(c);
                        }
                    }
                }
            }
            return b.append('"').toString();
        }

        static String compactMap(Map<String, String> m) {
            StringBuilder b = new StringBuilder("{");
            for (Map.Entry<String, String> e : new TreeMap<>(m).entrySet()) {
                if (b.length() > 1) {
                    b.append(',');
                }
                b.append(string(e.getKey())).append(':').append(string(e.getValue()));
            }
            return b.append('}').toString();
        }

        static String indentedMap(Map<String, String> m) {
            if (m.isEmpty()) {
                return "{}";
            }
            StringBuilder b = new StringBuilder("{\n");
            boolean first = true;
            for (Map.Entry<String, String> e : new TreeMap<>(m).entrySet()) {
                if (!first) {
                    b.append(",\n");
                }
                first = false;
                b.append('\t').append(string(e.getKey())).append(": ").append(string(e.getValue()));
            }
            return b.append("\n}").toString();
        }
    }
}
