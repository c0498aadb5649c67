package ai.pharos.core.docker;

import java.util.List;
import java.util.Map;

/**
 * One image build.
 *
 * @param dockerfile  the Dockerfile's path inside the context tar (e.g. {@code Dockerfile})
 * @param tags        image references to tag the result with; the first one is inspected for the id
 * @param buildArgs   build arguments
 * @param labels      labels to add to the image (the fingerprint label among them)
 * @param target      target stage, or null
 * @param networkMode network mode for RUN steps ({@code host} by default on machines without a bridge)
 * @param pull        always attempt to pull a newer base image
 * @param noCache     do not use the engine's layer cache
 */
public record BuildRequest(String dockerfile, List<String> tags, Map<String, String> buildArgs,
                           Map<String, String> labels, String target, String networkMode, boolean pull,
                           boolean noCache) {
}
