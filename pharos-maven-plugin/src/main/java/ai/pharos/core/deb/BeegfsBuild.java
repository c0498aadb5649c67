package ai.pharos.core.deb;

import ai.pharos.core.Console;
import ai.pharos.core.PharosException;
import ai.pharos.core.docker.Engine;
import ai.pharos.core.docker.ImageInfo;
import ai.pharos.core.docker.RunSpec;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Builds BeeGFS {@code .deb}s from source inside the dev container, through {@link Engine#run}.
 *
 * <ol>
 *   <li>Validate the version up front ({@code _} is refused, as BeeGFS's Makefile does).</li>
 *   <li>Resolve the source ({@link BeegfsSource}) and fingerprint source identity, version, dev image id and
 *       options; unchanged and the collected packages intact → "up to date", no container is started.</li>
 *   <li>Otherwise drop the previous packages and fingerprint first (a failed build leaves nothing to trust), copy the
 *       source to {@code <work>/src}, and run one container as root that installs the missing build dependencies
 *       ({@code debian/control} Build-Depends plus BeeGFS's undeclared ones) and then, as the invoking uid:gid
 *       (setpriv), {@code make package-deb PACKAGE_DIR=<work>/pkg DEBUILD_OPTS=-jN BEEGFS_VERSION=<v>}.</li>
 *   <li>Judge the result by the packages, not by make's exit status (BeeGFS 8.x can exit 0 after a failure):
 *       every expected package must exist, the {@code .build} log must show no error; else the first failing step
 *       is reported with the log's path.</li>
 *   <li>Verify every .deb natively ({@link DebReader}, payload included: name, version, architecture, Depends on
 *       sibling packages), move them atomically to the deb directory, write the fingerprint last.</li>
 * </ol>
 */
public final class BeegfsBuild {
    /** The packages BeeGFS 8.3.1's {@code make package-deb} writes: name and whether it is Architecture: all. */
    public static final List<String> BEEGFS_8_PACKAGES = List.of(
            "libbeegfs-ib:any", "beegfs-meta:any", "beegfs-storage:any", "beegfs-mon:any", "beegfs-utils:any",
            "beegfs-utils-dev:any", "beegfs-client-dev:any", "beegfs-mon-grafana:all", "beeond:all",
            "beegfs-client:all", "beegfs-client-dkms:all", "beegfs-client-compat:all", "beegfs-meta-dbgsym:any",
            "beegfs-storage-dbgsym:any", "beegfs-mon-dbgsym:any", "libbeegfs-ib-dbgsym:any");

    /** Needed by BeeGFS's build but missing from its debian/control. */
    public static final List<String> UNDECLARED_BUILD_DEPENDS = List.of("libblkid-dev", "uuid-dev", "xfslibs-dev");

    /** Packages dpkg-buildpackage/debuild need besides those the source declares. */
    static final List<String> TOOLCHAIN = List.of("build-essential", "devscripts", "dpkg-dev", "fakeroot");

    private static final String FINGERPRINT_FORMAT = "pharos-beegfs-1";

    /**
     * What to build.
     *
     * @param source           {@code pharos.beegfs.source}: git URL, tarball URL/path or directory; null = upstream
     * @param tag              {@code pharos.beegfs.tag} (git sources)
     * @param sha256           {@code pharos.beegfs.sha256} (tarballs; required for them)
     * @param version          {@code pharos.beegfs.version}, e.g. {@code 8.3.1}
     * @param buildNumber      {@code pharos.beegfs.buildNumber}: appended as {@code +bN}; null for none
     * @param epoch            the epoch BeeGFS's Makefile gives the packages ({@code 20})
     * @param jobs             {@code pharos.beegfs.jobs}: N for {@code -jN}; 0 = the container's usable cores
     * @param image            the dev image
     * @param user             {@code uid:gid} to build as; null = the invoking user (owner of a file this process creates)
     * @param packages         expected packages as {@code name:any} or {@code name:all}
     * @param extraBuildDepends build dependencies to install besides those of debian/control
     * @param environment      extra environment for make (BEEGFS_* variables reach debian/rules through debuild -e)
     * @param workDirectory    where source copies, clones, downloads, PACKAGE_DIR and the fingerprint live
     * @param debDirectory     where the verified .debs are collected
     * @param networkMode      container network mode (for apt-get)
     * @param derivedOutputs   outputs made from the packages (the apt repository): deleted with them when a rebuild
     *                         starts, so a failed build leaves nothing built from the old packages either
     */
    public record Request(String source, String tag, String sha256, String version, Integer buildNumber, String epoch,
                          int jobs, String image, String user, List<String> packages, List<String> extraBuildDepends,
                          Map<String, String> environment, Path workDirectory, Path debDirectory,
                          String networkMode, List<Path> derivedOutputs) {
    }

    /** The collected packages, sorted by file name; {@code upToDate} when nothing was built. */
    public record Result(List<DebPackage> packages, boolean upToDate, String packageVersion, Path buildLog,
                         int jobs) {
    }

    private BeegfsBuild() {
    }

    /** The version make is given ({@code BEEGFS_VERSION}): version plus {@code +bN}; '_' refused. */
    public static String beegfsVersion(String version, Integer buildNumber) throws PharosException {
        if (version == null || version.isBlank()) {
            throw new PharosException("No BeeGFS version given", "pharos.beegfs.version",
                    "Set pharos.beegfs.version, e.g. 8.3.1 (BeeGFS's Makefile would otherwise ask git describe).");
        }
        String v = version.strip();
        if (v.contains("_")) {
            throw new PharosException("BeeGFS version '" + v + "' contains '_', which BeeGFS's build rejects",
                    "pharos.beegfs.version", "Use '.', '+' or '~' instead of '_' (e.g. 8.3.1+b42).");
        }
        if (!v.matches("[0-9][A-Za-z0-9.+~-]*")) {
            throw new PharosException("BeeGFS version '" + v + "' is not a valid Debian upstream version",
                    "pharos.beegfs.version", "Use digits, letters and . + ~ only, starting with a digit.");
        }
        if (buildNumber != null) {
            if (buildNumber < 0) {
                throw new PharosException("Build number " + buildNumber + " is negative", "pharos.beegfs.buildNumber",
                        "Use a non-negative build number, e.g. the CI run number.");
            }
            v = v + "+b" + buildNumber;
        }
        return v;
    }

    /** The Debian version of the packages: BeeGFS 8.x maps '-' to '~' (sorting before the release). */
    public static String packageVersion(String beegfsVersion) {
        return beegfsVersion.replace('-', '~');
    }

    public static Result build(Request r, Engine engine, Console console) throws PharosException {
        String beegfsVersion = beegfsVersion(r.version(), r.buildNumber());
        String pkgVersion = packageVersion(beegfsVersion);
        if (!pkgVersion.equals(beegfsVersion)) {
            console.warn("BeeGFS maps '-' to '~' in versions: the packages get " + pkgVersion
                    + ", which sorts BEFORE " + pkgVersion.substring(0, pkgVersion.indexOf('~'))
                    + "; use +bN for build numbers");
        }
        List<Expected> expected = expected(r.packages());
        Path work = r.workDirectory().toAbsolutePath().normalize();
        Path debs = r.debDirectory().toAbsolutePath().normalize();
        mkdirs(work);

        BeegfsSource source = BeegfsSource.resolve(r.source(), r.tag(), r.sha256(), work, console);
        console.info("BeeGFS source: " + source.location() + " (" + source.identity() + ")");
        if (source.isFixture()) {
            console.warn("BeeGFS source is the Pharos BeeGFS-shaped TEST FIXTURE, not BeeGFS: " + source.location());
        }
        ImageInfo image = engine.inspectImage(r.image()).orElseThrow(() -> new PharosException(
                "Dev image " + r.image() + " not found in the Docker engine", "pharos.beegfs.image",
                "Build the dev container first (dev-container module, pharos:build-image) or name an existing image."));

        String fingerprint = fingerprint(r, source, beegfsVersion, image.id(), expected);
        Path fingerprintFile = work.resolve("fingerprint.txt");
        Optional<List<DebPackage>> current = upToDate(fingerprintFile, fingerprint, debs, expected, pkgVersion);
        if (current.isPresent()) {
            console.info("BeeGFS packages are up to date (" + current.get().size() + " in " + debs + ", version "
                    + pkgVersion + ")");
            return new Result(current.get(), true, pkgVersion, null, 0);
        }

        // Nothing from an earlier build may be trusted from here on.
        delete(fingerprintFile);
        AptRepository.deleteTree(debs);
        if (r.derivedOutputs() != null) {
            r.derivedOutputs().forEach(AptRepository::deleteTree);
        }
        Path src = work.resolve("src");
        Path pkg = work.resolve("pkg");
        AptRepository.deleteTree(src);
        AptRepository.deleteTree(pkg);
        source.materialize(src);

        List<String> deps = buildDepends(src, r.extraBuildDepends());
        String user = r.user() != null && !r.user().isBlank() ? r.user().strip() : ownerOf(work);
        Map<String, String> env = new LinkedHashMap<>();
        env.put("HOME", "/tmp");
        env.put("PHAROS_DEPS", String.join(" ", deps));
        env.put("PHAROS_JOBS", r.jobs() > 0 ? Integer.toString(r.jobs()) : "");
        env.put("PHAROS_VERSION", beegfsVersion);
        env.put("PHAROS_USER", user);
        if (r.environment() != null) {
            env.putAll(new TreeMap<>(r.environment()));
        }
        // the image's entrypoint is bypassed: this step must start as root to install build dependencies
        RunSpec spec = new RunSpec(r.image(), List.of("-c", CONTAINER_SCRIPT, "pharos-beegfs"), List.of("/bin/sh"),
                "0:0", env, List.of(new RunSpec.Bind(work.toString(), "/build", false)), "/build/src",
                r.networkMode() == null ? "host" : r.networkMode(), List.of(), false);
        Path outputLog = work.resolve("make-package-deb.log");
        console.info("Building BeeGFS " + beegfsVersion + " in " + r.image() + " as " + user
                + " (make package-deb, PACKAGE_DIR=" + pkg + ")");
        List<String> output = new ArrayList<>();
        int[] jobs = {0};
        int exit;
        try (BufferedWriter log = Files.newBufferedWriter(outputLog, StandardCharsets.UTF_8)) {
            java.util.function.Consumer<String> sink = line -> {
                synchronized (output) {
                    output.add(line);
                    try {
                        log.write(line);
                        log.newLine();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
                Matcher m = JOBS_LINE.matcher(line);
                if (m.matches()) {
                    jobs[0] = Integer.parseInt(m.group(1));
                    console.info("BeeGFS build parallelism: -j" + jobs[0]);
                } else if (line.startsWith("pharos: ")) {
                    console.info(line.substring(8));
                } else {
                    console.debug(line);
                }
            };
            exit = engine.run(spec, sink, sink);
        } catch (IOException | UncheckedIOException e) {
            throw new PharosException("Cannot write " + outputLog + ": " + e.getMessage(), null,
                    "Check free space in the build directory.", e);
        }

        Optional<Path> buildLog = debuildLog(pkg);
        List<String> logLines = new ArrayList<>(output);
        if (buildLog.isPresent()) {
            logLines = readLines(buildLog.get());
        }
        Path shownLog = buildLog.orElse(outputLog);
        List<String> missing = missing(pkg, expected, pkgVersion);
        Optional<String> failure = BuildLogScanner.firstFailure(logLines);
        if (failure.isEmpty() && exit != 0) {
            failure = BuildLogScanner.firstFailure(output);
        }
        if (exit != 0 || !missing.isEmpty() || failure.isPresent()) {
            discardPackages(pkg);
            String what = failure.orElse(exit != 0 ? "make package-deb exited with " + exit
                    : "packages missing: " + String.join(", ", missing));
            String detail = exit == 0 ? " (make exited 0" + (missing.isEmpty() ? "" : "; missing "
                    + missing.size() + " of " + expected.size() + " packages, e.g. " + missing.get(0)) + ")"
                    : " (exit " + exit + ")";
            throw new PharosException("BeeGFS build failed at: " + what + detail + "; log: " + shownLog,
                    null, "Read the log; fix the source or the dev image (-Dpharos.beegfs.source / "
                    + "-Dpharos.beegfs.image) and build again.");
        }

        List<DebPackage> collected;
        try {
            collected = collect(pkg, debs, expected, pkgVersion, r.epoch(), console);
        } catch (PharosException e) {
            discardPackages(pkg);
            throw e;
        }
        write(fingerprintFile, fingerprint);
        console.info("BeeGFS " + pkgVersion + ": " + collected.size() + " packages verified in " + debs);
        return new Result(collected, false, pkgVersion, shownLog, jobs[0]);
    }

    private static final Pattern JOBS_LINE = Pattern.compile("^pharos: jobs=(\\d+)$");

    /**
     * Runs in the dev container as root: install missing build dependencies, work out N, then build as the
     * invoking user. Markers: "pharos: ..." lines are progress, "pharos-error: ..." lines are failures.
     */
    static final String CONTAINER_SCRIPT = String.join("\n",
            "set -eu",
            "missing=''",
            "for p in $PHAROS_DEPS; do",
            "  dpkg-query -W -f='${Status}\\n' \"$p\" 2>/dev/null | grep -q '^install ok installed$' "
                    + "|| missing=\"$missing $p\"",
            "done",
            "if [ -n \"$missing\" ]; then",
            "  echo \"pharos: installing build dependencies missing from the dev image:$missing\"",
            "  if ! { apt-get -q update && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "
                    + "--no-install-recommends $missing; } >/tmp/pharos-apt.log 2>&1; then",
            "    tail -n 5 /tmp/pharos-apt.log",
            "    echo \"pharos-error: cannot install build dependencies:$missing (see the apt output above)\"",
            "    exit 100",
            "  fi",
            "fi",
            "N=${PHAROS_JOBS:-}",
            "if [ -z \"$N\" ]; then",
            "  N=$(nproc)",
            "  if [ -r /sys/fs/cgroup/cpu.max ]; then",
            "    read -r q p < /sys/fs/cgroup/cpu.max",
            "    if [ \"$q\" != max ]; then c=$(( (q + p - 1) / p )); [ \"$c\" -lt \"$N\" ] && N=$c; fi",
            "  elif [ -r /sys/fs/cgroup/cpu/cpu.cfs_quota_us ]; then",
            "    q=$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us); p=$(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)",
            "    if [ \"$q\" -gt 0 ]; then c=$(( (q + p - 1) / p )); [ \"$c\" -lt \"$N\" ] && N=$c; fi",
            "  fi",
            "fi",
            "echo \"pharos: jobs=$N\"",
            "uid=${PHAROS_USER%%:*}; gid=${PHAROS_USER##*:}",
            "set -- make package-deb PACKAGE_DIR=/build/pkg \"DEBUILD_OPTS=-j$N\" \"BEEGFS_VERSION=$PHAROS_VERSION\"",
            "if [ \"$uid\" != 0 ]; then",
            "  [ \"$(stat -c %u:%g /build)\" = \"$uid:$gid\" ] || chown -R \"$uid:$gid\" /build",
            "  exec setpriv --reuid=\"$uid\" --regid=\"$gid\" --clear-groups \"$@\"",
            "fi",
            "exec \"$@\"");

    static List<String> buildDepends(Path src, List<String> extra) throws PharosException {
        Path control = src.resolve("debian/control");
        Set<String> deps = new LinkedHashSet<>(TOOLCHAIN);
        try {
            deps.addAll(BuildDepends.fromControl(Files.readString(control)));
        } catch (IOException | IllegalArgumentException e) {
            throw new PharosException("Cannot read the build dependencies in " + control + ": " + e.getMessage(),
                    "pharos.beegfs.source", "Point pharos.beegfs.source at a BeeGFS source tree with a valid "
                    + "debian/control.", e);
        }
        if (extra != null) {
            for (String e : extra) {
                if (!e.isBlank()) {
                    deps.add(e.strip());
                }
            }
        }
        return List.copyOf(deps);
    }

    record Expected(String name, boolean archAll) {
    }

    static List<Expected> expected(List<String> packages) throws PharosException {
        List<String> list = packages == null || packages.isEmpty() ? BEEGFS_8_PACKAGES : packages;
        List<Expected> out = new ArrayList<>();
        for (String p : list) {
            String[] parts = p.strip().split(":");
            if (parts.length != 2 || !(parts[1].equals("any") || parts[1].equals("all"))
                    || !parts[0].matches("[a-z0-9][a-z0-9+.-]+")) {
                throw new PharosException("Expected package '" + p + "' is not <name>:any or <name>:all",
                        "pharos.beegfs.packages", "List packages as e.g. beegfs-meta:any,beeond:all.");
            }
            out.add(new Expected(parts[0], parts[1].equals("all")));
        }
        return out;
    }

    static String fingerprint(Request r, BeegfsSource source, String beegfsVersion, String imageId,
                              List<Expected> expected) {
        StringBuilder sb = new StringBuilder(FINGERPRINT_FORMAT).append('\n');
        sb.append("source=").append(source.identity()).append('\n');
        sb.append("version=").append(beegfsVersion).append('\n');
        sb.append("image=").append(imageId).append('\n');
        sb.append("packages=").append(expected).append('\n');
        sb.append("extraBuildDepends=").append(r.extraBuildDepends()).append('\n');
        sb.append("environment=").append(r.environment() == null ? "{}" : new TreeMap<>(r.environment()))
                .append('\n');
        // jobs and user do not change the packages: a different -j never forces a 20-minute rebuild
        return sb.toString();
    }

    /** The collected packages when the fingerprint matches and every one is intact; else empty. */
    static Optional<List<DebPackage>> upToDate(Path fingerprintFile, String fingerprint, Path debs,
                                               List<Expected> expected, String pkgVersion) {
        try {
            if (!Files.isRegularFile(fingerprintFile) || !Files.readString(fingerprintFile).equals(fingerprint)
                    || !Files.isDirectory(debs)) {
                return Optional.empty();
            }
            List<DebPackage> out = new ArrayList<>();
            for (Path p : AptRepository.debsIn(debs)) {
                out.add(DebReader.read(p));
            }
            Set<String> names = new LinkedHashSet<>();
            out.forEach(p -> names.add(p.packageName()));
            for (Expected e : expected) {
                if (!names.contains(e.name())) {
                    return Optional.empty();
                }
            }
            for (DebPackage p : out) {
                if (!DebVersion.withoutEpoch(p.version()).equals(pkgVersion)) {
                    return Optional.empty();
                }
            }
            return Optional.of(out);
        } catch (IOException | PharosException e) {
            return Optional.empty();
        }
    }

    static List<String> missing(Path pkg, List<Expected> expected, String pkgVersion) {
        List<String> out = new ArrayList<>();
        for (Expected e : expected) {
            boolean found;
            if (e.archAll()) {
                found = Files.isRegularFile(pkg.resolve(e.name() + "_" + pkgVersion + "_all.deb"));
            } else {
                String prefix = e.name() + "_" + pkgVersion + "_";
                try (Stream<Path> s = Files.list(pkg)) {
                    found = s.map(p -> p.getFileName().toString())
                            .anyMatch(n -> n.startsWith(prefix) && n.endsWith(".deb") && !n.endsWith("_all.deb"));
                } catch (IOException ex) {
                    found = false;
                }
            }
            if (!found) {
                out.add(e.name());
            }
        }
        return out;
    }

    static Optional<Path> debuildLog(Path pkg) {
        if (!Files.isDirectory(pkg)) {
            return Optional.empty();
        }
        try (Stream<Path> s = Files.list(pkg)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".build")).sorted().findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static List<String> readLines(Path file) throws PharosException {
        try {
            return Files.readAllLines(file, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new PharosException("Cannot read build log " + file + ": " + e.getMessage(), null, null, e);
        }
    }

    /**
     * After a failed build: delete the packages make left in PACKAGE_DIR (keeping its logs), so nothing under
     * {@code target/} looks like a usable package (a CI artifact glob, a {@code find -name '*.deb'}).
     */
    static void discardPackages(Path pkg) {
        if (!Files.isDirectory(pkg)) {
            return;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(pkg, "*.{deb,ddeb,udeb}")) {
            for (Path p : s) {
                Files.deleteIfExists(p);
            }
        } catch (IOException ignored) {
            // best effort: the deb directory, the only place a later build trusts, is already empty
        }
    }

    /** Verify every .deb of PACKAGE_DIR and move them, all or none, to {@code debs}. */
    static List<DebPackage> collect(Path pkg, Path debs, List<Expected> expected, String pkgVersion, String epoch,
                                    Console console) throws PharosException {
        String fullVersion = epoch == null || epoch.isBlank() ? pkgVersion : epoch + ":" + pkgVersion;
        Path tmp = null;
        try {
            mkdirs(debs.getParent());
            tmp = Files.createTempDirectory(debs.getParent(), "." + debs.getFileName() + ".tmp-");
            AptRepository.readableByAll(tmp);
            List<DebPackage> read = new ArrayList<>();
            Set<String> builtNames = new LinkedHashSet<>();
            String arch = null;
            for (Path p : AptRepository.debsIn(pkg)) {
                Path copy = tmp.resolve(p.getFileName().toString());
                Files.copy(p, copy);
                DebPackage d = DebReader.read(copy, true);
                read.add(d);
                builtNames.add(d.packageName());
            }
            Map<String, Expected> byName = new LinkedHashMap<>();
            expected.forEach(e -> byName.put(e.name(), e));
            for (DebPackage d : read) {
                String file = d.file().getFileName().toString();
                if (!file.equals(d.canonicalFileName())) {
                    throw verification(d, "file name does not match its control data (" + d.canonicalFileName()
                            + ")");
                }
                if (!d.version().equals(fullVersion)) {
                    throw verification(d, "Version is " + d.version() + ", expected " + fullVersion);
                }
                Expected e = byName.get(d.packageName());
                if (e == null) {
                    console.warn("Unexpected package " + file + " (not in pharos.beegfs.packages); collected anyway");
                } else if (e.archAll() != d.architecture().equals("all")) {
                    throw verification(d, "Architecture is " + d.architecture() + ", expected "
                            + (e.archAll() ? "all" : "a machine architecture"));
                }
                if (!d.architecture().equals("all")) {
                    if (arch == null) {
                        arch = d.architecture();
                    } else if (!arch.equals(d.architecture())) {
                        throw verification(d, "Architecture is " + d.architecture() + " but others are " + arch);
                    }
                }
                checkSiblingDepends(d, builtNames, fullVersion);
            }
            AptRepository.replaceDirectory(tmp, debs);
            tmp = null;
            List<DebPackage> out = new ArrayList<>();
            for (DebPackage d : read) {
                Path moved = debs.resolve(d.file().getFileName());
                out.add(new DebPackage(moved, d.size(), d.md5(), d.sha256(), d.control(),
                        d.controlMember(), d.dataMember()));
            }
            return out;
        } catch (IOException e) {
            throw new PharosException("Cannot collect the packages into " + debs + ": " + e.getMessage(), null,
                    "Check free space and permissions of the build directory.", e);
        } finally {
            if (tmp != null) {
                AptRepository.deleteTree(tmp);
            }
        }
    }

    /** A package that depends on another package of this build with '=' must name this build's version. */
    static void checkSiblingDepends(DebPackage d, Set<String> siblings, String fullVersion) throws PharosException {
        for (String field : List.of("Depends", "Pre-Depends", "Recommends")) {
            String value = d.control().get(field);
            if (value == null) {
                continue;
            }
            for (String relation : value.split("[,|]")) {
                Matcher m = RELATION.matcher(relation.strip());
                if (!m.matches()) {
                    throw verification(d, field + " has an unparsable relation '" + relation.strip() + "'");
                }
                if (siblings.contains(m.group(1)) && "=".equals(m.group(2)) && !fullVersion.equals(m.group(3))) {
                    throw verification(d, field + " wants " + m.group(1) + " (= " + m.group(3)
                            + ") but this build is " + fullVersion);
                }
            }
        }
    }

    private static final Pattern RELATION = Pattern.compile(
            "([a-z0-9][a-z0-9+.-]+)(?::[a-z0-9-]+)?\\s*(?:\\((<<|<=|=|>=|>>)\\s*([^)\\s]+)\\s*\\))?\\s*(?:\\[[^]]*])?");

    private static PharosException verification(DebPackage d, String what) {
        return new PharosException("BeeGFS package " + d.file().getFileName() + " failed verification: " + what,
                "pharos.beegfs.packages", "Check the source's debian/ directory and the version options.");
    }

    /** The invoking user's uid:gid: the owner of a file this process creates in {@code dir}. */
    static String ownerOf(Path dir) {
        Path probe = null;
        try {
            probe = Files.createTempFile(dir, ".uid-", ".probe");
            return Files.getAttribute(probe, "unix:uid") + ":" + Files.getAttribute(probe, "unix:gid");
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "0:0";
        } finally {
            if (probe != null) {
                try {
                    Files.deleteIfExists(probe);
                } catch (IOException ignored) {
                    // best effort
                }
            }
        }
    }

    private static void mkdirs(Path dir) throws PharosException {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new PharosException("Cannot create " + dir + ": " + e.getMessage(), null,
                    "Check permissions of the build directory.", e);
        }
    }

    private static void delete(Path file) throws PharosException {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new PharosException("Cannot delete " + file + ": " + e.getMessage(), null,
                    "Check permissions of the build directory.", e);
        }
    }

    private static void write(Path file, String content) throws PharosException {
        try {
            Path tmp = Files.createTempFile(file.getParent(), "." + file.getFileName(), ".tmp");
            Files.writeString(tmp, content);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new PharosException("Cannot write " + file + ": " + e.getMessage(), null,
                    "Check permissions of the build directory.", e);
        }
    }
}
