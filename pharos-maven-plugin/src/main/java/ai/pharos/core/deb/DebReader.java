package ai.pharos.core.deb;

import ai.pharos.core.PharosException;
import org.apache.commons.compress.archivers.ar.ArArchiveEntry;
import org.apache.commons.compress.archivers.ar.ArArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.tukaani.xz.BasicArrayCache;
import org.tukaani.xz.XZInputStream;
import com.github.luben.zstd.RecyclingBufferPool;
import org.apache.commons.compress.compressors.zstandard.ZstdCompressorInputStream;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Reads {@code .deb} files natively (deb(5)): an {@code ar} archive whose first member is {@code debian-binary}
 * ({@code 2.x}), then {@code control.tar} (uncompressed, {@code .gz}, {@code .xz} or {@code .zst}), then
 * {@code data.tar.*}. MD5 and SHA-256 (the hashes of Debian's own Packages files) cover every byte; the ar framing is
 * checked against the file size, so a cut-off file is caught without decompressing the payload.
 * Every defect is reported as a {@link PharosException} naming the file and what is wrong, on one line.
 */
public final class DebReader {
    private static final int MAX_CONTROL = 16 * 1024 * 1024;

    private DebReader() {
    }

    /** Read a .deb: digests, control paragraph, member names; verifies the ar framing to the last byte. */
    public static DebPackage read(Path deb) throws PharosException {
        return read(deb, false);
    }

    /**
     * As {@link #read(Path)}; with {@code verifyData} also decompresses {@code data.tar.*} and walks its entries, so
     * a corrupt payload is caught before the package is trusted.
     */
    public static DebPackage read(Path deb, boolean verifyData) throws PharosException {
        String controlMember = null;
        String dataMember = null;
        DebControl control = null;
        long size;
        String[] digests;
        // One pass over the file: every byte read from the channel is hashed as it arrives; the ar framing and the
        // control member are parsed from the same bytes, the data member is only hashed (or, with verifyData, also
        // decompressed).
        try (FileChannel ch = FileChannel.open(deb)) {
            size = ch.size();
            HashingInput file = new HashingInput(ch);
            byte[] magic = file.readNBytes(8);
            if (magic.length < 8 || !new String(magic, StandardCharsets.US_ASCII).equals("!<arch>\n")) {
                throw malformed(deb, "not an ar archive (no '!<arch>' magic)");
            }
            ArArchiveInputStream ar = new ArArchiveInputStream(new PrefixedStream(magic, file));
            int index = 0;
            ArArchiveEntry entry;
            while ((entry = nextEntry(ar, deb)) != null) {
                String name = entry.getName();
                // where this member's data ends, checked against the file size: a cut-off file is caught even when
                // the member is not decompressed
                long end = ar.getBytesRead() + entry.getLength();
                if (end > size) {
                    throw malformed(deb, "truncated: member '" + name + "' needs " + entry.getLength()
                            + " bytes but the file ends " + (end - size) + " bytes early");
                }
                if (index == 0) {
                    if (!name.equals("debian-binary")) {
                        throw malformed(deb, "first ar member is '" + name + "', not 'debian-binary'");
                    }
                    String v = new String(readMember(ar, entry, deb, 64), StandardCharsets.US_ASCII);
                    if (!v.startsWith("2.")) {
                        throw malformed(deb, "unsupported format version '" + v.strip() + "' in debian-binary");
                    }
                } else if (name.startsWith("control.tar")) {
                    controlMember = name;
                    byte[] bytes = readMember(ar, entry, deb, MAX_CONTROL);
                    control = parseControlTar(deb, name, bytes);
                } else if (name.startsWith("data.tar")) {
                    if (controlMember == null) {
                        throw malformed(deb, "no control.tar member before '" + name
                                + "' (missing control information)");
                    }
                    dataMember = name;
                    if (verifyData) {
                        BoundedStream member = new BoundedStream(ar, entry.getLength());
                        verifyDataTar(deb, name, member);
                        drain(member, entry, deb);
                    }
                    break; // data.tar is the last member dpkg reads
                }
                index++;
            }
            // the rest of the file (the data member, and anything after it) is hashed, not parsed
            long read = file.drain();
            if (read != size) {
                throw malformed(deb, "changed while it was read (" + read + " of " + size + " bytes)");
            }
            digests = file.digests();
        } catch (IOException e) {
            throw malformed(deb, "unreadable (" + oneLine(e) + ")");
        }
        if (controlMember == null) {
            throw malformed(deb, "no control.tar member (missing control information)");
        }
        if (dataMember == null) {
            throw malformed(deb, "no data.tar member");
        }
        for (String field : List.of("Package", "Version", "Architecture")) {
            String value = control.get(field);
            if (value == null || value.isBlank()) {
                throw malformed(deb, "control file has no " + field + " field");
            }
        }
        return new DebPackage(deb, size, digests[0], digests[1], control, controlMember, dataMember);
    }

    /** MD5 and SHA-256 of the whole file, read once in large blocks. */
    static String[] digest(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file)) {
            HashingInput in = new HashingInput(ch);
            in.drain();
            return in.digests();
        }
    }

    /**
     * The file as a stream, read from the channel in large blocks; each block is fed to MD5 and SHA-256 once, when it
     * is read (so the digests cover every byte exactly once, however the bytes are consumed or skipped).
     */
    private static final class HashingInput extends InputStream {
        private final FileChannel channel;
        private final MessageDigest md5 = copy(MD5);
        private final MessageDigest sha256 = copy(SHA256);
        private final byte[] buf = BUFFER.get();
        private final ByteBuffer bb = ByteBuffer.wrap(buf);
        private int pos;
        private int limit;
        private long total;

        HashingInput(FileChannel channel) {
            this.channel = channel;
        }

        private boolean fill() throws IOException {
            int n;
            do {
                n = channel.read(bb.clear());
            } while (n == 0);
            if (n < 0) {
                pos = limit = 0;
                return false;
            }
            md5.update(buf, 0, n);
            sha256.update(buf, 0, n);
            total += n;
            pos = 0;
            limit = n;
            return true;
        }

        @Override
        public int read() throws IOException {
            if (pos >= limit && !fill()) {
                return -1;
            }
            return buf[pos++] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (pos >= limit && !fill()) {
                return -1;
            }
            int n = Math.min(len, limit - pos);
            System.arraycopy(buf, pos, b, off, n);
            pos += n;
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = 0;
            while (skipped < n) {
                if (pos >= limit && !fill()) {
                    break;
                }
                int k = (int) Math.min(n - skipped, limit - pos);
                pos += k;
                skipped += k;
            }
            return skipped;
        }

        @Override
        public int available() {
            return limit - pos;
        }

        /** Read (and hash) the rest of the file; returns how many bytes the file had in all. */
        long drain() throws IOException {
            pos = limit;
            while (fill()) {
                pos = limit;
            }
            return total;
        }

        String[] digests() {
            HexFormat hex = HexFormat.of();
            return new String[] {hex.formatHex(md5.digest()), hex.formatHex(sha256.digest())};
        }
    }

    private static final MessageDigest MD5 = digest("MD5");
    private static final MessageDigest SHA256 = digest("SHA-256");

    private static MessageDigest copy(MessageDigest prototype) {
        try {
            return (MessageDigest) prototype.clone();
        } catch (CloneNotSupportedException e) {
            return digest(prototype.getAlgorithm());
        }
    }

    /** One 1 MiB read buffer per thread (an anonymous class, not a lambda: no lambda bootstrap on a cold JVM). */
    private static final ThreadLocal<byte[]> BUFFER = new ThreadLocal<>() {
        @Override
        protected byte[] initialValue() {
            return new byte[1 << 20];
        }
    };

    private static ArArchiveEntry nextEntry(ArArchiveInputStream ar, Path deb) throws PharosException {
        try {
            return ar.getNextEntry();
        } catch (IOException e) {
            throw malformed(deb, "truncated or corrupt ar member header (" + oneLine(e) + ")");
        }
    }

    private static byte[] readMember(ArArchiveInputStream ar, ArArchiveEntry entry, Path deb, int max)
            throws PharosException, IOException {
        if (entry.getLength() > max) {
            throw malformed(deb, "member '" + entry.getName() + "' is implausibly large (" + entry.getLength()
                    + " bytes)");
        }
        byte[] bytes = ar.readNBytes((int) entry.getLength());
        if (bytes.length != entry.getLength()) {
            throw malformed(deb, "truncated: member '" + entry.getName() + "' has " + bytes.length + " of "
                    + entry.getLength() + " bytes");
        }
        return bytes;
    }

    private static void drain(BoundedStream member, ArArchiveEntry entry, Path deb)
            throws PharosException, IOException {
        member.transferTo(OutputStream.nullOutputStream());
        if (member.left > 0) {
            throw malformed(deb, "truncated: member '" + entry.getName() + "' has " + (entry.getLength() - member.left)
                    + " of " + entry.getLength() + " bytes");
        }
    }

    private static DebControl parseControlTar(Path deb, String member, byte[] bytes) throws PharosException {
        try (InputStream decompressed = decompress(deb, member, new ByteArrayInputStream(bytes));
             TarArchiveInputStream tar = new TarArchiveInputStream(decompressed)) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                String name = e.getName();
                if (name.startsWith("./")) {
                    name = name.substring(2);
                }
                if (name.equals("control") && e.isFile()) {
                    String text = new String(tar.readAllBytes(), StandardCharsets.UTF_8);
                    try {
                        return DebControl.parse(text);
                    } catch (IllegalArgumentException bad) {
                        throw malformed(deb, "control file is not valid deb822: " + bad.getMessage());
                    }
                }
            }
        } catch (IOException e) {
            throw malformed(deb, "member '" + member + "' is not a readable tar (" + oneLine(e) + ")");
        }
        throw malformed(deb, "member '" + member + "' has no 'control' file (missing control information)");
    }

    private static void verifyDataTar(Path deb, String member, InputStream raw) throws PharosException {
        try (InputStream decompressed = decompress(deb, member, raw);
             TarArchiveInputStream tar = new TarArchiveInputStream(decompressed)) {
            while (tar.getNextEntry() != null) {
                tar.transferTo(OutputStream.nullOutputStream());
            }
        } catch (IOException e) {
            throw malformed(deb, "member '" + member + "' is corrupt (" + oneLine(e) + ")");
        }
    }

    private static InputStream decompress(Path deb, String member, InputStream in) throws PharosException,
            IOException {
        if (member.endsWith(".tar")) {
            return in;
        }
        if (member.endsWith(".gz")) {
            // the JDK's inflater: dpkg-deb writes single-member gzip, and a cold JVM already has these classes
            return new GZIPInputStream(in, 1 << 16);
        }
        if (member.endsWith(".xz")) {
            // dpkg-deb's default xz level has an 8 MiB dictionary: reuse the decoder's arrays across packages
            return new XZInputStream(in, -1, BasicArrayCache.getInstance());
        }
        if (member.endsWith(".zst")) {
            // zstd-jni's recycling pool: the decoder's buffers are reused across packages instead of allocated per member
            return new ZstdCompressorInputStream(in, RecyclingBufferPool.INSTANCE);
        }
        throw malformed(deb, "member '" + member + "' uses an unsupported compression (supported: none, gz, xz, zst)");
    }

    private static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " missing from the JDK", e);
        }
    }

    static PharosException malformed(Path deb, String what) {
        return new PharosException("Malformed .deb " + deb.getFileName() + ": " + what + " (" + deb + ")", null,
                "Rebuild or re-download the package; remove it from the inputs if it does not belong there.");
    }

    private static String oneLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.replaceAll("\\s*\\R\\s*", " ");
    }

    /** Re-serves bytes already read (the magic) before the rest of the stream. */
    private static final class PrefixedStream extends InputStream {
        private final byte[] prefix;
        private int pos;
        private final InputStream rest;

        PrefixedStream(byte[] prefix, InputStream rest) {
            this.prefix = prefix;
            this.rest = rest;
        }

        @Override
        public int read() throws IOException {
            return pos < prefix.length ? prefix[pos++] & 0xff : rest.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (pos < prefix.length) {
                int n = Math.min(len, prefix.length - pos);
                System.arraycopy(prefix, pos, b, off, n);
                pos += n;
                return n;
            }
            return rest.read(b, off, len);
        }
    }

    /** A view of at most {@code limit} bytes that does not close the underlying stream. */
    private static final class BoundedStream extends InputStream {
        private final InputStream in;
        private long left;

        BoundedStream(InputStream in, long limit) {
            this.in = in;
            this.left = limit;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            int b = in.read();
            if (b >= 0) {
                left--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }

        @Override
        public void close() {
        }
    }
}
