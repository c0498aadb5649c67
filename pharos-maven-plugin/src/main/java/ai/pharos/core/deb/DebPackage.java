package ai.pharos.core.deb;

import java.nio.file.Path;

/**
 * A {@code .deb} read natively: where it is, its size and digests (hex), its control paragraph and how its members
 * are compressed.
 *
 * @param file               the .deb
 * @param size               its size in bytes
 * @param md5                MD5 of the whole file (hex)
 * @param sha256             SHA-256 of the whole file (hex)
 * @param control            the {@code control} paragraph
 * @param controlMember      the ar member holding it, e.g. {@code control.tar.xz}
 * @param dataMember         the data member, e.g. {@code data.tar.xz}
 */
public record DebPackage(Path file, long size, String md5, String sha256, DebControl control,
                         String controlMember, String dataMember) {

    public String packageName() {
        return control.packageName();
    }

    public String version() {
        return control.version();
    }

    public String architecture() {
        return control.architecture();
    }

    /** The canonical file name {@code <package>_<version without epoch>_<arch>.deb}. */
    public String canonicalFileName() {
        return packageName() + "_" + DebVersion.withoutEpoch(version()) + "_" + architecture() + ".deb";
    }
}
