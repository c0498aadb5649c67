package ai.pharos.core.packer;

import ai.pharos.core.Console;
import ai.pharos.core.PharosException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The Packer images of a module: one directory per image ({@code <name>/<name>.pkr.hcl}, {@code image.pkrvars.hcl},
 * {@code scripts/}, optional {@code checks.sh}) next to a {@code common/} directory (shared scripts, the shared
 * {@code versions.pkrvars.hcl}, {@code checks.sh}). Validates them, builds them with {@code packer build
 * -machine-readable}, compresses the result (zstd qcow2), tests it in a fresh VM and writes its provenance.
 */
public final class PackerImages {
    public static final String COMMON = "common";
    public static final String VERSIONS = "versions.pkrvars.hcl";
    public static final String IMAGE_VARS = "image.pkrvars.hcl";
    public static final String BASE_PACKAGES = "base-packages.txt";

    /**
     * @param moduleDir  the directory holding the image directories and {@code common/}
     * @param images     the images to process (empty: all)
     * @param buildDir   {@code target/}: outputs go to {@code target/<image>/}
     * @param key        the provisioning key pair
     * @param aptRepo    the local apt repository (pharos:apt-repo output) for templates that use {@code apt_repo_dir}
     * @param accelerator {@code kvm}/{@code tcg}
     * @param variables  extra {@code -var} values for every image
     * @param check      run the in-image tests after each build
     */
    public record Settings(Path moduleDir, List<String> images, Path buildDir, SshKeys.KeyPairFiles key, Path aptRepo,
                           String accelerator, Map<String, String> variables, boolean check) {
    }

    private final Settings settings;
    private final PackerTool packer;
    private final Console console;
    private Path baseDirectory;

    public PackerImages(Settings settings, PackerTool packer, Console console) {
        this.settings = settings;
        this.packer = packer;
        this.console = console;
    }

    /** Image directories: subdirectories (except {@code common}) holding {@code <name>.pkr.hcl}. */
    public static List<String> discover(Path moduleDir) throws PharosException {
        try (Stream<Path> s = Files.list(moduleDir)) {
            return s.filter(Files::isDirectory).map(p -> p.getFileName().toString())
                    .filter(n -> !n.equals(COMMON) && Files.isRegularFile(moduleDir.resolve(n).resolve(n + ".pkr.hcl")))
                    .sorted().toList();
        } catch (IOException e) {
            throw new PharosException("Cannot list " + moduleDir + ": " + e.getMessage(), "pharos.packer.directory",
                    null, e);
        }
    }

    /** The selected images, checked against the ones that exist. */
    public List<String> selected() throws PharosException {
        return select(settings.moduleDir(), settings.images());
    }

    /** The images of {@code moduleDir} named in {@code images} (empty: all), checked against the ones that exist. */
    public static List<String> select(Path moduleDir, List<String> images) throws PharosException {
        List<String> all = discover(moduleDir);
        if (all.isEmpty()) {
            throw new PharosException("No Packer templates (<image>/<image>.pkr.hcl) in " + moduleDir,
                    "pharos.packer.directory", "Point pharos.packer.directory at the packer-images module.");
        }
        if (images == null || images.isEmpty()) {
            return all;
        }
        for (String wanted : images) {
            if (!all.contains(wanted)) {
                throw new PharosException("No image named '" + wanted + "' (images: " + all + ")", "pharos.images",
                        "Use a comma-separated subset of " + all + ".");
            }
        }
        return all.stream().filter(images::contains).toList();
    }

    // ------------------------------------------------------------------ validate

    /** {@code packer validate} every selected template; throws with Packer's message on the first failure. */
    public void validate() throws PharosException {
        Path placeholder = settings.buildDir().resolve("pharos-packer").resolve("validate");
        try {
            Files.createDirectories(placeholder.resolve("apt"));
            if (!Files.exists(placeholder.resolve("base.qcow2"))) {
                Files.createFile(placeholder.resolve("base.qcow2"));
            }
        } catch (IOException e) {
            throw new PharosException("Cannot write " + placeholder + ": " + e.getMessage(), null, null, e);
        }
        String version = packer.packerVersion();
        for (String image : selected()) {
            Path work = stage(image, version);
            Map<String, String> vars = variables(image, placeholder.resolve("base.qcow2").toString(),
                    "sha256:" + "0".repeat(64), placeholder.resolve("out-" + image),
                    settings.aptRepo() != null && Files.isDirectory(settings.aptRepo()) ? settings.aptRepo()
                            : placeholder.resolve("apt"), List.of());
            List<String> args = new ArrayList<>(List.of("validate"));
            args.addAll(varArgs(image, vars));
            args.add(".");
            List<String> out = new ArrayList<>();
            int code = packer.packer(args, work, env(null), paths(), out::add);
            if (code != 0) {
                throw new PharosException("packer validate of " + image + " failed: " + String.join(" | ",
                        out.stream().filter(l -> !l.isBlank()).toList()), "pharos.images",
                        "Fix " + settings.moduleDir().resolve(image).resolve(image + ".pkr.hcl") + ".");
            }
            console.info("packer validate " + image + ": OK (Packer " + version + ", " + packer.describe() + ")");
        }
    }

