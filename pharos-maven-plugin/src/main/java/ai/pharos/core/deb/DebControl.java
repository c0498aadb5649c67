package ai.pharos.core.deb;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One deb822 paragraph (a {@code control} file of a binary package, a stanza of {@code debian/control}): fields in
 * their original order and spelling, looked up case-insensitively as Debian policy 5.1 says. Values keep their
 * continuation lines ({@code Description}), each with its leading space, joined by {@code \n}.
 */
public final class DebControl {
    private final Map<String, String> fields;         // original name -> value
    private final Map<String, String> canonicalNames; // lower-case -> original name

    public DebControl(Map<String, String> fields) {
        this.fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
        Map<String, String> names = new LinkedHashMap<>();
        for (String name : fields.keySet()) {
            names.put(name.toLowerCase(Locale.ROOT), name);
        }
        this.canonicalNames = names;
    }

    /** Parse deb822 text into paragraphs. Lines starting with {@code #} are comments (debian/control allows them). */
    public static List<DebControl> parseParagraphs(String text) {
        List<DebControl> paragraphs = new ArrayList<>();
        Map<String, String> current = new LinkedHashMap<>();
        String last = null;
        for (String line : text.split("\n", -1)) {
            if (line.endsWith("\r")) {
                line = line.substring(0, line.length() - 1);
            }
            if (line.startsWith("#")) {
                continue;
            }
            if (line.isBlank()) {
                if (!current.isEmpty()) {
                    paragraphs.add(new DebControl(current));
                    current = new LinkedHashMap<>();
                }
                last = null;
                continue;
            }
            if ((line.charAt(0) == ' ' || line.charAt(0) == '\t') && last != null) {
                current.put(last, current.get(last) + "\n" + line);
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("not a deb822 field line: '" + line + "'");
            }
            last = line.substring(0, colon);
            current.put(last, line.substring(colon + 1).strip());
        }
        if (!current.isEmpty()) {
            paragraphs.add(new DebControl(current));
        }
        return paragraphs;
    }

    /** Parse a single paragraph (a binary package's {@code control} file). */
    public static DebControl parse(String text) {
        List<DebControl> all = parseParagraphs(text);
        if (all.size() != 1) {
            throw new IllegalArgumentException("expected one control paragraph, found " + all.size());
        }
        return all.get(0);
    }

    /** The value of {@code name} (case-insensitive), or null. */
    public String get(String name) {
        String original = canonicalNames.get(name.toLowerCase(Locale.ROOT));
        return original == null ? null : fields.get(original);
    }

    /** All fields in their original order and spelling. */
    public Map<String, String> fields() {
        return fields;
    }

    public String packageName() {
        return get("Package");
    }

    public String version() {
        return get("Version");
    }

    public String architecture() {
        return get("Architecture");
    }

    /** The Depends field, or the empty string. */
    public String depends() {
        String d = get("Depends");
        return d == null ? "" : d;
    }

    /** Render as deb822 text (no trailing blank line). */
    public String render() {
        StringBuilder sb = new StringBuilder();
        fields.forEach((k, v) -> sb.append(k).append(": ").append(v).append('\n'));
        return sb.toString();
    }

    @Override
    public String toString() {
        return packageName() + " " + version() + " " + architecture();
    }
}
