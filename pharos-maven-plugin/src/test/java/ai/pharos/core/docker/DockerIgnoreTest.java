package ai.pharos.core.docker;

import ai.pharos.core.PharosException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Cases from Docker's documentation (docs.docker.com, ".dockerignore files") and from moby/patternmatcher's
 * own test table, restated here as expectations.
 */
class DockerIgnoreTest {

    private static boolean excluded(String dockerignore, String path) throws PharosException {
        return DockerIgnore.parse(dockerignore, "test").matches(path);
    }

    /** Single pattern, single path: pattern | path | excluded. */
    @ParameterizedTest(name = "[{index}] {0} vs {1} -> {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "**            | file                    | true",
            "**            | dir/file                | true",
            "**/           | dir/file                | true",
            "**/**         | dir/file                | true",
            "dir/**        | dir/file                | true",
            "dir/**        | dir/dir2/file           | true",
            "**/dir        | dir                     | true",
            "**/dir        | dir/file                | true",
            "**/dir2/*     | dir/dir2/file           | true",
            "**/dir2/**    | dir/dir2/dir3/file      | true",
            "**file        | file                    | true",
            "**file        | dir/file                | true",
            "**/file       | dir/file                | true",
            "**file        | dir/dir/file            | true",
            "**/file       | dir/dir/file            | true",
            "**/file*      | dir/dir/file            | true",
            "**/file*      | dir/dir/file.txt        | true",
            "**/file*txt   | dir/dir/file.txt        | true",
            "**/file*.txt  | dir/dir/file.txt        | true",
            "**/file*.txt* | dir/dir/file.txt        | true",
            "**/**/*.txt   | dir/dir/file.txt        | true",
            "**/**/*.txt2  | dir/dir/file.txt        | false",
            "**/*.txt      | file.txt                | true",
            "**/**/*.txt   | file.txt                | true",
            "a**/*.txt     | a/file.txt              | true",
            "a**/*.txt     | a/dir/file.txt          | true",
            "a**/*.txt     | a/dir/dir/file.txt      | true",
            "a/*.txt       | a/dir/file.txt          | false",
            "a/*.txt       | a/file.txt              | true",
            "a/*.txt**     | a/file.txt              | true",
            "a[b-d]e       | ae                      | false",
            "a[b-d]e       | ace                     | true",
            "a[b-d]e       | aae                     | false",
            "a[^b-d]e      | aze                     | true",
            ".*            | .foo                    | true",
            ".*            | foo                     | false",
            "abc.def       | abcdef                  | false",
            "abc.def       | abc.def                 | true",
            "abc.def       | abcZdef                 | false",
            "abc?def       | abcZdef                 | true",
            "abc?def       | abcdef                  | false",
            "abc?def       | abc/def                 | false",
            "a*b           | a/b                     | false",
            "**/foo/bar    | foo/bar                 | true",
            "**/foo/bar    | dir/foo/bar             | true",
            "**/foo/bar    | dir/dir2/foo/bar        | true",
            "abc/**        | abc                     | false",
            "abc/**        | abc/def                 | true",
            "abc/**        | abc/def/ghi             | true",
            "**/.foo       | .foo                    | true",
            "**/.foo       | bar.foo                 | false",
            "a(b)c/def     | a(b)c/def               | true",
            "a(b)c/def     | a(b)c/xyz               | false",
            "\"a.|)$(}+{bc\" | \"a.|)$(}+{bc\" | true",
            "dist/*.whl    | dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl | true",
            // a pattern matching a directory excludes everything below it
            "build         | build/out/x.o           | true",
            "docs/*        | docs/a/b/c              | true",
            // leading slash and ./ are dropped, patterns are cleaned
            "/build        | build                   | true",
            "/build        | src/build               | false",
            "./build/      | build/x                 | true",
            "a//b/../c     | a/c                     | true",
            "build         | src/build               | false",
            // escapes
            "\\*.txt       | *.txt                   | true",
            "\\*.txt       | a.txt                   | false",
            "a\\?          | a?                      | true",
            "a\\?          | ab                      | false",
            // docs.docker.com: */temp*, */*/temp*, temp?
            "*/temp*       | somedir/temporary.txt   | true",
            "*/temp*       | somedir/temp            | true",
            "*/temp*       | temporary.txt           | false",
            "*/*/temp*     | somedir/subdir/temporary.txt | true",
            "*/*/temp*     | somedir/temporary.txt   | false",
            "temp?         | tempa                   | true",
            "temp?         | tempab                  | false",
            "**/*.go       | a/b/c.go                | true",
            "**/*.go       | c.go                    | true",
            // non-ASCII: ? is one character, not one byte
            "donn?es/*     | données/é.txt           | true",
    })
    void singlePattern(String pattern, String path, boolean expected) throws PharosException {
        assertEquals(expected, excluded(pattern + "\n", path), pattern + " vs " + path);
    }

    @Test
    void lastMatchingPatternWinsDocsExamples() throws PharosException {
        String md = "*.md\n!README.md\n";
        assertTrue(excluded(md, "CHANGES.md"));
        assertFalse(excluded(md, "README.md"));

        String secret = "*.md\n!README*.md\nREADME-secret.md\n";
        assertTrue(excluded(secret, "CHANGES.md"));
        assertFalse(excluded(secret, "README-public.md"));
        assertTrue(excluded(secret, "README-secret.md"));

        String reversed = "*.md\nREADME-secret.md\n!README*.md\n";
        assertFalse(excluded(reversed, "README-secret.md"));
        assertFalse(excluded(reversed, "README.md"));
        assertTrue(excluded(reversed, "CHANGES.md"));
    }

    @Test
    void exceptionsInsideExcludedDirectories() throws PharosException {
        DockerIgnore ig = DockerIgnore.parse("cache\n!cache/important.txt\n", "t");
        assertTrue(ig.matches("cache"));
        assertTrue(ig.matches("cache/tmp.bin"));
        assertFalse(ig.matches("cache/important.txt"));
        assertTrue(ig.mayReincludeUnder("cache"));
        assertFalse(ig.mayReincludeUnder("other"));

        // Docker's descent test is a literal prefix test: a wildcard exception does not reopen a directory
        DockerIgnore wild = DockerIgnore.parse("logs\n!**/keep.log\n", "t");
        assertFalse(wild.mayReincludeUnder("logs"));
        assertFalse(wild.matches("logs/keep.log"), "matched alone it is re-included ...");
        // ... but the walk never looks at it, see ContextTarTest#wildcardExceptionDoesNotReopenExcludedDirectory

        DockerIgnore none = DockerIgnore.parse("cache\n", "t");
        assertFalse(none.mayReincludeUnder("cache"));
        assertFalse(none.hasExceptions());
        assertTrue(ig.hasExceptions());
    }

    @Test
    void parentMatchingVersusLegacyMatching() throws PharosException {
        DockerIgnore ig = DockerIgnore.parse("**/foo\n", "t");
        assertTrue(ig.matches("x/y/foo/bar"), "parents at any depth");
        assertFalse(ig.matchesLegacy("x/y/foo/bar"), "the old Matches checks only the parent at the pattern's depth");
        assertTrue(ig.matchesLegacy("x/foo/bar"));
    }

    @Test
    void rootIsNeverExcluded() throws PharosException {
        assertFalse(excluded("**\n", "."));
        assertFalse(excluded("*\n", ""));
    }

    @Test
    void readAllFollowsDockersLineRules() {
        String text = "\uFEFF# comment\r\n"
                + "  # not a comment: only a # in the first column starts one\n"
                + "\n"
                + "   \t\n"
                + "  spaced.txt  \r\n"
                + "!  keep.txt\n"
                + "/abs/path/\n"
                + "./dot/../x//y\n"
                + "!/anchored\n"
                + "/\n"
                + "last-without-newline";
        assertEquals(List.of("# not a comment: only a # in the first column starts one", "spaced.txt",
                "!keep.txt", "abs/path", "x/y", "!anchored", "/", "last-without-newline"),
                DockerIgnore.readAll(text));
    }

    @Test
    void commentAndHashPatterns() throws PharosException {
        assertFalse(excluded("#secret\n", "#secret"));
        assertTrue(excluded(" #secret\n", "#secret"));
    }

    @Test
    void badPatternsFailWithTheFileNamed() {
        PharosException e = assertThrows(PharosException.class,
                () -> DockerIgnore.parse("ok\n[unclosed\n", "/ctx/.dockerignore"));
        assertTrue(e.getMessage().contains("[unclosed") && e.getMessage().contains("/ctx/.dockerignore"),
                e.getMessage());
        assertThrows(PharosException.class, () -> DockerIgnore.parse("!\n", "t"));
        assertThrows(PharosException.class, () -> DockerIgnore.parse("a\\\n", "t"));
        assertThrows(PharosException.class, () -> DockerIgnore.parse("[]a]\n", "t"));
        assertThrows(PharosException.class, () -> DockerIgnore.parse("[a-]\n", "t"));
    }

    @Test
    void cleanIsGoFilepathClean() {
        assertEquals(".", DockerIgnore.clean(""));
        assertEquals("a/c", DockerIgnore.clean("a//b/../c/."));
        assertEquals("../a", DockerIgnore.clean("../a"));
        assertEquals("/a", DockerIgnore.clean("/../a"));
        assertEquals("/", DockerIgnore.clean("///"));
        assertEquals(".", DockerIgnore.clean("a/.."));
    }

    @Test
    void bracketClassesBehaveLikeGo() throws PharosException {
        assertTrue(excluded("[[]x\n", "[x"), "'[' inside a class is literal in Go");
        assertTrue(excluded("a[&]b\n", "a&b"));
        assertFalse(excluded("a[&]b\n", "a]b"));
        assertTrue(excluded("file[0-9].txt\n", "file7.txt"));
        assertFalse(excluded("file[0-9].txt\n", "fileA.txt"));
    }
}
