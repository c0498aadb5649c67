package ai.pharos.core.docker;

import ai.pharos.core.Console;
import ai.pharos.core.PharosException;
import ai.pharos.core.fingerprint.Fingerprint;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Builds images from directories with a context tar made here ({@link ContextTar}: sorted, normalised, exact
 * {@code .dockerignore} semantics), and skips the build when the image already carries the fingerprint of everything
 * that determines it: context content, Dockerfile, build args, labels, target stage, base image ids.
 */
public final class ImageBuild {
    /** The label holding the fingerprint. */
    public static final String FINGERPRINT_LABEL = "ai.pharos.fingerprint";

    /** When to pull base images. */
    public enum PullPolicy {
        /** The engine's default: use the local image, pull when missing. */
        MISSING,
        /** Always try to pull a newer base image. */
        ALWAYS,
        /** Never pull: every base image must exist locally (air-gapped), checked before the build. */
        NEVER;

        public static PullPolicy parse(String s) throws PharosException {
            try {
                return valueOf(s.strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new PharosException("Unknown pull policy '" + s + "'", "pharos.build.pull",
                        "Use missing, always or never.");
            }
        }
    }

    /**
     * One image to build.
     *
     * @param name       short name (record file name)
     * @param contextDir build context
     * @param dockerfile Dockerfile (null: {@code <contextDir>/Dockerfile}; may lie outside the context)
     * @param tags       references; the first is the image's reference
     */
    public record Spec(String name, Path contextDir, Path dockerfile, List<String> tags, Map<String, String> buildArgs,
                       Map<String, String> labels, String target, String networkMode, PullPolicy pull,
                       boolean noCache) {
    }

    /** The result: the record written and whether a build happened. */
    public record Result(BuiltImage image, boolean built) {
    }

    private final Engine engine;
    private final Console console;
    private final Path buildDirectory;
    private final Instant mtime;

    public ImageBuild(Engine engine, Console console, Path buildDirectory, Instant mtime) {
        this.engine = engine;
        this.console = console;
        this.buildDirectory = buildDirectory;
        this.mtime = mtime;
    }

    /** The images under {@code imagesDir}: every subdirectory holding a Dockerfile, sorted; filtered by {@code only}. */
    public static List<Path> discover(Path imagesDir, Set<String> only) throws PharosException {
        if (!Files.isDirectory(imagesDir)) {
            throw new PharosException("Images directory " + imagesDir + " does not exist", "pharos.build.imagesDirectory",
                    "Create it with one subdirectory (Dockerfile + context) per image, or point the option at it.");
        }
        List<Path> all;
        try (Stream<Path> s = Files.list(imagesDir)) {
            all = s.filter(d -> Files.isRegularFile(d.resolve("Dockerfile"))).sorted().toList();
        } catch (IOException e) {
            throw new PharosException("Cannot list " + imagesDir + ": " + e.getMessage(), null, null, e);
        }
        if (only == null || only.isEmpty()) {
            return all;
        }
        List<String> names = all.stream().map(p -> p.getFileName().toString()).toList();
        for (String wanted : only) {
            if (!names.contains(wanted)) {
                throw new PharosException("No image directory named '" + wanted + "' in " + imagesDir + " (found: "
                        + String.join(", ", names) + ")", "pharos.containers",
                        "Use names of subdirectories of " + imagesDir + ".");
            }
        }
        return all.stream().filter(p -> only.contains(p.getFileName().toString())).toList();
    }

