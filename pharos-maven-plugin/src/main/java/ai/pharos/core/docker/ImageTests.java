package ai.pharos.core.docker;

import ai.pharos.core.Console;
import ai.pharos.core.PharosException;
import ai.pharos.core.docker.ImageTestSpec.CommandTest;
import ai.pharos.core.docker.ImageTestSpec.EnvVar;
import ai.pharos.core.docker.ImageTestSpec.FileContentTest;
import ai.pharos.core.docker.ImageTestSpec.FileExistenceTest;
import ai.pharos.core.docker.ImageTestSpec.MetadataTest;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Container tests of built images: parses a test spec ({@link ImageTestSpec}, Container Structure Test schema 2.0.0
 * as JSON) and runs its checks through the {@link Engine}: command tests and file checks in containers from the
 * image, metadata checks on the image's configuration. Every check runs; every failure is reported, one line each,
 * naming the image, the check and what was seen.
 */
public final class ImageTests {

    /** The property naming the spec file inside each image directory. */
    public static final String SPEC_OPTION = "pharos.testImage.spec";
    /** The default spec file name inside each image directory. */
    public static final String DEFAULT_SPEC_FILE = "image-test.json";

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** Container Structure Test fields this runner does not implement, with the reason given to the user. */
    private static final Map<String, String> UNSUPPORTED = Map.of(
            "licenseTests", "license checks are not supported",
            "containerRunOptions", "tests run with the engine's defaults (no extra privileges, user or mounts)",
            "setup", "every command test runs alone in a fresh container from the built image; "
                    + "chain the steps in one command (e.g. \"command\": \"sh\", \"args\": [\"-c\", \"a && b\"])",
            "teardown", "every command test runs in a fresh container that is removed afterwards",
            "exposedPorts", "port checks are not supported",
            "unexposedPorts", "port checks are not supported",
            "volumes", "volume checks are not supported",
            "unmountedVolumes", "volume checks are not supported");

    /** A file probe run in one container: one line per path, {@code <mode hex> <uid> <gid>}, MISSING or ERROR. */
    private static final String FILE_PROBE = "for p in \"$@\"; do "
            + "if [ -e \"$p\" ] || [ -L \"$p\" ]; then stat -c '%f %u %g' -- \"$p\" 2>/dev/null || echo ERROR; "
            + "else echo MISSING; fi; done";

    private static final int MAX_CAPTURE = 4 * 1024 * 1024;
    private static final int MAX_SHOWN = 240;

    private ImageTests() {
    }

    /**
     * How checks run.
     *
     * @param networkMode the containers' network ({@code none} by default: tests must not depend on a network)
     * @param timeout     the longest a single container may run before it is killed and the check fails;
     *                    zero or null for no limit
     */
    public record Options(String networkMode, Duration timeout) {
        public static Options defaults() {
            return new Options("none", Duration.ofMinutes(15));
        }
    }

    /** One check's outcome: {@code failure} is null when it passed. */
    public record Outcome(String check, String failure, Duration took) {
        public boolean passed() {
            return failure == null;
        }
    }

    /** The outcomes of one image's checks, in spec order. */
    public record Report(BuiltImage image, List<Outcome> outcomes) {
        public List<Outcome> failures() {
            return outcomes.stream().filter(o -> !o.passed()).toList();
        }

        /** One line per failed check: image, check, what was seen. */
        public List<String> failureLines() {
            return failures().stream().map(o -> describe(image) + ": " + o.check() + ": " + o.failure()).toList();
        }
    }

    // ------------------------------------------------------------------------------------------------ parsing

