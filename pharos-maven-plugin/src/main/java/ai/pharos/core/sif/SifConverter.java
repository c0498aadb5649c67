package ai.pharos.core.sif;

import ai.pharos.core.Console;
import ai.pharos.core.PharosException;
import ai.pharos.core.ToolFailedException;
import ai.pharos.core.process.ProcessRunner;
import ai.pharos.core.sif.Mksquashfs.Compression;
import ai.pharos.core.sif.SifWriter.DataType;
import ai.pharos.core.sif.SifWriter.FsType;
import ai.pharos.core.sif.SifWriter.ObjectSpec;
import ai.pharos.core.sif.SifWriter.PartType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Docker image → Apptainer SIF, natively: save the image to a spool file, index its layers (whiteouts applied,
 * nothing extracted), add what apptainer adds, stream the result as one tar into mksquashfs writing straight into the
 * SIF at the partition offset, then write the SIF header, deffile and JSON objects around it. The SIF is built in a
 * temp file in the output directory and renamed at the end: an interrupted or failed run leaves no {@code .sif}.
 * A {@code <name>.sif.json} record next to it makes the next run "up to date" when the image id and the options are
 * unchanged.
 */
public final class SifConverter {

    /** How the SIF is produced. */
    public enum Backend {
        /** This converter (default): no apptainer, no root. */
        NATIVE,
        /** {@code apptainer build <out> docker-daemon:<ref>}, when an apptainer binary exists. */
        APPTAINER;

        public static Backend parse(String s) throws PharosException {
            try {
                return valueOf(s.trim().toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new PharosException("Unknown SIF backend '" + s + "'", "pharos.sif.backend",
                        "Use native (default) or apptainer.");
            }
        }
    }

    /**
     * Conversion options.
     *
     * @param outputDirectory where {@code <name>.sif} is written
     * @param name            file name without {@code .sif} (the image's short name)
     * @param compression     squashfs compression
     * @param reproducible    nil UUID, fixed times, SOURCE_DATE_EPOCH: identical bytes for the same image
     * @param sourceDateEpoch the time used in reproducible mode (unix seconds); null: the image's own time
     * @param backend         native or apptainer
     * @param bootstrap       deffile bootstrap agent (normally {@code docker-daemon})
     */
    public record Options(Path outputDirectory, String name, Compression compression, boolean reproducible,
                          Long sourceDateEpoch, Backend backend, String bootstrap) {
        public Options {
            Objects.requireNonNull(outputDirectory, "outputDirectory");
            Objects.requireNonNull(name, "name");
            compression = compression == null ? Compression.GZIP : compression;
            backend = backend == null ? Backend.NATIVE : backend;
            bootstrap = bootstrap == null ? "docker-daemon" : bootstrap;
        }

        /** Defaults: gzip, reproducible, native, docker-daemon. */
        public static Options of(Path outputDirectory, String name) {
            return new Options(outputDirectory, name, Compression.GZIP, true, null, Backend.NATIVE, null);
        }

        public Options withCompression(Compression c) {
            return new Options(outputDirectory, name, c, reproducible, sourceDateEpoch, backend, bootstrap);
        }

        public Options withReproducible(boolean r, Long epoch) {
            return new Options(outputDirectory, name, compression, r, epoch, backend, bootstrap);
        }

        public Options withBackend(Backend b) {
            return new Options(outputDirectory, name, compression, reproducible, sourceDateEpoch, b, bootstrap);
        }
    }

    /**
     * The outcome.
     *
     * @param sif       the SIF file
     * @param upToDate  true when nothing was done
     * @param arch      Go architecture of the primary partition
     * @param size      SIF size in bytes
     */
    public record Result(Path sif, boolean upToDate, String arch, long size) {
    }

    /** Bump when the produced bytes change for the same inputs (invalidates "up to date"). */
    static final String FORMAT_VERSION = "1";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Console console;
    private final SquashfsTool squashfs;
    private final long progressInterval;

    /** @param squashfs where mksquashfs runs (null: only the apptainer backend can be used) */
    public SifConverter(Console console, SquashfsTool squashfs) {
        this(console, squashfs, Mksquashfs.PROGRESS_INTERVAL_MS);
    }

    SifConverter(Console console, SquashfsTool squashfs, long progressInterval) {
        this.console = console;
        this.squashfs = squashfs;
        this.progressInterval = progressInterval;
    }

    /** The SIF path for these options. */
    public static Path sifPath(Options options) {
        return options.outputDirectory().resolve(options.name() + ".sif");
    }

