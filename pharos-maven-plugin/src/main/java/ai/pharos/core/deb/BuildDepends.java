package ai.pharos.core.deb;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads the build dependencies of a source tree's {@code debian/control} (Build-Depends, Build-Depends-Arch,
 * Build-Depends-Indep) as package names to install: per relation the first alternative, without version,
 * architecture ({@code [amd64]}), build-profile ({@code <!nocheck>}) or multiarch ({@code :any}) qualifiers.
 * Exact version constraints are left to {@code dpkg-checkbuilddeps}, which debuild runs.
 */
public final class BuildDepends {
    private BuildDepends() {
    }

    /** Package names from the source paragraph of {@code debian/control} text. */
    public static List<String> fromControl(String debianControl) {
        List<DebControl> paragraphs = DebControl.parseParagraphs(debianControl);
        if (paragraphs.isEmpty()) {
            throw new IllegalArgumentException("debian/control has no paragraphs");
        }
        DebControl source = paragraphs.get(0);
        Set<String> names = new LinkedHashSet<>();
        for (String field : List.of("Build-Depends", "Build-Depends-Arch", "Build-Depends-Indep")) {
            String value = source.get(field);
            if (value != null) {
                names.addAll(parse(value));
            }
        }
        return List.copyOf(names);
    }

    /** Package names of one relationship field value. */
    public static List<String> parse(String value) {
        List<String> out = new ArrayList<>();
        for (String relation : value.replace('\n', ' ').split(",")) {
            String first = relation.split("\\|")[0];
            first = first.replaceAll("\\([^)]*\\)", " ").replaceAll("\\[[^]]*]", " ").replaceAll("<[^>]*>", " ")
                    .strip();
            if (first.isEmpty()) {
                continue;
            }
            String name = first.split("\\s+")[0];
            int colon = name.indexOf(':');
            if (colon > 0) {
                name = name.substring(0, colon);
            }
            if (!name.matches("[a-z0-9][a-z0-9+.-]+")) {
                throw new IllegalArgumentException("not a package name: '" + name + "' in '" + relation.strip() + "'");
            }
            out.add(name);
        }
        return out;
    }
}
