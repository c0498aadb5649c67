package ai.pharos.core.deb;

import org.apache.commons.compress.archivers.ar.ArArchiveEntry;
import org.apache.commons.compress.archivers.ar.ArArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorOutputStream;
import org.apache.commons.compress.compressors.zstandard.ZstdCompressorOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Writes small but valid .deb files natively, for tests (same layout as dpkg-deb: debian-binary, control, data). */
final class TestDebs {
    private TestDebs() {
    }

    static String control(String name, String version, String arch, String depends) {
        return "Package: " + name + "\nVersion: " + version + "\nArchitecture: " + arch
                + "\nMaintainer: Test <test@example.invalid>\nInstalled-Size: 1\n"
                + (depends == null ? "" : "Depends: " + depends + "\n")
                + "Section: misc\nPriority: optional\nDescription: test package " + name
                + "\n A package written by the Pharos tests.\n";
    }

    static Path write(Path dir, String name, String version, String arch, String depends, String compression)
            throws IOException {
        Map<String, byte[]> data = new LinkedHashMap<>();
        data.put("./usr/share/doc/" + name + "/README", ("hello from " + name + " " + version + "\n")
                .getBytes(StandardCharsets.UTF_8));
        Path deb = dir.resolve(name + "_" + DebVersion.withoutEpoch(version) + "_" + arch + ".deb");
        write(deb, control(name, version, arch, depends), data, compression, true);
        return deb;
    }

    static void write(Path deb, String control, Map<String, byte[]> data, String compression, boolean withControl)
            throws IOException {
        Map<String, byte[]> members = new LinkedHashMap<>();
        members.put("debian-binary", "2.0\n".getBytes(StandardCharsets.US_ASCII));
        if (withControl) {
            members.put("control.tar" + suffix(compression),
                    compress(tar(Map.of("./control", control.getBytes(StandardCharsets.UTF_8))), compression));
        }
        members.put("data.tar" + suffix(compression), compress(tar(data), compression));
        try (OutputStream out = Files.newOutputStream(deb); ArArchiveOutputStream ar = new ArArchiveOutputStream(out)) {
            for (Map.Entry<String, byte[]> m : members.entrySet()) {
                ArArchiveEntry e = new ArArchiveEntry(m.getKey(), m.getValue().length, 0, 0, 0100644, 1767225600L);
                ar.putArchiveEntry(e);
                ar.write(m.getValue());
                ar.closeArchiveEntry();
            }
        }
    }

    static String suffix(String compression) {
        return compression.isEmpty() ? "" : "." + compression;
    }

    static byte[] tar(Map<String, byte[]> files) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
            for (Map.Entry<String, byte[]> f : files.entrySet()) {
                TarArchiveEntry e = new TarArchiveEntry(f.getKey());
                e.setSize(f.getValue().length);
                e.setMode(0100644);
                tar.putArchiveEntry(e);
                tar.write(f.getValue());
                tar.closeArchiveEntry();
            }
        }
        return bytes.toByteArray();
    }

    static byte[] compress(byte[] data, String compression) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        OutputStream out = switch (compression) {
            case "gz" -> new GzipCompressorOutputStream(bytes);
            case "xz" -> new XZCompressorOutputStream(bytes);
            case "zst" -> new ZstdCompressorOutputStream(bytes);
            default -> bytes;
        };
        out.write(data);
        out.close();
        return bytes.toByteArray();
    }
}
