package ai.pharos.core.deb;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Finds the first failing step in a debuild log ({@code PACKAGE_DIR/*.build}) or in the output of
 * {@code make package-deb}. BeeGFS 8.x can exit 0 after a failure, so the log is the authority: the first compiler or
 * linker error wins, then the first failed make recipe, then dpkg-buildpackage/debuild/dh errors.
 */
public final class BuildLogScanner {
    private static final List<Pattern> PATTERNS = List.of(
            Pattern.compile("^\\S+:\\d+(:\\d+)?: (fatal )?error: .*"),          // gcc/g++: file:line:col: error:
            Pattern.compile("^.*#error .*"),
            Pattern.compile(".*undefined reference to .*"),
            Pattern.compile("^collect2: error: .*"),
            Pattern.compile("^error: .*"),                                        // Makefile preconditions
            Pattern.compile("^make(\\[\\d+])?: \\*\\*\\* .*"),
            Pattern.compile("^dh_\\S+: error: .*"),
            Pattern.compile("^dpkg-(source|buildpackage|checkbuilddeps|deb|gencontrol|shlibdeps): error: .*"),
            Pattern.compile("^debuild: fatal error.*"),
            Pattern.compile("^pharos-error: .*"));

    private BuildLogScanner() {
    }

    /** The first line that names a failure, by the priority above; empty when the log shows none. */
    public static Optional<String> firstFailure(List<String> lines) {
        for (Pattern p : PATTERNS) {
            for (String line : lines) {
                if (p.matcher(line).matches()) {
                    return Optional.of(line.strip());
                }
            }
        }
        return Optional.empty();
    }
}
