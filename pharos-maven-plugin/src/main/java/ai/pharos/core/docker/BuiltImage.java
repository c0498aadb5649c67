package ai.pharos.core.docker;

import ai.pharos.core.PharosException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The machine-readable record {@code pharos:build-image} writes for every image it builds or finds up to date, at
 * {@code <target>/pharos/images/<name>.json}. Later goals ({@code pharos:test-image}, {@code pharos:sif}) and
 * integration tests read these records instead of re-deriving image names.
 *
 * @param name        the image's short name (the directory name under {@code images/}, or the artifactId)
 * @param reference   the first tag, e.g. {@code pharos/openmpi:0.1.0-SNAPSHOT}
 * @param tags        all tags
 * @param id          the image id ({@code sha256:…}) read by inspect
 * @param fingerprint the fingerprint label value
 * @param contextDirectory the build context directory (absolute)
 */
public record BuiltImage(String name, String reference, List<String> tags, String id, String fingerprint,
                         String contextDirectory) {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    /** Directory holding the records under a module's build directory. */
    public static Path directory(Path buildDirectory) {
        return buildDirectory.resolve("pharos").resolve("images");
    }

    /** Write this record atomically to {@code <buildDirectory>/pharos/images/<name>.json}. */
    public Path write(Path buildDirectory) throws PharosException {
        Path dir = directory(buildDirectory);
        Path target = dir.resolve(name + ".json");
        try {
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, "." + name, ".tmp");
            JSON.writeValue(tmp.toFile(), this);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return target;
        } catch (IOException e) {
            throw new PharosException("Cannot write " + target + ": " + e.getMessage(), null,
                    "Check that the build directory is writable.", e);
        }
    }

    /**
     * Read the records under {@code buildDirectory}, sorted by name; when {@code only} is not empty, just those names
     * (an unknown name is an error naming the known ones).
     */
    public static List<BuiltImage> readAll(Path buildDirectory, Set<String> only) throws PharosException {
        Path dir = directory(buildDirectory);
        List<BuiltImage> all = new ArrayList<>();
        if (Files.isDirectory(dir)) {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path p : files.filter(f -> f.getFileName().toString().endsWith(".json")).sorted().toList()) {
                    all.add(JSON.readValue(p.toFile(), BuiltImage.class));
                }
            } catch (IOException e) {
                throw new PharosException("Cannot read image records in " + dir + ": " + e.getMessage(), null,
                        "Run pharos:build-image first (or 'mvn clean' to drop damaged records).", e);
            }
        }
        if (only == null || only.isEmpty()) {
            return all;
        }
        List<String> known = all.stream().map(BuiltImage::name).toList();
        for (String wanted : only) {
            if (!known.contains(wanted)) {
                throw new PharosException("No built image named '" + wanted + "' (built: " + known + ")",
                        "pharos.containers", "Use one of the built image names, or build it first.");
            }
        }
        return all.stream().filter(i -> only.contains(i.name())).toList();
    }
}
