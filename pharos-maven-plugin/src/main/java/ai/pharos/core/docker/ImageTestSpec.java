package ai.pharos.core.docker;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/**
 * A container test spec: the JSON form of Container Structure Test's schema 2.0.0 (the de-facto format image
 * authors already know), restricted to what {@link ImageTests} runs. Parsed by {@link ImageTests#parse}.
 * Lists that are absent are empty, never null, after parsing.
 *
 * @param schemaVersion      must be {@code 2.0.0}
 * @param globalEnvVars      environment added to every command test
 * @param commandTests       commands run in a fresh container each
 * @param fileExistenceTests paths that must (or must not) exist, with optional mode, owner and executable checks
 * @param fileContentTests   files whose contents must (or must not) match patterns
 * @param metadataTest       image configuration: ENV, labels, ENTRYPOINT, CMD, WORKDIR, USER
 */
public record ImageTestSpec(String schemaVersion, List<EnvVar> globalEnvVars, List<CommandTest> commandTests,
                            List<FileExistenceTest> fileExistenceTests, List<FileContentTest> fileContentTests,
                            MetadataTest metadataTest) {

    /** The only schema version accepted. */
    public static final String SCHEMA_VERSION = "2.0.0";

    /**
     * A key and a value; {@code isRegex} makes the value a pattern (metadata checks only).
     * In command tests, {@code $NAME} and {@code ${NAME}} in the value expand from the image's ENV.
     */
    public record EnvVar(String key, String value, @JsonProperty("isRegex") Boolean isRegex) {
        public boolean regex() {
            return Boolean.TRUE.equals(isRegex);
        }
    }

    /**
     * {@code command} with {@code args} run as the container's entrypoint (the image's ENTRYPOINT and CMD are
     * replaced, as in Container Structure Test). Patterns are Java regular expressions searched anywhere in the
     * output (use {@code (?m)^…$} for whole lines). {@code exitCode} defaults to 0.
     */
    public record CommandTest(String name, String command, List<String> args, List<EnvVar> envVars,
                              List<String> expectedOutput, List<String> excludedOutput, List<String> expectedError,
                              List<String> excludedError, Integer exitCode) {
        public int expectedExitCode() {
            return exitCode == null ? 0 : exitCode;
        }
    }

    /**
     * A path that must exist ({@code shouldExist: true}) or must not. Symbolic links are not followed.
     * {@code permissions} is the {@code ls -l} mode string, e.g. {@code -rwxr-xr-x}, {@code drwxr-xr-x},
     * {@code lrwxrwxrwx}, {@code -rwsr-xr-x}; {@code isExecutableBy} is one of owner, group, other, any.
     */
    public record FileExistenceTest(String name, String path, Boolean shouldExist, String permissions, Integer uid,
                                    Integer gid, String isExecutableBy) {
    }

    /** A regular file whose contents must match every {@code expectedContents} and no {@code excludedContents}. */
    public record FileContentTest(String name, String path, List<String> expectedContents,
                                  List<String> excludedContents) {
    }

    /**
     * The image configuration. Absent fields are not checked; {@code entrypoint: []} checks that there is none.
     * {@code unboundEnvVars} lists keys that must not be set (their values are ignored).
     */
    public record MetadataTest(List<EnvVar> envVars, List<EnvVar> unboundEnvVars, List<EnvVar> labels,
                               List<String> entrypoint, List<String> cmd, String workdir, String user) {
    }

    /** How many checks this spec makes (each metadata item counts as one). */
    public int checkCount() {
        int n = commandTests.size() + fileExistenceTests.size() + fileContentTests.size();
        if (metadataTest != null) {
            n += metadataTest.envVars().size() + metadataTest.unboundEnvVars().size() + metadataTest.labels().size();
            n += metadataTest.entrypoint() == null ? 0 : 1;
            n += metadataTest.cmd() == null ? 0 : 1;
            n += metadataTest.workdir() == null ? 0 : 1;
            n += metadataTest.user() == null ? 0 : 1;
        }
        return n;
    }
}
