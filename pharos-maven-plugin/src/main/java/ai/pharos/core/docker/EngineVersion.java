package ai.pharos.core.docker;

/** What the engine says of itself. */
public record EngineVersion(String version, String apiVersion, String os, String arch) {
}