    // ------------------------------------------------------------------ build

    /** What a build of one image did. */
    public record Outcome(String image, boolean upToDate, Path qcow2, Path manifest, long seconds) {
    }

    /** Build every selected image whose inputs changed from {@code base}; returns one outcome per image. */
    public List<Outcome> build(BaseImage.Base base) throws PharosException {
        return build(image -> base);
    }

    /** The base disk of one image. */
    @FunctionalInterface
    public interface Bases {
        BaseImage.Base of(String image) throws PharosException;
    }

    /**
     * Build every selected image whose inputs changed, each from its own base (an image with
     * {@code base-packages.txt} has a mirror-built base of its own); returns one outcome per image.
     */
    public List<Outcome> build(Bases bases) throws PharosException {
        Map<String, BaseImage.Base> baseOf = new LinkedHashMap<>();
        for (String image : selected()) { // every base is checked before anything runs
            BaseImage.Base base = bases.of(image);
            base.verify();
            baseOf.put(image, base);
        }
        String packerVersion = packer.packerVersion();
        String qemuVersion = packer.qemuVersion();
        List<Outcome> outcomes = new ArrayList<>();
        for (Map.Entry<String, BaseImage.Base> e : baseOf.entrySet()) {
            baseDirectory = e.getValue().diskPath().getParent();
            outcomes.add(buildOne(e.getKey(), e.getValue(), packerVersion, qemuVersion));
        }
        return outcomes;
    }

    /**
     * Fetches the plain base and, for each selected image of {@code moduleDir} with {@code base-packages.txt}, a
     * mirror-built base of its own; writes {@code base.json} and {@code base-<image>.json} into {@code records}
     * (stale per-image records are removed) for {@link #recordedBases}. A downloaded plain base gets no per-image
     * bases: the images' provisioning installs those packages.
     */
    public static BaseImage.Base prepareBases(BaseImage.Request request, Path moduleDir, List<String> images,
                                              Path records, Console console) throws PharosException {
        BaseImage.Base base = BaseImage.fetch(request, console);
        base.write(records.resolve("base.json"));
        console.info("Base image (" + base.origin() + ", " + base.source() + "): " + base.disk() + " sha256:"
                + base.sha256());
        List<String> selected = discover(moduleDir).isEmpty() ? List.of() : select(moduleDir, images);
        for (String image : selected) {
            Path record = records.resolve("base-" + image + ".json");
            BaseImage.Extras extras = baseExtras(moduleDir, image);
            try {
                Files.deleteIfExists(record);
            } catch (IOException e) {
                throw new PharosException("Cannot delete " + record + ": " + e.getMessage(), null, null, e);
            }
            if (extras.isEmpty()) {
                continue;
            }
            if (!"mirror".equals(base.origin())) {
                console.info(image + ": base is the downloaded image; its provisioning installs " + extras);
                continue;
            }
            BaseImage.Base own = BaseImage.fetch(request.withExtras(extras), console);
            own.write(record);
            console.info(image + ": base image with " + extras + ": " + own.disk() + " sha256:" + own.sha256());
        }
        return base;
    }

    /** The bases {@link #prepareBases} recorded: an image's own when it has one, else the plain one. */
    public static Bases recordedBases(Path records) throws PharosException {
        BaseImage.Base base = BaseImage.Base.read(records.resolve("base.json"));
        return image -> {
            Path own = records.resolve("base-" + image + ".json");
            return Files.isRegularFile(own) ? BaseImage.Base.read(own) : base;
        };
    }

    /** Extra packages for the image's mirror-built base ({@code <image>/base-packages.txt}; none if absent). */
    public static BaseImage.Extras baseExtras(Path moduleDir, String image) throws PharosException {
        return BaseImage.Extras.read(moduleDir.resolve(image).resolve(BASE_PACKAGES));
    }

