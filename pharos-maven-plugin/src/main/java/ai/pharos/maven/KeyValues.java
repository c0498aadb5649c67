package ai.pharos.maven;

import ai.pharos.core.PharosException;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Parses {@code K=V} lists given on the command line (e.g. {@code -Dpharos.build.args=A=1,B=2}). */
final class KeyValues {
    private KeyValues() {
    }

    /**
     * A map parameter from the POM ({@code <K>V</K>}; an empty element arrives as null and becomes "") overridden
     * by its {@code K=V} list from the command line ({@code property}).
     */
    static Map<String, String> merge(Map<String, String> configured, List<String> commandLine, String property)
            throws PharosException {
        Map<String, String> map = new LinkedHashMap<>();
        if (configured != null) {
            configured.forEach((k, v) -> map.put(k, v == null ? "" : v));
        }
        map.putAll(parse(commandLine, property));
        return map;
    }

    private static Map<String, String> parse(List<String> entries, String property) throws PharosException {
        Map<String, String> map = new LinkedHashMap<>();
        if (entries == null) {
            return map;
        }
        for (String entry : entries) {
            if (entry == null || entry.isBlank()) {
                continue;
            }
            int eq = entry.indexOf('=');
            if (eq <= 0) {
                throw new PharosException("'" + entry + "' is not of the form KEY=VALUE", property,
                        "Write -D" + property + "=KEY=VALUE[,KEY2=VALUE2].");
            }
            map.put(entry.substring(0, eq).strip(), entry.substring(eq + 1));
        }
        return map;
    }
}
