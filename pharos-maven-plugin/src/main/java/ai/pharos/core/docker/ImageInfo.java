package ai.pharos.core.docker;

import java.util.List;
import java.util.Map;

/**
 * An image as the engine describes it.
 *
 * @param id     {@code sha256:…}
 * @param labels the image's labels (never null)
 * @param env    ENV entries {@code NAME=value}
 * @param entrypoint ENTRYPOINT (may be empty)
 * @param cmd    CMD (may be empty)
 * @param arch   architecture, e.g. {@code amd64}
 * @param size   size in bytes
 */
public record ImageInfo(String id, List<String> repoTags, Map<String, String> labels, List<String> env,
                        List<String> entrypoint, List<String> cmd, String workingDir, String user, String arch,
                        long size) {
}
