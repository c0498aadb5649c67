package ai.pharos.core.docker;

/** An image reference split into repository and tag ({@code latest} when absent); digests are kept in the tag. */
public record ImageRef(String repository, String tag) {
    public static ImageRef parse(String reference) {
        int at = reference.indexOf('@');
        if (at >= 0) {
            return new ImageRef(reference.substring(0, at), reference.substring(at + 1));
        }
        int slash = reference.lastIndexOf('/');
        int colon = reference.lastIndexOf(':');
        if (colon > slash) {
            return new ImageRef(reference.substring(0, colon), reference.substring(colon + 1));
        }
        return new ImageRef(reference, "latest");
    }

    @Override
    public String toString() {
        return repository + ":" + tag;
    }
}
