package ai.pharos.core.docker;

/**
 * Where the Docker engine is and how it was chosen.
 *
 * @param host      the engine URL, e.g. {@code unix:///var/run/docker.sock} or {@code tcp://127.0.0.1:2376}
 * @param source    where it came from, for messages: {@code -Dpharos.docker.host}, {@code DOCKER_HOST},
 *                  {@code docker context "name"}, or {@code default}
 * @param tlsVerify whether TLS is on (DOCKER_TLS_VERIFY)
 * @param certPath  the TLS certificate directory (DOCKER_CERT_PATH), or null
 */
public record Endpoint(String host, String source, boolean tlsVerify, String certPath) {
    @Override
    public String toString() {
        return host + " (from " + source + ")";
    }
}