    /** The record that makes a later run "up to date". */
    public static Path recordPath(Options options) {
        return options.outputDirectory().resolve(options.name() + ".sif.json");
    }

    /** The record of an up-to-date SIF for this image and these options, or null. */
    private Map<String, Object> upToDateRecord(String imageId, String reference, Options options) {
        Path sif = sifPath(options);
        Path record = recordPath(options);
        try {
            if (Files.isRegularFile(sif) && Files.isRegularFile(record)) {
                @SuppressWarnings("unchecked")
                Map<String, Object> old = JSON.readValue(record.toFile(), Map.class);
                if (fingerprint(imageId, reference, options).equals(old.get("inputs"))
                        && Long.valueOf(Files.size(sif)).equals(asLong(old.get("size")))
                        && Long.valueOf(Files.getLastModifiedTime(sif).toMillis()).equals(asLong(old.get("mtime")))) {
                    return old;
                }
            }
        } catch (IOException e) {
            console.debug("Unreadable record " + record + ": " + e.getMessage());
        }
        return null;
    }

    /** Whether the SIF for this image id and these options exists and is up to date. */
    public boolean isUpToDate(String imageId, String reference, Options options) {
        return upToDateRecord(imageId, reference, options) != null;
    }

    /** Convert {@code source}, or do nothing when its SIF is up to date. */
    public Result convert(ImageSource source, Options options) throws PharosException {
        Path sif = sifPath(options);
        Path record = recordPath(options);
        Map<String, Object> fingerprint = fingerprint(source.imageId(), source.reference(), options);
        try {
            Files.createDirectories(options.outputDirectory());
            removeStaleTemps(options);
            Map<String, Object> old = upToDateRecord(source.imageId(), source.reference(), options);
            if (old != null) {
                console.info(sif.getFileName() + " is up to date (image " + shortId(source.imageId()) + ")");
                return new Result(sif, true, String.valueOf(old.get("arch")), Files.size(sif));
            }
            Files.deleteIfExists(record);
        } catch (IOException e) {
            throw new PharosException("Cannot prepare " + options.outputDirectory() + ": " + e.getMessage(),
                    "pharos.sif.outputDirectory", "Check that the output directory is writable.", e);
        }
        Path spool = options.outputDirectory().resolve("." + options.name() + ".image.tar.tmp");
        Path temp = options.outputDirectory().resolve("." + options.name() + ".sif.tmp");
        boolean done = false;
        try {
            String arch;
            if (options.backend() == Backend.APPTAINER) {
                arch = viaApptainer(source, options, temp);
            } else {
                save(source, spool);
                arch = convertArchive(spool, source.reference(), options, temp);
                Files.deleteIfExists(spool);
            }
            Files.move(temp, sif, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Map<String, Object> rec = new LinkedHashMap<>();
            rec.put("inputs", fingerprint);
            rec.put("arch", arch);
            rec.put("size", Files.size(sif));
            rec.put("mtime", Files.getLastModifiedTime(sif).toMillis());
            Path recTemp = options.outputDirectory().resolve("." + options.name() + ".sif.json.tmp");
            JSON.writeValue(recTemp.toFile(), rec);
            Files.move(recTemp, record, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            done = true;
            long size = Files.size(sif);
            console.info("Wrote " + sif + " (" + Mksquashfs.human(size) + ", " + arch + ", "
                    + options.compression().option() + (options.reproducible() ? ", reproducible" : "") + ")");
            return new Result(sif, false, arch, size);
        } catch (IOException e) {
            throw new PharosException("Cannot write " + sif + ": " + e.getMessage(), "pharos.sif.outputDirectory",
                    "Check free space and permissions in the output directory.", e);
        } finally {
            if (!done) {
                deleteQuietly(temp);
                deleteQuietly(spool);
            }
        }
    }

    /**
     * Save the image into {@code spool}, logging progress: an engine may work for most of a save before its first
     * byte (Docker writes the whole image out first), then sends the archive.
     */
    private void save(ImageSource source, Path spool) throws PharosException {
        long expected = source.expectedBytes();
        String approx = expected > 0 ? "~" + Mksquashfs.human(expected) : null;
        String of = approx != null ? " of " + approx : "";
        console.info("Saving image " + source.reference() + " (" + shortId(source.imageId())
                + (approx != null ? ", " + approx : "") + ")");
        long started = System.currentTimeMillis();
        AtomicLong received = new AtomicLong();
        try (Ticker ticker = Ticker.every(progressInterval, "save-progress", () -> {
            long got = received.get();
            long secs = (System.currentTimeMillis() - started) / 1000;
            console.info(got == 0 ? "Saving: waiting for the engine to start sending the archive, " + secs + "s"
                    : "Saving: received " + Mksquashfs.human(got) + of + ", " + secs + "s");
        })) {
            source.saveTo(spool, received::set);
        }
        console.info("Saved " + Mksquashfs.human(received.get()) + " in "
                + (System.currentTimeMillis() - started) / 1000 + "s");
    }

    /**
     * Convert a saved archive into {@code target} (not renamed: callers that want atomicity write a temp file).
     * Returns the architecture.
     */
    public String convertArchive(Path archivePath, String reference, Options options, Path target)
            throws PharosException, IOException {
        if (squashfs == null) {
            throw new PharosException("mksquashfs not found", "pharos.sif.backend",
                    "Install squashfs-tools 4.5 or newer (apt-get install squashfs-tools).");
        }
        try (ImageArchive archive = ImageArchive.open(archivePath, options.outputDirectory())) {
            JsonNode config = archive.config();
            String from = reference != null ? reference : archive.repoTag();
            if (from == null) {
                throw new PharosException("No image reference for the deffile of " + options.name(), null,
                        "Pass the image reference (name:tag) to the converter.");
            }
            RootfsIndex rootfs = RootfsIndex.of(archive);
            String arch = architecture(config, rootfs, from);
            long epoch;
            if (options.reproducible()) {
                epoch = options.sourceDateEpoch() != null ? options.sourceDateEpoch() : imageTime(config, rootfs);
            } else {
                epoch = Instant.now().getEpochSecond();
            }
            ApptainerAdditions.JsonObjects json = ApptainerAdditions.apply(rootfs, config, options.bootstrap(), from,
                    arch, epoch);
            byte[] deffile = ApptainerAdditions.deffile(options.bootstrap(), from).getBytes(StandardCharsets.UTF_8);
            SifWriter.Options sifOptions = options.reproducible()
                    ? SifWriter.Options.deterministic(SifWriter.APPTAINER_LAUNCH_SCRIPT)
                    : SifWriter.Options.now(SifWriter.APPTAINER_LAUNCH_SCRIPT);
            long partitionOffset = SifWriter.align(SifWriter.dataOffset(sifOptions.capacity()) + deffile.length
                    + json.inspectMetadata().length + json.ociConfig().length, 4096);
            long total = rootfs.dataBytes();
            console.info("Flattened " + archive.layers().size() + " layer(s) of " + from + ": " + rootfs.size()
                    + " paths, " + Mksquashfs.human(total) + " of file data; building squashfs ("
                    + options.compression().option() + ")");
            Files.deleteIfExists(target);
            Mksquashfs.build(squashfs, target, partitionOffset, options.compression(),
                    options.reproducible() ? epoch : null, total, rootfs::writeTar, console, progressInterval);
            long fsSize = Files.size(target) - partitionOffset;
            try (SifWriter w = SifWriter.openExisting(target, sifOptions)) {
                w.add(ObjectSpec.of(DataType.DEFFILE, ""), deffile);
                w.add(ObjectSpec.of(DataType.GENERIC_JSON, "inspect-metadata.json"), json.inspectMetadata());
                w.add(ObjectSpec.of(DataType.GENERIC_JSON, "oci-config.json"), json.ociConfig());
                w.addWritten(ObjectSpec.partition(FsType.SQUASHFS, PartType.PRIMARY_SYSTEM, arch), partitionOffset,
                        fsSize);
                w.finish();
            }
            return arch;
        }
    }

    private String viaApptainer(ImageSource source, Options options, Path temp) throws PharosException {
        Path apptainer = ProcessRunner.which("apptainer").orElseThrow(() -> new PharosException(
                "The apptainer backend was asked for but no 'apptainer' binary is on the PATH", "pharos.sif.backend",
                "Install apptainer or use the native backend (default)."));
        List<String> cmd = new ArrayList<>(List.of(apptainer.toString(), "build", "--force"));
        Map<String, String> env = new LinkedHashMap<>();
        if (options.reproducible() && options.sourceDateEpoch() != null) {
            env.put("SOURCE_DATE_EPOCH", Long.toString(options.sourceDateEpoch()));
        }
        cmd.add(temp.toString());
        cmd.add(options.bootstrap() + ":" + source.reference());
        console.info("Running " + String.join(" ", cmd));
        ProcessRunner.Result r = ProcessRunner.run(cmd, options.outputDirectory(), env, console::info, console::info);
        if (!r.ok()) {
            throw new ToolFailedException("apptainer build failed with exit code " + r.exitCode() + ": "
                    + String.join(" | ", r.stderrTail()), r.exitCode(), "pharos.sif.backend",
                    "Fix the apptainer error above, or use the native backend.");
        }
        return "unknown";
    }

    /** The image's architecture, cross-checked with {@code /bin/sh}'s ELF machine when it exists. */
    String architecture(JsonNode config, RootfsIndex rootfs, String from) throws PharosException {
        String arch = config.path("architecture").asText("");
        if (!SifWriter.isKnownArch(arch)) {
            throw new PharosException("Image " + from + " has architecture '" + arch
                    + "', which a SIF cannot record", null, "Build the image for a Linux architecture (amd64, arm64…).");
        }
        String sh = rootfs.resolve("bin/sh");
        if (sh == null) {
            console.debug("No /bin/sh in " + from + ": architecture not cross-checked");
            return arch;
        }
        try {
            String elf = elfArch(rootfs.head(sh, 20));
            if (elf == null) {
                console.debug("/bin/sh of " + from + " is not an ELF binary: architecture not cross-checked");
            } else if (!elf.equals(arch)) {
                throw new PharosException("Image " + from + " says architecture " + arch + " but its /bin/sh ("
                        + sh + ") is " + elf, null, "Rebuild the image with --platform matching its content.");
            }
        } catch (IOException e) {
            throw new PharosException("Cannot read /bin/sh of " + from + ": " + e.getMessage(), null,
                    "Save the image again.", e);
        }
        return arch;
    }

    /** Go architecture of an ELF header, or null when not ELF / unknown. */
    static String elfArch(byte[] h) {
        if (h.length < 20 || h[0] != 0x7f || h[1] != 'E' || h[2] != 'L' || h[3] != 'F') {
            return null;
        }
        boolean is64 = h[4] == 2;
        boolean le = h[5] == 1;
        int machine = le ? (h[18] & 0xff) | (h[19] & 0xff) << 8 : (h[19] & 0xff) | (h[18] & 0xff) << 8;
        return switch (machine) {
            case 3 -> "386";
            case 62 -> "amd64";
            case 40 -> "arm";
            case 183 -> "arm64";
            case 21 -> le ? "ppc64le" : "ppc64";
            case 22 -> "s390x";
            case 243 -> "riscv64";
            case 8 -> is64 ? (le ? "mips64le" : "mips64") : (le ? "mipsle" : "mips");
            default -> null;
        };
    }

    /** The image's own time: its creation date, or the newest file if later (so mksquashfs clamps nothing). */
    static long imageTime(JsonNode config, RootfsIndex rootfs) {
        long created = 0;
        String c = config.path("created").asText("");
        if (!c.isEmpty()) {
            try {
                created = Instant.parse(c).getEpochSecond();
            } catch (java.time.format.DateTimeParseException ignored) {
                created = 0;
            }
        }
        return Math.max(Math.max(created, rootfs.maxMtime()), 0);
    }

    private static Map<String, Object> fingerprint(String imageId, String reference, Options options) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("format", FORMAT_VERSION);
        f.put("imageId", imageId);
        f.put("reference", reference);
        f.put("backend", options.backend().name());
        f.put("compression", options.compression().option());
        f.put("reproducible", options.reproducible());
        f.put("sourceDateEpoch", options.sourceDateEpoch());
        f.put("bootstrap", options.bootstrap());
        return f;
    }

    private static Long asLong(Object o) {
        return o instanceof Number n ? n.longValue() : null;
    }

    private static String shortId(String id) {
        if (id == null) {
            return "?";
        }
        String s = id.startsWith("sha256:") ? id.substring(7) : id;
        return s.length() > 12 ? s.substring(0, 12) : s;
    }

    /** Leftovers of a killed run: our temp SIF, spool, record temp, and the engine's partial save. */
    private void removeStaleTemps(Options options) throws IOException {
        String n = options.name();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(options.outputDirectory())) {
            for (Path p : ds) {
                String f = p.getFileName().toString();
                if (f.equals("." + n + ".sif.tmp") || f.equals("." + n + ".image.tar.tmp")
                        || f.equals("." + n + ".sif.json.tmp")
                        || (f.startsWith(".." + n + ".image.tar.tmp") && f.endsWith(".part"))
                        || (f.startsWith(".pharos-layer-") && f.endsWith(".tar"))) {
                    console.debug("Removing leftover " + p);
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // best effort
        }
    }
}
