package ai.pharos.core.docker;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads what a Dockerfile builds FROM (external images only, after ARG substitution; stage names and scratch excluded). */
public final class Dockerfiles {
    private static final Pattern VAR = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-+][^}]*)?}|\\$([A-Za-z_][A-Za-z0-9_]*)");

    private Dockerfiles() {
    }

    public static List<String> baseImages(String dockerfile, Map<String, String> buildArgs) {
        Map<String, String> args = new HashMap<>();
        Set<String> stages = new HashSet<>();
        List<String> result = new ArrayList<>();
        boolean seenFrom = false;
        for (String line : logicalLines(dockerfile)) {
            String[] parts = line.strip().split("\\s+");
            if (parts.length == 0 || parts[0].isEmpty() || parts[0].startsWith("#")) {
                continue;
            }
            String instruction = parts[0].toUpperCase(Locale.ROOT);
            if ("ARG".equals(instruction) && !seenFrom && parts.length > 1) {
                String decl = parts[1];
                int eq = decl.indexOf('=');
                String name = eq >= 0 ? decl.substring(0, eq) : decl;
                String def = eq >= 0 ? unquote(decl.substring(eq + 1)) : null;
                String value = buildArgs.getOrDefault(name, def);
                if (value != null) {
                    args.put(name, value);
                }
            } else if ("FROM".equals(instruction)) {
                seenFrom = true;
                int i = 1;
                while (i < parts.length && parts[i].startsWith("--")) {
                    i++;
                }
                if (i >= parts.length) {
                    continue;
                }
                String image = substitute(parts[i], args);
                if (i + 2 < parts.length && "AS".equalsIgnoreCase(parts[i + 1])) {
                    stages.add(parts[i + 2].toLowerCase(Locale.ROOT));
                }
                if (!"scratch".equals(image) && !stages.contains(image.toLowerCase(Locale.ROOT))
                        && !result.contains(image)) {
                    result.add(image);
                }
            }
        }
        return result;
    }

    private static String substitute(String s, Map<String, String> args) {
        Matcher m = VAR.matcher(s);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1) : m.group(2);
            m.appendReplacement(out, Matcher.quoteReplacement(args.getOrDefault(name, "")));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String unquote(String v) {
        if (v.length() >= 2 && (v.startsWith("\"") && v.endsWith("\"") || v.startsWith("'") && v.endsWith("'"))) {
            return v.substring(1, v.length() - 1);
        }
        return v;
    }

    private static List<String> logicalLines(String text) {
        List<String> lines = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String raw : text.split("\\R")) {
            String line = raw.stripTrailing();
            if (current.length() == 0 && line.strip().startsWith("#")) {
                continue;
            }
            if (line.endsWith("\\")) {
                current.append(line, 0, line.length() - 1).append(' ');
            } else {
                current.append(line);
                lines.add(current.toString());
                current.setLength(0);
            }
        }
        if (current.length() > 0) {
            lines.add(current.toString());
        }
        return lines;
    }
}
