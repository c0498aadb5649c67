package ai.pharos.core.docker;

import ai.pharos.core.PharosException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A {@code .dockerignore} with Docker's own semantics, as implemented by the Docker CLI and daemon
 * (moby/patternmatcher, its {@code ignorefile.ReadAll}, docker/cli's build-context walk). Written from those sources'
 * documented behaviour; the rules, in order:
 * <ol>
 *   <li>Reading ({@link #parse}): a UTF-8 BOM on the first line is dropped; a line whose <em>first</em> character is
 *       {@code #} is a comment; every other line is trimmed of whitespace (Go's {@code unicode.IsSpace}); blank lines
 *       are dropped; a leading {@code !} marks an exception (the rest is trimmed again); the pattern is cleaned like
 *       Go's {@code filepath.Clean} ({@code ./a//b/../c} → {@code a/c}) and a single leading {@code /} is removed.</li>
 *   <li>Compiling ({@link #of}): each pattern is trimmed and cleaned again; {@code !} alone is an error; malformed
 *       patterns (unclosed {@code [}, trailing {@code \}) are errors.</li>
 *   <li>Matching: {@code *} is any run of non-{@code /} characters, {@code ?} one non-{@code /} character,
 *       {@code [...]} a character class ({@code ^} negates), {@code \x} escapes {@code x}, {@code **} any number of
 *       directories including zero ({@code **}{@code /a} matches {@code a}; a trailing {@code **} matches
 *       everything below). A path is excluded when the <em>last</em> pattern that matches it, or matches one of
 *       its parent directories, is not an exception.</li>
 *   <li>Walking ({@link #mayReincludeUnder}): an excluded directory is not descended into unless some exception
 *       pattern starts with {@code dir/} literally; then the walk descends (the directory itself is still not
 *       sent, the daemon recreates it as a parent of what is sent below it).</li>
 * </ol>
 * Paths given to the match methods are relative to the context root, with {@code /} separators, no leading
 * {@code ./}.
 */
public final class DockerIgnore {

    /** The file name Docker reads from the context root. */
    public static final String FILE_NAME = ".dockerignore";

    private enum Kind { EXACT, PREFIX, SUFFIX, REGEXP }

    private static final class Rule {
        final String cleaned;
        final boolean exclusion;
        final int dirs;
        Kind kind;
        Pattern regexp;

        Rule(String cleaned, boolean exclusion) {
            this.cleaned = cleaned;
            this.exclusion = exclusion;
            this.dirs = cleaned.split("/", -1).length;
        }

        boolean match(String path) {
            switch (kind) {
                case EXACT:
                    return path.equals(cleaned);
                case PREFIX:
                    return path.startsWith(cleaned.substring(0, cleaned.length() - 2));
                case SUFFIX: {
                    String suffix = cleaned.substring(2);
                    if (path.endsWith(suffix)) {
                        return true;
                    }
                    return suffix.startsWith("/") && path.equals(suffix.substring(1));
                }
                default:
                    return regexp.matcher(path).matches();
            }
        }
    }

    /** Per-pattern match results of a directory, handed down to its children during a walk. */
    public static final class MatchInfo {
        static final MatchInfo NONE = new MatchInfo(null);
        private final boolean[] parentMatched;

        private MatchInfo(boolean[] parentMatched) {
            this.parentMatched = parentMatched;
        }
    }

    /** Result of matching during a walk: whether the path is excluded, and what its children inherit. */
    public record WalkMatch(boolean excluded, MatchInfo info) {
    }

    private final List<String> patterns;
    private final List<Rule> rules;
    private final boolean exclusions;

    private DockerIgnore(List<String> patterns, List<Rule> rules) {
        this.patterns = List.copyOf(patterns);
        this.rules = rules;
        this.exclusions = rules.stream().anyMatch(r -> r.exclusion);
    }

    /** No patterns: nothing is excluded. */
    public static DockerIgnore empty() {
        return new DockerIgnore(List.of(), List.of());
    }

    /** Read {@code <contextDir>/.dockerignore}; a missing file means no patterns (as for Docker). */
    public static DockerIgnore read(Path contextDir) throws PharosException {
        Path file = contextDir.resolve(FILE_NAME);
        String text;
        try {
            text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return empty();
        } catch (IOException e) {
            throw new PharosException("Cannot read " + file + ": " + e.getMessage(), "pharos.build.contextDirectory",
                    "Make the .dockerignore file readable.", e);
        }
        return parse(text, file.toString());
    }

    /** Parse the text of a {@code .dockerignore} file; {@code source} names it in error messages. */
    public static DockerIgnore parse(String text, String source) throws PharosException {
        return of(readAll(text), source);
    }

    /**
     * The patterns of a {@code .dockerignore} text as Docker's {@code ReadAll} returns them (comments and blank
     * lines dropped, trimmed, cleaned, leading {@code /} removed, {@code !} kept in front).
     */
    public static List<String> readAll(String text) {
        List<String> out = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int n = 0; n < lines.length; n++) {
            String line = lines[n];
            if (n == lines.length - 1 && line.isEmpty()) {
                break;
            }
            if (line.endsWith("\r")) {
                line = line.substring(0, line.length() - 1);
            }
            if (n == 0 && line.startsWith("\uFEFF")) {
                line = line.substring(1);
            }
            if (line.startsWith("#")) {
                continue;
            }
            String pattern = goTrimSpace(line);
            if (pattern.isEmpty()) {
                continue;
            }
            boolean invert = pattern.charAt(0) == '!';
            if (invert) {
                pattern = goTrimSpace(pattern.substring(1));
            }
            if (!pattern.isEmpty()) {
                pattern = clean(pattern);
                if (pattern.length() > 1 && pattern.charAt(0) == '/') {
                    pattern = pattern.substring(1);
                }
            }
            out.add(invert ? "!" + pattern : pattern);
        }
        return out;
    }

    /**
     * Compile patterns as patternmatcher's {@code New} does (trim, clean, {@code !} exceptions, syntax check).
     * {@code source} names where they came from in error messages.
     */
    public static DockerIgnore of(List<String> patterns, String source) throws PharosException {
        List<Rule> rules = new ArrayList<>();
        List<String> kept = new ArrayList<>();
        for (String raw : patterns) {
            String p = goTrimSpace(raw);
            if (p.isEmpty()) {
                continue;
            }
            p = clean(p);
            boolean exclusion = false;
            if (p.charAt(0) == '!') {
                if (p.length() == 1) {
                    throw bad(source, raw, "illegal exclusion pattern \"!\"");
                }
                exclusion = true;
                p = p.substring(1);
            }
            String syntax = checkSyntax(p);
            if (syntax != null) {
                throw bad(source, raw, syntax);
            }
            Rule rule = new Rule(p, exclusion);
            try {
                compile(rule);
            } catch (PatternSyntaxException e) {
                throw bad(source, raw, "syntax error in pattern");
            }
            rules.add(rule);
            kept.add(raw);
        }
        return new DockerIgnore(kept, rules);
    }

    private static PharosException bad(String source, String raw, String why) {
        return new PharosException("Bad pattern '" + raw + "' in " + source + ": " + why,
                "pharos.build.contextDirectory", "Fix the pattern (Docker's .dockerignore syntax).");
    }

    /** The patterns as given (exceptions keep their {@code !}). */
    public List<String> patterns() {
        return patterns;
    }

    /** True when any pattern is an exception ({@code !...}). */
    public boolean hasExceptions() {
        return exclusions;
    }

    /** A copy with {@code extra} patterns appended (later patterns win). */
    public DockerIgnore plus(String... extra) throws PharosException {
        List<String> all = new ArrayList<>(patterns);
        all.addAll(List.of(extra));
        return of(all, "patterns");
    }

    /**
     * Matching as during Docker's context walk: {@code parent} is the {@link WalkMatch#info()} of the path's parent
     * directory ({@code null} for a path directly in the root or when unknown, then parents are checked here).
     */
    public WalkMatch matchInWalk(String path, MatchInfo parent) {
        boolean[] parentMatched = parent == null ? null : parent.parentMatched;
        boolean matched = false;
        boolean[] info = new boolean[rules.size()];
        for (int i = 0; i < rules.size(); i++) {
            Rule rule = rules.get(i);
            boolean match = parentMatched != null && parentMatched[i];
            if (!match) {
                if (rule.exclusion != matched) {
                    continue;
                }
                match = rule.match(path);
                if (!match && parentMatched == null) {
                    String parentPath = dir(path);
                    if (!parentPath.equals(".")) {
                        String[] parts = parentPath.split("/", -1);
                        StringBuilder prefix = new StringBuilder();
                        for (int k = 0; k < parts.length && !match; k++) {
                            if (k > 0) {
                                prefix.append('/');
                            }
                            prefix.append(parts[k]);
                            match = rule.match(prefix.toString());
                        }
                    }
                }
            }
            info[i] = match;
            if (match) {
                matched = !rule.exclusion;
            }
        }
        return new WalkMatch(matched, new MatchInfo(info));
    }

    /**
     * Whether {@code path} is excluded, its parents considered (patternmatcher {@code MatchesOrParentMatches}; the
     * daemon uses this to decide whether to drop the Dockerfile and {@code .dockerignore} after reading them).
     * The path is cleaned first; the context root itself is never excluded.
     */
    public boolean matches(String path) {
        String file = clean(path);
        if (file.equals(".")) {
            return false;
        }
        return matchInWalk(file, null).excluded();
    }

    /**
     * patternmatcher's older {@code Matches}: like {@link #matches} but checking only the parent directory at the
     * depth of each pattern. The Docker CLI uses it to decide whether the Dockerfile and {@code .dockerignore}
     * must be re-included ({@code TrimBuildFilesFromExcludes}).
     */
    public boolean matchesLegacy(String path) {
        String file = clean(path);
        if (file.equals(".")) {
            return false;
        }
        String parentPath = dir(file);
        String[] parentDirs = parentPath.split("/", -1);
        boolean matched = false;
        for (Rule rule : rules) {
            if (rule.exclusion != matched) {
                continue;
            }
            boolean match = rule.match(file);
            if (!match && !parentPath.equals(".") && rule.dirs <= parentDirs.length) {
                match = rule.match(String.join("/", List.of(parentDirs).subList(0, rule.dirs)));
            }
            if (match) {
                matched = !rule.exclusion;
            }
        }
        return matched;
    }

    /**
     * For an excluded directory: whether the walk must still descend because an exception pattern could re-include
     * something below it (Docker's literal prefix test: the exception, plus {@code /}, starts with {@code dir/}).
     */
    public boolean mayReincludeUnder(String dir) {
        if (!exclusions) {
            return false;
        }
        String dirSlash = dir + "/";
        for (Rule rule : rules) {
            if (rule.exclusion && (rule.cleaned + "/").startsWith(dirSlash)) {
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------------------------------------------------

    private static String dir(String path) {
        int slash = path.lastIndexOf('/');
        if (slash < 0) {
            return ".";
        }
        return clean(path.substring(0, slash + 1));
    }

    /** Go's {@code filepath.Clean} on Unix. */
    public static String clean(String path) {
        if (path.isEmpty()) {
            return ".";
        }
        boolean rooted = path.charAt(0) == '/';
        List<String> out = new ArrayList<>();
        for (String part : path.split("/", -1)) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (!out.isEmpty() && !out.get(out.size() - 1).equals("..")) {
                    out.remove(out.size() - 1);
                } else if (!rooted) {
                    out.add("..");
                }
                continue;
            }
            out.add(part);
        }
        String joined = String.join("/", out);
        if (rooted) {
            return "/" + joined;
        }
        return joined.isEmpty() ? "." : joined;
    }

    /** Go's {@code strings.TrimSpace} ({@code unicode.IsSpace}). */
    static String goTrimSpace(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && isGoSpace(s.charAt(start))) {
            start++;
        }
        while (end > start && isGoSpace(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(start, end);
    }

    private static boolean isGoSpace(char c) {
        switch (c) {
            case '\t': case '\n': case 0x0B: case '\f': case '\r': case ' ': case 0x85: case 0xA0:
            case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
                return true;
            default:
                return c >= 0x2000 && c <= 0x200A;
        }
    }

    /**
     * The syntax check Go's {@code filepath.Match} applies (patternmatcher rejects what it rejects): a trailing
     * backslash, an unclosed or empty character class, a bad range. Returns the problem or null.
     */
    private static String checkSyntax(String p) {
        int i = 0;
        int n = p.length();
        while (i < n) {
            char c = p.charAt(i);
            if (c == '\\') {
                if (i + 1 >= n) {
                    return "trailing backslash";
                }
                i += 2;
            } else if (c == '[') {
                i++;
                if (i < n && p.charAt(i) == '^') {
                    i++;
                }
                int ranges = 0;
                while (true) {
                    if (i < n && p.charAt(i) == ']' && ranges > 0) {
                        i++;
                        break;
                    }
                    int lo = escEnd(p, i);
                    if (lo < 0) {
                        return "unclosed or empty character class";
                    }
                    i = lo;
                    if (i < n && p.charAt(i) == '-') {
                        int hi = escEnd(p, i + 1);
                        if (hi < 0) {
                            return "bad range in character class";
                        }
                        i = hi;
                    }
                    ranges++;
                }
            } else {
                i++;
            }
        }
        return null;
    }

    /** Go's {@code getEsc}: end index of one (possibly escaped) class character at {@code i}, or -1. */
    private static int escEnd(String p, int i) {
        if (i >= p.length() || p.charAt(i) == '-' || p.charAt(i) == ']') {
            return -1;
        }
        if (p.charAt(i) == '\\') {
            i++;
            if (i >= p.length()) {
                return -1;
            }
        }
        return i + Character.charCount(p.codePointAt(i));
    }

    /**
     * Translate a pattern the way patternmatcher does (first into the Go regular expression it builds, then that
     * into an equivalent Java one) and pick the fast-path kind it picks.
     */
    private static void compile(Rule rule) {
        String pattern = rule.cleaned;
        StringBuilder re = new StringBuilder("^");
        Kind kind = Kind.EXACT;
        int i = 0;
        int pos = 0;
        while (pos < pattern.length()) {
            int ch = pattern.codePointAt(pos);
            pos += Character.charCount(ch);
            if (ch == '*') {
                if (pos < pattern.length() && pattern.charAt(pos) == '*') {
                    pos++;
                    if (pos < pattern.length() && pattern.charAt(pos) == '/') {
                        pos++;
                    }
                    if (pos >= pattern.length()) {
                        if (kind == Kind.EXACT) {
                            kind = Kind.PREFIX;
                        } else {
                            re.append(".*");
                            kind = Kind.REGEXP;
                        }
                    } else {
                        re.append("(.*/)?");
                        kind = Kind.REGEXP;
                    }
                    if (i == 0) {
                        kind = Kind.SUFFIX;
                    }
                } else {
                    re.append("[^/]*");
                    kind = Kind.REGEXP;
                }
            } else if (ch == '?') {
                re.append("[^/]");
                kind = Kind.REGEXP;
            } else if (".+()|{}$".indexOf(ch) >= 0) {
                re.append('\\').appendCodePoint(ch);
            } else if (ch == '\\') {
                // checkSyntax guarantees a following character
                int next = pattern.codePointAt(pos);
                pos += Character.charCount(next);
                re.append('\\').appendCodePoint(next);
                kind = Kind.REGEXP;
            } else if (ch == '[' || ch == ']') {
                re.appendCodePoint(ch);
                kind = Kind.REGEXP;
            } else {
                re.appendCodePoint(ch);
            }
            i++;
        }
        rule.kind = kind;
        if (kind == Kind.REGEXP) {
            rule.regexp = Pattern.compile(goRegexToJava(re.toString()) + "\\z", Pattern.UNIX_LINES);
        }
    }

    /**
     * Convert the RE2 syntax patternmatcher produces into Java syntax: inside a character class RE2 takes
     * {@code [} and {@code &} literally and knows {@code [:alpha:]}; Java needs escapes / {@code \p{...}}.
     */
    private static String goRegexToJava(String go) {
        StringBuilder out = new StringBuilder();
        boolean inClass = false;
        int i = 0;
        while (i < go.length()) {
            char c = go.charAt(i);
            if (c == '\\' && i + 1 < go.length()) {
                out.append(c).append(go.charAt(i + 1));
                i += 2;
                continue;
            }
            if (!inClass) {
                if (c == '[') {
                    inClass = true;
                    out.append('[');
                    i++;
                    if (i < go.length() && go.charAt(i) == '^') {
                        out.append('^');
                        i++;
                    }
                    if (i < go.length() && go.charAt(i) == ']') {
                        out.append("\\]");
                        i++;
                    }
                    continue;
                }
                out.append(c);
                i++;
                continue;
            }
            if (c == '[' && go.startsWith("[:", i)) {
                int end = go.indexOf(":]", i + 2);
                if (end > 0) {
                    String name = go.substring(i + 2, end);
                    boolean neg = name.startsWith("^");
                    String javaName = posix(neg ? name.substring(1) : name);
                    if (javaName != null) {
                        out.append(neg ? "\\P{" : "\\p{").append(javaName).append('}');
                        i = end + 2;
                        continue;
                    }
                }
            }
            if (c == '[' || c == '&') {
                out.append('\\').append(c);
            } else {
                if (c == ']') {
                    inClass = false;
                }
                out.append(c);
            }
            i++;
        }
        return out.toString();
    }

    private static String posix(String name) {
        switch (name) {
            case "alnum": return "Alnum";
            case "alpha": return "Alpha";
            case "ascii": return "ASCII";
            case "blank": return "Blank";
            case "cntrl": return "Cntrl";
            case "digit": return "Digit";
            case "graph": return "Graph";
            case "lower": return "Lower";
            case "print": return "Print";
            case "punct": return "Punct";
            case "space": return "Space";
            case "upper": return "Upper";
            case "xdigit": return "XDigit";
            default: return null;
        }
    }

    @Override
    public String toString() {
        return "DockerIgnore" + patterns;
    }
}