    public Result build(Spec spec) throws PharosException {
        Path recordDir = BuiltImage.directory(buildDirectory);
        Path tar = recordDir.resolve(spec.name() + ".context.tar");
        try {
            Files.createDirectories(recordDir);
            ContextTar.Summary summary;
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tar), 1 << 16)) {
                summary = ContextTar.write(spec.contextDir(), spec.dockerfile(), mtime, out);
            }
            writeLines(recordDir.resolve(spec.name() + ".context.txt"), summary.sentPaths());
            writeLines(recordDir.resolve(spec.name() + ".copy.txt"), List.copyOf(summary.copySet()));
            String dockerfileText = Files.readString(dockerfilePath(spec), StandardCharsets.UTF_8);
            Map<String, String> bases = baseImageIds(dockerfileText, spec);
            String fingerprint = Fingerprint.builder("build-image/1")
                    .addDigest("context", "sha256:" + summary.sha256())
                    .add("dockerfile", summary.dockerfile())
                    .add("buildArgs", spec.buildArgs())
                    .add("labels", spec.labels())
                    .add("target", spec.target())
                    .add("baseImages", bases)
                    .build();
            String reference = spec.tags().get(0);
            Optional<ImageInfo> existing = engine.inspectImage(reference);
            if (existing.isPresent() && fingerprint.equals(existing.get().labels().get(FINGERPRINT_LABEL))
                    && allTagsPointTo(existing.get().id(), spec.tags()) && !spec.noCache()) {
                console.info("Image " + reference + " is up to date (" + BaseImage.shortId(existing.get().id())
                        + ", fingerprint " + shortFingerprint(fingerprint) + "): no build");
                return new Result(record(spec, existing.get().id(), fingerprint), false);
            }
            console.info("Building " + reference + ": sending context of " + summary.entryCount() + " entries, "
                    + human(summary.tarBytes()) + (existing.isPresent() ? " (inputs changed)" : ""));
            Map<String, String> labels = new TreeMap<>(spec.labels());
            labels.put(FINGERPRINT_LABEL, fingerprint);
            BuildRequest request = new BuildRequest(summary.dockerfile(), spec.tags(), spec.buildArgs(), labels,
                    spec.target(), spec.networkMode(), spec.pull() == PullPolicy.ALWAYS, spec.noCache());
            String id;
            try (InputStream in = Files.newInputStream(tar)) {
                id = engine.build(request, in, console::info);
            }
            console.info("Built " + String.join(", ", spec.tags()) + " (" + BaseImage.shortId(id) + ")");
            return new Result(record(spec, id, fingerprint), true);
        } catch (IOException e) {
            throw new PharosException("Cannot prepare the build context of " + spec.name() + ": " + e.getMessage(),
                    "pharos.build.contextDirectory", "Check the context directory is readable and the build "
                    + "directory writable.", e);
        } finally {
            try {
                Files.deleteIfExists(tar);
            } catch (IOException ignored) {
                // left in target/, harmless
            }
        }
    }

    private static Path dockerfilePath(Spec spec) {
        Path ctx = spec.contextDir().toAbsolutePath().normalize();
        return spec.dockerfile() == null ? ctx.resolve(ContextTar.DEFAULT_DOCKERFILE)
                : ctx.resolve(spec.dockerfile()).normalize();
    }

    /** The ids of the external base images (absent ones as "missing"); enforces the pull policy "never". */
    private Map<String, String> baseImageIds(String dockerfile, Spec spec) throws PharosException {
        Map<String, String> ids = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        for (String base : Dockerfiles.baseImages(dockerfile, spec.buildArgs())) {
            Optional<ImageInfo> info = engine.inspectImage(base);
            ids.put(base, info.map(ImageInfo::id).orElse("missing"));
            if (info.isEmpty()) {
                missing.add(base);
            }
        }
        if (spec.pull() == PullPolicy.NEVER && !missing.isEmpty()) {
            throw new PharosException("Base image(s) " + String.join(", ", missing) + " of " + spec.name()
                    + " are not in the local engine and pulling is off", "pharos.build.pull",
                    "Provide them first (pharos:base-image builds Debian ones from a mirror, or docker load), or "
                            + "allow pulls with -Dpharos.build.pull=missing.");
        }
        return ids;
    }

    private boolean allTagsPointTo(String id, List<String> tags) throws PharosException {
        for (String tag : tags.subList(1, tags.size())) {
            Optional<ImageInfo> other = engine.inspectImage(tag);
            if (other.isEmpty() || !id.equals(other.get().id())) {
                return false;
            }
        }
        return true;
    }

    private BuiltImage record(Spec spec, String id, String fingerprint) throws PharosException {
        BuiltImage image = new BuiltImage(spec.name(), spec.tags().get(0), List.copyOf(spec.tags()), id, fingerprint,
                spec.contextDir().toAbsolutePath().normalize().toString());
        image.write(buildDirectory);
        return image;
    }

    private static void writeLines(Path file, List<String> lines) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, lines, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static String shortFingerprint(String fp) {
        return fp.length() > 19 ? fp.substring(0, 19) : fp;
    }

    static String human(long bytes) {
        if (bytes < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
        }
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
    }
}