    /** Parse and validate the spec at {@code file}; errors name the file and the field. */
    public static ImageTestSpec parse(Path file) throws PharosException {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new PharosException("No container test spec at " + file, SPEC_OPTION,
                    "Write one (Container Structure Test schema 2.0.0 as JSON) or skip the tests with "
                            + "-Dpharos.testImage.skip=true.", e);
        } catch (IOException e) {
            throw new PharosException("Cannot read container test spec " + file + ": " + e.getMessage(), SPEC_OPTION,
                    "Check the file's permissions and encoding (UTF-8).", e);
        }
        return parse(text, file.toString());
    }

    /** Parse and validate spec text; {@code source} names it in errors (usually the file path). */
    public static ImageTestSpec parse(String text, String source) throws PharosException {
        JsonNode tree;
        try {
            tree = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw invalid(source, "is not valid JSON" + where + ": " + jsonProblem(e.getOriginalMessage()),
                    "Fix the JSON syntax.", e);
        }
        if (tree == null || !tree.isObject()) {
            throw invalid(source, "must be a JSON object with \"schemaVersion\": \"2.0.0\"",
                    "Start the file with { \"schemaVersion\": \"2.0.0\", \"commandTests\": [ … ] }.", null);
        }
        rejectUnsupported(tree, "", source);
        ImageTestSpec raw;
        try {
            raw = JSON.treeToValue(tree, ImageTestSpec.class);
        } catch (UnrecognizedPropertyException e) {
            String at = path(e);
            throw invalid(source, "has an unknown field '" + (at.isEmpty() ? e.getPropertyName() : at) + "'",
                    "Use one of " + e.getKnownPropertyIds() + " at that level (field names are case-sensitive).",
                    e);
        } catch (JsonMappingException e) {
            throw invalid(source, "field '" + path(e) + "' has the wrong type: " + firstLine(e.getOriginalMessage()),
                    "Use the type the Container Structure Test schema gives for this field.", e);
        } catch (JsonProcessingException e) {
            throw invalid(source, "cannot be read: " + firstLine(e.getOriginalMessage()), "Fix the file.", e);
        }
        ImageTestSpec spec = normalise(raw);
        validate(spec, source);
        return spec;
    }

    private static void rejectUnsupported(JsonNode node, String at, String source) throws PharosException {
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                rejectUnsupported(node.get(i), at + "[" + i + "]", source);
            }
        } else if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                String here = at.isEmpty() ? field.getKey() : at + "." + field.getKey();
                String why = UNSUPPORTED.get(field.getKey());
                if (why != null) {
                    throw invalid(source, "field '" + here + "' is not supported by pharos:test-image: " + why,
                            "Remove the field.", null);
                }
                rejectUnsupported(field.getValue(), here, source);
            }
        }
    }

    private static ImageTestSpec normalise(ImageTestSpec s) {
        MetadataTest m = s.metadataTest();
        if (m != null) {
            m = new MetadataTest(list(m.envVars()), list(m.unboundEnvVars()), list(m.labels()), m.entrypoint(),
                    m.cmd(), m.workdir(), m.user());
        }
        List<CommandTest> commands = new ArrayList<>();
        for (CommandTest c : list(s.commandTests())) {
            commands.add(new CommandTest(c.name(), c.command(), list(c.args()), list(c.envVars()),
                    list(c.expectedOutput()), list(c.excludedOutput()), list(c.expectedError()),
                    list(c.excludedError()), c.exitCode()));
        }
        List<FileContentTest> contents = new ArrayList<>();
        for (FileContentTest f : list(s.fileContentTests())) {
            contents.add(new FileContentTest(f.name(), f.path(), list(f.expectedContents()),
                    list(f.excludedContents())));
        }
        return new ImageTestSpec(s.schemaVersion(), list(s.globalEnvVars()), List.copyOf(commands),
                list(s.fileExistenceTests()), List.copyOf(contents), m);
    }

    private static <T> List<T> list(List<T> l) {
        return l == null ? List.of() : l;
    }

    private static void validate(ImageTestSpec s, String source) throws PharosException {
        if (s.schemaVersion() == null) {
            throw invalid(source, "has no field 'schemaVersion'", "Add \"schemaVersion\": \"2.0.0\".", null);
        }
        if (!ImageTestSpec.SCHEMA_VERSION.equals(s.schemaVersion())) {
            throw invalid(source, "field 'schemaVersion' is '" + s.schemaVersion() + "', only '"
                    + ImageTestSpec.SCHEMA_VERSION + "' is supported", "Set \"schemaVersion\": \"2.0.0\".", null);
        }
        envVars(s.globalEnvVars(), "globalEnvVars", source, false);
        for (int i = 0; i < s.commandTests().size(); i++) {
            CommandTest c = s.commandTests().get(i);
            String at = "commandTests[" + i + "]";
            required(c.name(), at + ".name", source);
            required(c.command(), at + ".command", source);
            envVars(c.envVars(), at + ".envVars", source, false);
            patterns(c.expectedOutput(), at + ".expectedOutput", source);
            patterns(c.excludedOutput(), at + ".excludedOutput", source);
            patterns(c.expectedError(), at + ".expectedError", source);
            patterns(c.excludedError(), at + ".excludedError", source);
        }
        for (int i = 0; i < s.fileExistenceTests().size(); i++) {
            FileExistenceTest f = s.fileExistenceTests().get(i);
            String at = "fileExistenceTests[" + i + "]";
            required(f.name(), at + ".name", source);
            absolutePath(f.path(), at + ".path", source);
            if (f.shouldExist() == null) {
                throw invalid(source, "field '" + at + ".shouldExist' is missing",
                        "Set \"shouldExist\": true (or false for a path that must be absent).", null);
            }
            if (!f.shouldExist() && (f.permissions() != null || f.uid() != null || f.gid() != null
                    || f.isExecutableBy() != null)) {
                throw invalid(source, "'" + at + "' checks permissions, owner or executability of a path that "
                        + "should not exist", "Drop those fields or set \"shouldExist\": true.", null);
            }
            if (f.permissions() != null && !f.permissions().matches("[-dlcbps][-r][-w][-xsS][-r][-w][-xsS][-r][-w][-xtT]")) {
                throw invalid(source, "field '" + at + ".permissions' is '" + f.permissions()
                        + "', not an ls -l mode string", "Write it like ls -l shows it, e.g. \"-rwxr-xr-x\" or "
                        + "\"drwxr-xr-x\".", null);
            }
            if (f.isExecutableBy() != null && !Set.of("owner", "group", "other", "any").contains(f.isExecutableBy())) {
                throw invalid(source, "field '" + at + ".isExecutableBy' is '" + f.isExecutableBy() + "'",
                        "Use one of owner, group, other, any.", null);
            }
        }
        for (int i = 0; i < s.fileContentTests().size(); i++) {
            FileContentTest f = s.fileContentTests().get(i);
            String at = "fileContentTests[" + i + "]";
            required(f.name(), at + ".name", source);
            absolutePath(f.path(), at + ".path", source);
            patterns(f.expectedContents(), at + ".expectedContents", source);
            patterns(f.excludedContents(), at + ".excludedContents", source);
        }
        MetadataTest m = s.metadataTest();
        if (m != null) {
            envVars(m.envVars(), "metadataTest.envVars", source, true);
            envVars(m.labels(), "metadataTest.labels", source, true);
            for (int i = 0; i < m.unboundEnvVars().size(); i++) {
                required(m.unboundEnvVars().get(i).key(), "metadataTest.unboundEnvVars[" + i + "].key", source);
            }
        }
        if (s.checkCount() == 0) {
            throw invalid(source, "has no checks", "Add commandTests, fileExistenceTests, fileContentTests or a "
                    + "metadataTest.", null);
        }
    }

    private static void envVars(List<EnvVar> vars, String at, String source, boolean valueRequired)
            throws PharosException {
        for (int i = 0; i < vars.size(); i++) {
            EnvVar v = vars.get(i);
            required(v.key(), at + "[" + i + "].key", source);
            if (valueRequired || v.regex()) {
                if (v.value() == null) {
                    throw invalid(source, "field '" + at + "[" + i + "].value' is missing",
                            "Give the expected value (or a pattern with \"isRegex\": true).", null);
                }
            }
            if (v.regex()) {
                compile(v.value(), at + "[" + i + "].value", source);
            }
        }
    }

    private static void patterns(List<String> patterns, String at, String source) throws PharosException {
        for (int i = 0; i < patterns.size(); i++) {
            compile(patterns.get(i), at + "[" + i + "]", source);
        }
    }

    private static Pattern compile(String regex, String at, String source) throws PharosException {
        if (regex == null) {
            throw invalid(source, "field '" + at + "' is null", "Give a regular expression.", null);
        }
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw invalid(source, "field '" + at + "' is not a valid regular expression: "
                    + firstLine(e.getDescription()) + " near index " + e.getIndex(),
                    "Fix the pattern (Java syntax; escape literal characters like . ( [ with a backslash).", e);
        }
    }

    private static void required(String value, String at, String source) throws PharosException {
        if (value == null || value.isBlank()) {
            throw invalid(source, "field '" + at + "' is missing or empty", "Give it a value.", null);
        }
    }

    private static void absolutePath(String value, String at, String source) throws PharosException {
        required(value, at, source);
        if (!value.startsWith("/")) {
            throw invalid(source, "field '" + at + "' is '" + value + "', not an absolute path",
                    "Write the path as seen inside the container, starting with /.", null);
        }
    }

    private static PharosException invalid(String source, String what, String fix, Throwable cause) {
        return new PharosException("Container test spec " + source + " " + what, SPEC_OPTION, fix, cause);
    }

    private static String path(JsonMappingException e) {
        StringBuilder b = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                if (b.length() > 0) {
                    b.append('.');
                }
                b.append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                b.append('[').append(r.getIndex()).append(']');
            }
        }
        return b.toString();
    }

    // ------------------------------------------------------------------------------------------------ running

    /**
     * Test every image with the spec {@code specFile} in its context directory. Specs are all parsed before any
     * container runs (a broken spec fails at once); then every check of every image runs, and when any failed,
     * the exception lists each failure on its own line.
     */
    public static List<Report> testAll(Engine engine, List<BuiltImage> images, String specFile, Options options,
                                       Console console) throws PharosException {
        return testAll(engine, images, specFile, options, null, console);
    }

    /**
     * As {@link #testAll(Engine, List, String, Options, Console)}, also writing a JUnit XML report per image to
     * {@code reportDirectory} ({@code TEST-<name>.xml}, what CI servers display), when it is not null.
     */
    public static List<Report> testAll(Engine engine, List<BuiltImage> images, String specFile, Options options,
                                       Path reportDirectory, Console console) throws PharosException {
        if (images.isEmpty()) {
            throw new PharosException("No built images to test (no records under target/pharos/images)", null,
                    "Run pharos:build-image first, in the same build (e.g. './mvnw verify').");
        }
        Map<BuiltImage, ImageTestSpec> specs = new LinkedHashMap<>();
        for (BuiltImage image : images) {
            if (image.contextDirectory() == null) {
                throw new PharosException("Image " + describe(image) + " has no context directory in its record",
                        null, "Rebuild it with pharos:build-image.");
            }
            specs.put(image, parse(Path.of(image.contextDirectory()).resolve(specFile)));
        }
        List<Report> reports = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        int checks = 0;
        for (Map.Entry<BuiltImage, ImageTestSpec> e : specs.entrySet()) {
            Report report = run(engine, e.getKey(), e.getValue(), options, console);
            if (reportDirectory != null) {
                JUnitReport.write(report, reportDirectory);
            }
            reports.add(report);
            checks += report.outcomes().size();
            failed.addAll(report.failureLines());
        }
        if (!failed.isEmpty()) {
            throw new PharosException(failed.size() + " of " + checks + " container checks failed:\n"
                    + String.join("\n", failed), null,
                    "Fix the image or its test spec (" + specFile + " in the image directory); "
                            + "-Dpharos.testImage.skip=true skips the tests.");
        }
        console.info("All " + checks + " container checks passed on " + reports.size() + " image(s)");
        return reports;
    }

    /** Run every check of {@code spec} against {@code image}; never stops at the first failure. */
    public static Report run(Engine engine, BuiltImage image, ImageTestSpec spec, Options options, Console console)
            throws PharosException {
        String ref = image.id() != null ? image.id() : image.reference();
        console.info("Testing image " + describe(image) + ": " + spec.checkCount() + " checks");
        List<Outcome> outcomes = new ArrayList<>();
        Optional<ImageInfo> info = engine.inspectImage(ref);
        if (info.isEmpty()) {
            outcomes.add(new Outcome("image", "the engine " + engine.endpoint() + " has no image " + ref
                    + " (rebuild it with pharos:build-image)", Duration.ZERO));
            return report(image, outcomes, console);
        }
        Map<String, String> imageEnv = envMap(info.get().env());
        for (CommandTest c : spec.commandTests()) {
            outcomes.add(log(console, commandTest(engine, ref, c, spec.globalEnvVars(), imageEnv, options, console)));
        }
        if (!spec.fileExistenceTests().isEmpty()) {
            for (Outcome o : fileExistenceTests(engine, ref, spec.fileExistenceTests(), options)) {
                outcomes.add(log(console, o));
            }
        }
        for (FileContentTest f : spec.fileContentTests()) {
            outcomes.add(log(console, fileContentTest(engine, ref, f, options)));
        }
        if (spec.metadataTest() != null) {
            for (Outcome o : metadataTests(info.get(), spec.metadataTest())) {
                outcomes.add(log(console, o));
            }
        }
        return report(image, outcomes, console);
    }

    private static Report report(BuiltImage image, List<Outcome> outcomes, Console console) {
        Report report = new Report(image, List.copyOf(outcomes));
        int failed = report.failures().size();
        if (failed == 0) {
            console.info(image.name() + ": all " + outcomes.size() + " checks passed");
        } else {
            console.warn(image.name() + ": " + failed + " of " + outcomes.size() + " checks failed");
        }
        return report;
    }

    private static Outcome log(Console console, Outcome o) {
        String took = o.took().isZero() ? "" : String.format(" (%.1f s)", o.took().toMillis() / 1000.0);
        if (o.passed()) {
            console.info("  ok    " + o.check() + took);
        } else {
            console.warn("  FAIL  " + o.check() + ": " + o.failure() + took);
        }
        return o;
    }

    /** A finished container: exit code and captured output, or why it could not run. */
    private record Ran(int exitCode, String stdout, String stderr, String error, Duration took) {
    }

    /**
     * Run one container on its own thread, so that a container outliving the timeout can be abandoned: the thread is
     * interrupted (the engine then kills and removes the container) and later checks do not queue behind it.
     */
    private static Ran runContainer(Engine engine, RunSpec spec, Options options) throws PharosException {
        Capture out = new Capture();
        Capture err = new Capture();
        long start = System.nanoTime();
        ExecutorService runner = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "pharos-test-image");
            t.setDaemon(true);
            return t;
        });
        Future<Integer> future = runner.submit(() -> engine.run(spec, out, err));
        runner.shutdown();
        try {
            Duration limit = options.timeout();
            int code = limit == null || limit.isZero() || limit.isNegative() ? future.get()
                    : future.get(limit.toMillis(), TimeUnit.MILLISECONDS);
            return new Ran(code, out.text(), err.text(), null, since(start));
        } catch (TimeoutException e) {
            future.cancel(true);
            return new Ran(-1, out.text(), err.text(), "still running after " + seconds(options.timeout())
                    + " (container killed; raise -Dpharos.testImage.timeout if this is expected)", since(start));
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            String why = cause instanceof PharosException p ? p.getMessage() : String.valueOf(cause);
            return new Ran(-1, out.text(), err.text(), "could not run: " + firstLine(why), since(start));
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new PharosException("Container tests interrupted", null, null, e);
        }
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : String.format("%.1f s", d.toMillis() / 1000.0);
    }

    private static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    private static Outcome commandTest(Engine engine, String ref, CommandTest c,
                                       List<EnvVar> global, Map<String, String> imageEnv, Options options,
                                       Console console) throws PharosException {
        String check = "command test '" + c.name() + "'";
        Map<String, String> env = new LinkedHashMap<>();
        Map<String, String> visible = new LinkedHashMap<>(imageEnv);
        for (EnvVar v : concat(global, c.envVars())) {
            String value = expand(v.value() == null ? "" : v.value(), visible);
            env.put(v.key(), value);
            visible.put(v.key(), value);
        }
        RunSpec spec = new RunSpec(ref, c.args(), List.of(c.command()), null, env, List.of(), null,
                options.networkMode(), List.of(), false);
        Ran ran = runContainer(engine, spec, options);
        if (console.isDebugEnabled()) {
            console.debug(check + " exit " + ran.exitCode() + ", stdout " + show(ran.stdout()) + ", stderr "
                    + show(ran.stderr()));
        }
        if (ran.error() != null) {
            return new Outcome(check, ran.error(), ran.took());
        }
        List<String> problems = new ArrayList<>();
        if (ran.exitCode() != c.expectedExitCode()) {
            problems.add("exit code " + ran.exitCode() + ", expected " + c.expectedExitCode() + " (stderr "
                    + show(ran.stderr()) + ")");
        }
        expectMatches(problems, "stdout", ran.stdout(), c.expectedOutput());
        expectNoMatch(problems, "stdout", ran.stdout(), c.excludedOutput());
        expectMatches(problems, "stderr", ran.stderr(), c.expectedError());
        expectNoMatch(problems, "stderr", ran.stderr(), c.excludedError());
        return new Outcome(check, problems.isEmpty() ? null : String.join("; ", problems), ran.took());
    }

    private static List<Outcome> fileExistenceTests(Engine engine, String ref,
                                                    List<FileExistenceTest> tests, Options options)
            throws PharosException {
        List<String> args = new ArrayList<>(List.of("-c", FILE_PROBE, "sh"));
        tests.forEach(t -> args.add(t.path()));
        RunSpec spec = new RunSpec(ref, args, List.of("/bin/sh"), null, Map.of(), List.of(), null,
                options.networkMode(), List.of(), false);
        Ran ran = runContainer(engine, spec, options);
        List<String> lines = ran.stdout().isEmpty() ? List.of() : List.of(ran.stdout().split("\n", -1));
        List<Outcome> outcomes = new ArrayList<>();
        String probeFailure = null;
        if (ran.error() != null) {
            probeFailure = "file probe (/bin/sh and stat in the image) " + ran.error();
        } else if (ran.exitCode() != 0 || lines.size() != tests.size()) {
            probeFailure = "file probe (/bin/sh and stat in the image) exited " + ran.exitCode() + " with stdout "
                    + show(ran.stdout()) + ", stderr " + show(ran.stderr());
        }
        for (int i = 0; i < tests.size(); i++) {
            FileExistenceTest t = tests.get(i);
            String check = "file existence test '" + t.name() + "' (" + t.path() + ")";
            if (probeFailure != null) {
                outcomes.add(new Outcome(check, probeFailure, Duration.ZERO));
                continue;
            }
            outcomes.add(new Outcome(check, fileFailure(t, lines.get(i).strip()), Duration.ZERO));
        }
        return outcomes;
    }

    /** What is wrong with a path given its probe line, or null. */
    static String fileFailure(FileExistenceTest t, String line) {
        if (line.equals("MISSING")) {
            return t.shouldExist() ? "does not exist" : null;
        }
        if (line.equals("ERROR")) {
            return "exists but stat failed on it";
        }
        if (!t.shouldExist()) {
            return "exists, but should not";
        }
        String[] f = line.split(" ");
        int mode;
        long uid;
        long gid;
        try {
            mode = Integer.parseInt(f[0], 16);
            uid = Long.parseLong(f[1]);
            gid = Long.parseLong(f[2]);
        } catch (RuntimeException e) {
            return "unexpected stat output '" + line + "'";
        }
        List<String> problems = new ArrayList<>();
        String perms = modeString(mode);
        if (t.permissions() != null && !t.permissions().equals(perms)) {
            problems.add("permissions " + perms + ", expected " + t.permissions());
        }
        if (t.uid() != null && t.uid() != uid) {
            problems.add("owner uid " + uid + ", expected " + t.uid());
        }
        if (t.gid() != null && t.gid() != gid) {
            problems.add("group gid " + gid + ", expected " + t.gid());
        }
        if (t.isExecutableBy() != null) {
            int bits = switch (t.isExecutableBy()) {
                case "owner" -> 0100;
                case "group" -> 010;
                case "other" -> 01;
                default -> 0111;
            };
            if ((mode & bits) == 0) {
                problems.add("not executable by " + t.isExecutableBy() + " (" + perms + ")");
            }
        }
        return problems.isEmpty() ? null : String.join("; ", problems);
    }

    /** The {@code ls -l} mode string of a {@code st_mode}. */
    static String modeString(int mode) {
        char type = switch (mode & 0170000) {
            case 0140000 -> 's';
            case 0120000 -> 'l';
            case 0100000 -> '-';
            case 060000 -> 'b';
            case 040000 -> 'd';
            case 020000 -> 'c';
            case 010000 -> 'p';
            default -> '?';
        };
        StringBuilder b = new StringBuilder().append(type);
        b.append((mode & 0400) != 0 ? 'r' : '-').append((mode & 0200) != 0 ? 'w' : '-');
        b.append(special(mode & 0100, mode & 04000, 's'));
        b.append((mode & 040) != 0 ? 'r' : '-').append((mode & 020) != 0 ? 'w' : '-');
        b.append(special(mode & 010, mode & 02000, 's'));
        b.append((mode & 04) != 0 ? 'r' : '-').append((mode & 02) != 0 ? 'w' : '-');
        b.append(special(mode & 01, mode & 01000, 't'));
        return b.toString();
    }

    private static char special(int exec, int bit, char letter) {
        if (bit != 0) {
            return exec != 0 ? letter : Character.toUpperCase(letter);
        }
        return exec != 0 ? 'x' : '-';
    }

    private static Outcome fileContentTest(Engine engine, String ref, FileContentTest f,
                                           Options options) throws PharosException {
        String check = "file content test '" + f.name() + "' (" + f.path() + ")";
        RunSpec spec = new RunSpec(ref, List.of("--", f.path()), List.of("cat"), null, Map.of(), List.of(), null,
                options.networkMode(), List.of(), false);
        Ran ran = runContainer(engine, spec, options);
        if (ran.error() != null) {
            return new Outcome(check, ran.error(), ran.took());
        }
        if (ran.exitCode() != 0) {
            return new Outcome(check, "cannot read it: cat exited " + ran.exitCode() + " (stderr "
                    + show(ran.stderr()) + ")", ran.took());
        }
        List<String> problems = new ArrayList<>();
        expectMatches(problems, "contents", ran.stdout(), f.expectedContents());
        expectNoMatch(problems, "contents", ran.stdout(), f.excludedContents());
        return new Outcome(check, problems.isEmpty() ? null : String.join("; ", problems), ran.took());
    }

    private static List<Outcome> metadataTests(ImageInfo info, MetadataTest m) {
        List<Outcome> outcomes = new ArrayList<>();
        Map<String, String> env = envMap(info.env());
        for (EnvVar v : m.envVars()) {
            outcomes.add(new Outcome("env " + v.key(), valueFailure(env, v, "set"), Duration.ZERO));
        }
        for (EnvVar v : m.unboundEnvVars()) {
            outcomes.add(new Outcome("unbound env " + v.key(), env.containsKey(v.key())
                    ? "is set to " + quote(env.get(v.key())) + ", but should not be set" : null, Duration.ZERO));
        }
        Map<String, String> labels = info.labels() == null ? Map.of() : info.labels();
        for (EnvVar v : m.labels()) {
            outcomes.add(new Outcome("label " + v.key(), valueFailure(labels, v, "on the image"), Duration.ZERO));
        }
        if (m.entrypoint() != null) {
            outcomes.add(listCheck("entrypoint", m.entrypoint(), info.entrypoint()));
        }
        if (m.cmd() != null) {
            outcomes.add(listCheck("cmd", m.cmd(), info.cmd()));
        }
        if (m.workdir() != null) {
            String seen = info.workingDir() == null ? "" : info.workingDir();
            outcomes.add(new Outcome("workdir", seen.equals(m.workdir()) ? null
                    : "is " + quote(seen) + ", expected " + quote(m.workdir()), Duration.ZERO));
        }
        if (m.user() != null) {
            String seen = info.user() == null ? "" : info.user();
            outcomes.add(new Outcome("user", seen.equals(m.user()) ? null
                    : "is " + quote(seen) + ", expected " + quote(m.user()), Duration.ZERO));
        }
        return outcomes;
    }

    private static String valueFailure(Map<String, String> values, EnvVar v, String where) {
        String seen = values.get(v.key());
        if (seen == null) {
            return "is not " + where;
        }
        if (v.regex()) {
            return Pattern.compile(v.value()).matcher(seen).find() ? null
                    : "is " + quote(seen) + ", which does not match /" + v.value() + "/";
        }
        return seen.equals(v.value()) ? null : "is " + quote(seen) + ", expected " + quote(v.value());
    }

    private static Outcome listCheck(String check, List<String> expected, List<String> seen) {
        List<String> actual = seen == null ? List.of() : seen;
        return new Outcome(check, actual.equals(expected) ? null
                : "is " + jsonList(actual) + ", expected " + jsonList(expected), Duration.ZERO);
    }

    private static void expectMatches(List<String> problems, String what, String text, List<String> patterns) {
        List<String> missing = new ArrayList<>();
        for (String p : patterns) {
            if (!Pattern.compile(p).matcher(text).find()) {
                missing.add("/" + p + "/");
            }
        }
        if (!missing.isEmpty()) {
            problems.add(what + " does not match " + String.join(", ", missing) + " (" + what + " was " + show(text)
                    + ")");
        }
    }

    private static void expectNoMatch(List<String> problems, String what, String text, List<String> patterns) {
        for (String p : patterns) {
            Matcher m = Pattern.compile(p).matcher(text);
            if (m.find()) {
                problems.add(what + " matches excluded /" + p + "/ at " + show(m.group()));
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ helpers

    static String describe(BuiltImage image) {
        return image.reference() == null || image.reference().equals(image.name()) ? image.name()
                : image.name() + " (" + image.reference() + ")";
    }

    static Map<String, String> envMap(List<String> env) {
        Map<String, String> map = new LinkedHashMap<>();
        if (env != null) {
            for (String e : env) {
                int eq = e.indexOf('=');
                if (eq > 0) {
                    map.put(e.substring(0, eq), e.substring(eq + 1));
                } else {
                    map.put(e, "");
                }
            }
        }
        return map;
    }

    private static final Pattern VARIABLE = Pattern.compile("\\$(?:\\{([A-Za-z_][A-Za-z0-9_]*)}|([A-Za-z_][A-Za-z0-9_]*))");

    /** Expand {@code $NAME} and {@code ${NAME}} from {@code env}; unknown names expand to nothing, as in a shell. */
    static String expand(String value, Map<String, String> env) {
        Matcher m = VARIABLE.matcher(value);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1) : m.group(2);
            m.appendReplacement(b, Matcher.quoteReplacement(env.getOrDefault(name, "")));
        }
        m.appendTail(b);
        return b.toString();
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
        List<T> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /** Output as shown in a one-line message: quoted, newlines escaped, shortened. */
    static String show(String text) {
        if (text == null || text.isEmpty()) {
            return "(empty)";
        }
        String s = text.replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t");
        if (s.length() > MAX_SHOWN) {
            s = s.substring(0, MAX_SHOWN) + "…(" + (s.length() - MAX_SHOWN) + " more chars)";
        }
        return "\"" + s + "\"";
    }

    private static String quote(String s) {
        return "\"" + s + "\"";
    }

    private static String jsonList(List<String> l) {
        try {
            return JSON.writeValueAsString(l);
        } catch (JsonProcessingException e) {
            return l.toString();
        }
    }

    /** Jackson's message without its source excerpt. */
    private static String jsonProblem(String message) {
        String s = firstLine(message);
        int source = s.indexOf("[Source:");
        if (source >= 0) {
            int paren = s.lastIndexOf(" (", source);
            s = s.substring(0, paren >= 0 ? paren : source).strip();
        }
        return s;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }

    /** Collects a container's output lines, keeping at most {@link #MAX_CAPTURE} characters. */
    private static final class Capture implements Consumer<String> {
        private final StringBuilder text = new StringBuilder();
        private boolean truncated;
        private boolean first = true;

        @Override
        public synchronized void accept(String line) {
            if (text.length() + line.length() + 1 > MAX_CAPTURE) {
                truncated = true;
                return;
            }
            if (!first) {
                text.append('\n');
            }
            first = false;
            text.append(line);
        }

        synchronized String text() {
            return truncated ? text + "\n…(output truncated)" : text.toString();
        }
    }
}