    Fingerprint fingerprint(String image, BaseImage.Base base, String packerVersion, String qemuVersion)
            throws PharosException {
        Path dir = settings.moduleDir().resolve(image);
        // checks.sh files test the image but do not shape it: editing them does not rebuild
        java.util.function.Predicate<Path> shapesImage = p -> !p.getFileName().toString().equals("checks.sh");
        Fingerprint fp = new Fingerprint().addTree("image", dir, shapesImage)
                .addTree("common", settings.moduleDir().resolve(COMMON), shapesImage)
                .add("base.sha256", base.sha256()).add("packer", packerVersion).add("qemu", qemuVersion)
                .addAll("var.", settings.variables());
        if (usesAptRepo(image)) {
            fp.addTree("apt-repo", settings.aptRepo());
        }
        return fp;
    }

    boolean usesAptRepo(String image) throws PharosException {
        try {
            return Files.readString(settings.moduleDir().resolve(image).resolve(image + ".pkr.hcl"))
                    .contains("var.apt_repo_dir");
        } catch (IOException e) {
            throw new PharosException("Cannot read the template of " + image + ": " + e.getMessage(), null, null, e);
        }
    }

    Outcome buildOne(String image, BaseImage.Base base, String packerVersion, String qemuVersion)
            throws PharosException {
        Instant t0 = Instant.now();
        Path out = settings.buildDir().resolve(image);
        Path manifestFile = out.resolve("manifest.json");
        Path qcow2 = out.resolve(image + ".qcow2");
        Fingerprint fp = fingerprint(image, base, packerVersion, qemuVersion);
        String fingerprint = fp.digest();
        if (Files.isRegularFile(manifestFile) && Files.isRegularFile(qcow2)) {
            Provenance old = Provenance.read(manifestFile);
            if (fingerprint.equals(old.fingerprint()) && Fingerprint.sha256(qcow2).equals(old.sha256())) {
                console.info(image + ": up to date (" + qcow2 + ")");
                return new Outcome(image, true, qcow2, manifestFile, 0);
            }
            console.info(image + ": inputs changed since the last build: rebuilding");
        }
        if (usesAptRepo(image) && (settings.aptRepo() == null || !Files.isDirectory(settings.aptRepo()))) {
            throw new PharosException("The local apt repository " + settings.aptRepo() + " (needed by " + image
                    + ") does not exist", "pharos.packer.aptRepository",
                    "Build it first (pharos:apt-repo in beegfs-packages) or point pharos.packer.aptRepository at it.");
        }
        // Nothing of a previous (possibly interrupted) build is trusted: the manifest goes first.
        try {
            Files.deleteIfExists(manifestFile);
            BaseImage.deleteTree(out);
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new PharosException("Cannot prepare " + out + ": " + e.getMessage(), null, null, e);
        }
        Path packerOut = out.resolve("packer-output");
        List<List<String>> seedArgs = List.of();
        if (!base.keyBaked()) {
            Path seed = SeedIso.write(out.resolve("build-seed.iso"), "pharos-build-" + image,
                    SeedIso.defaultUserData(settings.key().publicKeyLine()));
            seedArgs = List.of(List.of("-drive", "file=" + seed + ",media=cdrom,readonly=on"));
        }
        Map<String, String> vars = variables(image, base.disk(), "sha256:" + base.sha256(), packerOut,
                settings.aptRepo(), seedArgs);
        Path work = stage(image, packerVersion);
        if (PackerTool.needsPluginInit(packerVersion)) {
            int code = packer.packer(List.of("init", "."), work, env(null), paths(), console::info);
            if (code != 0) {
                throw new PharosException("packer init failed for " + image, "pharos.packer.host",
                        "Make the qemu plugin available (PACKER_PLUGIN_PATH) or use Packer 1.6.6.");
            }
        }
        List<String> args = new ArrayList<>(List.of("build", "-machine-readable", "-on-error=cleanup"));
        args.addAll(varArgs(image, vars));
        args.add(".");
        Path log = out.resolve("packer.log");
        // the template sends the guest's serial console to ${output_directory}-console.log
        Path guestConsole = out.resolve(packerOut.getFileName() + "-console.log");
        for (int attempt = 1; ; attempt++) {
            PackerProgress progress = new PackerProgress(image, console);
            console.info(image + ": packer build (" + packer.describe() + ", Packer " + packerVersion
                    + ", accelerator " + settings.accelerator() + "); Packer's log: " + log);
            int code;
            try {
                code = packer.packer(args, work, env(log), paths(), progress);
            } catch (PharosException e) {
                BaseImage.deleteTree(packerOut);
                throw e;
            }
            if (code == 0) {
                break;
            }
            BaseImage.deleteTree(packerOut);
            if (attempt == 1 && progress.sshNeverAnswered()) {
                // A TCG boot that hangs is rare and not the image's fault: boot it once more, keeping the evidence.
                console.warn(image + ": the guest did not answer SSH (guest console: " + GuestConsole.tail(guestConsole, 6)
                        + "): building once more; first attempt's logs kept as *.attempt1");
                GuestConsole.keepAsFirstAttempt(log);
                GuestConsole.keepAsFirstAttempt(guestConsole);
                continue;
            }
            throw new PharosException("packer build of " + image + " failed (exit " + code + ") in "
                    + progress.failedAt() + ": "
                    + String.join(" | ", progress.errors().isEmpty() ? progress.tail(8) : lastN(progress.errors(), 4))
                    + " (last lines: " + String.join(" | ", tail(log, 6)) + "; full log " + log + ")"
                    + (Files.isRegularFile(guestConsole) ? " (guest console, accelerator " + settings.accelerator()
                    + ": " + GuestConsole.tail(guestConsole, 6) + "; full console " + guestConsole + ")" : ""),
                    "pharos.images", "Fix the failing step in " + settings.moduleDir().resolve(image)
                    + " (or its common script) and build again.");
        }
        Path raw = packerOut.resolve(image + ".qcow2");
        if (!Files.isRegularFile(raw)) {
            throw new PharosException("packer build of " + image + " reported success but " + raw + " is missing",
                    null, "Check the template's vm_name (it must be " + image + ".qcow2).");
        }
        long buildSeconds = Duration.between(t0, Instant.now()).toSeconds();
        console.info(image + ": Packer finished in " + buildSeconds + " s; compressing (zstd qcow2)");
        Path tmp = out.resolve("." + image + ".qcow2.tmp");
        List<String> convertOut = new ArrayList<>();
        int conv = packer.tool(List.of("qemu-img", "convert", "-c", "-O", "qcow2", "-o", "compression_type=zstd",
                raw.toString(), tmp.toString()), paths(), convertOut::add);
        if (conv != 0) {
            throw new PharosException("qemu-img convert of " + image + " failed: " + String.join(" | ", convertOut),
                    null, "Install qemu-utils 5.1 or newer (zstd compression).");
        }
        BaseImage.deleteTree(packerOut);
        try {
            Files.move(tmp, qcow2, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new PharosException("Cannot move " + tmp + ": " + e.getMessage(), null, null, e);
        }
        Map<String, String> packages = Map.of();
        if (settings.check()) {
            ImageChecks checks = new ImageChecks(settings.moduleDir(), settings.key(), settings.accelerator(), console);
            packages = checks.run(image, qcow2, out);
            checks.checkSameVersions(image, packages, settings.buildDir(), discover(settings.moduleDir()));
        } else {
            console.warn(image + ": in-image tests skipped (pharos.packer.check=false): the package list is not recorded");
        }
        Provenance p = new Provenance(image, qcow2.getFileName().toString(), Fingerprint.sha256(qcow2),
                sizeOf(qcow2), base.origin(), base.source(), "sha256:" + base.sha256(), base.upstreamChecksum(),
                packerVersion, qemuVersion, settings.accelerator(), fingerprint, fp.parts(), packages,
                Instant.now().toString(), Duration.between(t0, Instant.now()).toSeconds());
        p.write(manifestFile);
        long seconds = Duration.between(t0, Instant.now()).toSeconds();
        console.info(image + ": built in " + seconds + " s: " + qcow2 + " (" + sizeOf(qcow2) / (1024 * 1024)
                + " MiB), provenance " + manifestFile);
        return new Outcome(image, false, qcow2, manifestFile, seconds);
    }

    /** Copy the image directory to {@code target/pharos-packer/<image>/} (adds the plugin block for Packer ≥ 1.7). */
    Path stage(String image, String packerVersion) throws PharosException {
        Path src = settings.moduleDir().resolve(image);
        Path dst = settings.buildDir().resolve("pharos-packer").resolve(image);
        try {
            BaseImage.deleteTree(dst);
            try (Stream<Path> s = Files.walk(src)) {
                for (Path p : s.toList()) {
                    Path t = dst.resolve(src.relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(t);
                    } else {
                        Files.copy(p, t, StandardCopyOption.COPY_ATTRIBUTES);
                    }
                }
            }
            // shared variables and source (common/*.pkr.hcl) next to the image's build block
            try (Stream<Path> shared = Files.list(settings.moduleDir().resolve(COMMON))) {
                for (Path p : shared.filter(f -> f.getFileName().toString().endsWith(".pkr.hcl")).sorted().toList()) {
                    Files.copy(p, dst.resolve(COMMON + "-" + p.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
            Path plugins = settings.moduleDir().resolve(COMMON).resolve("plugins.pkr.hcl.newer");
            if (PackerTool.needsPluginInit(packerVersion) && Files.isRegularFile(plugins)) {
                Files.copy(plugins, dst.resolve("plugins.pkr.hcl"));
            }
            return dst;
        } catch (IOException e) {
            throw new PharosException("Cannot stage the template of " + image + ": " + e.getMessage(), null, null, e);
        }
    }

    Map<String, String> variables(String image, String baseImage, String baseChecksum, Path outputDir, Path aptRepo,
                                  List<List<String>> seedArgs) throws PharosException {
        Map<String, String> vars = new LinkedHashMap<>();
        vars.put("image_name", image);
        vars.put("base_image", baseImage);
        vars.put("base_checksum", baseChecksum);
        vars.put("output_directory", outputDir.toString());
        vars.put("ssh_private_key_file", settings.key().privateKey().toAbsolutePath().toString());
        vars.put("accelerator", settings.accelerator());
        vars.put("common_dir", settings.moduleDir().resolve(COMMON).toAbsolutePath().toString());
        if (usesAptRepo(image)) {
            vars.put("apt_repo_dir", aptRepo == null ? "" : aptRepo.toAbsolutePath().toString());
        }
        if (!seedArgs.isEmpty()) {
            vars.put("seed_qemuargs", hclList(seedArgs));
        }
        vars.putAll(settings.variables());
        return vars;
    }

    static String hclList(List<List<String>> lists) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < lists.size(); i++) {
            sb.append(i == 0 ? "" : ",").append('[');
            List<String> l = lists.get(i);
            for (int j = 0; j < l.size(); j++) {
                sb.append(j == 0 ? "" : ",").append('"').append(l.get(j).replace("\\", "\\\\").replace("\"", "\\\""))
                        .append('"');
            }
            sb.append(']');
        }
        return sb.append(']').toString();
    }

    List<String> varArgs(String image, Map<String, String> vars) {
        List<String> args = new ArrayList<>();
        Path versions = settings.moduleDir().resolve(COMMON).resolve(VERSIONS);
        if (Files.isRegularFile(versions)) {
            args.add("-var-file=" + versions.toAbsolutePath());
        }
        Path imageVars = settings.moduleDir().resolve(image).resolve(IMAGE_VARS);
        if (Files.isRegularFile(imageVars)) {
            args.add("-var-file=" + imageVars.toAbsolutePath());
        }
        vars.forEach((k, v) -> args.add("-var=" + k + "=" + v));
        return args;
    }

    Map<String, String> env(Path log) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("CHECKPOINT_DISABLE", "1"); // no version check against HashiCorp's servers
        env.put("PACKER_NO_COLOR", "1");
        env.put("PACKER_CACHE_DIR", settings.buildDir().resolve("packer_cache").toAbsolutePath().toString());
        if (log != null) {
            env.put("PACKER_LOG", "1");
            env.put("PACKER_LOG_PATH", log.toAbsolutePath().toString());
        }
        return env;
    }

    List<Path> paths() {
        List<Path> p = new ArrayList<>(List.of(settings.moduleDir(), settings.buildDir(),
                settings.key().privateKey().getParent()));
        if (settings.aptRepo() != null) {
            p.add(settings.aptRepo());
        }
        if (baseDirectory != null) {
            p.add(baseDirectory);
        }
        return p;
    }

    static List<String> tail(Path file, int n) {
        try {
            List<String> lines = Files.readAllLines(file, java.nio.charset.StandardCharsets.ISO_8859_1);
            return lines.subList(Math.max(0, lines.size() - n), lines.size());
        } catch (IOException e) {
            return List.of();
        }
    }

    private static List<String> lastN(List<String> l, int n) {
        return l.subList(Math.max(0, l.size() - n), l.size());
    }

    private static long sizeOf(Path p) throws PharosException {
        try {
            return Files.size(p);
        } catch (IOException e) {
            throw new PharosException("Cannot stat " + p, null, null, e);
        }
    }

    static Set<String> slurmPackages() {
        return Set.of("munge", "libmunge2", "slurm-client", "slurmctld", "slurmd", "slurmdbd", "slurm-wlm-basic-plugins");
    }
}
