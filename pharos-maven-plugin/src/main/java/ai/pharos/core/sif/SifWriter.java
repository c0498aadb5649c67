package ai.pharos.core.sif;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * Writes a SIF (Singularity Image Format v1) container, streaming each object's data into the file (nothing is held
 * in memory beyond a copy buffer). Layout: 128-byte global header, zeros up to the descriptor table at 4096, the
 * descriptor table ({@code capacity} × 585 bytes), then the objects in the order they are added; partitions start on
 * a 4096-byte boundary, other objects are packed, gaps are zero bytes. The header and descriptors are written by
 * {@link #finish()}.
 *
 * <p>An object's data may also already be in the file ({@link #addWritten}): the converter lets mksquashfs write
 * the squashfs straight at the partition offset ({@link #nextOffset}) so the image is never copied.
 */
public final class SifWriter implements Closeable {

    public static final int DESCRIPTOR_SIZE = 585;
    public static final int HEADER_SIZE = 128;
    public static final long DESCRIPTORS_OFFSET = 4096;
    public static final int DEFAULT_CAPACITY = 48;
    /** Go's zero time ({@code time.Time{}.Unix()}), used by the reference implementation in deterministic mode. */
    public static final long DETERMINISTIC_TIME = -62135596800L;
    /** Launch script apptainer writes. */
    public static final String APPTAINER_LAUNCH_SCRIPT = "#!/usr/bin/env run-singularity\n";
    static final int GROUP_MASK = 0xF0000000;
    private static final int LAUNCH_LEN = 32;
    private static final int NAME_LEN = 128;
    private static final int EXTRA_LEN = 384;

    /**
     * Container-wide settings.
     *
     * @param launchScript shebang-like launch script (< 32 bytes), or empty
     * @param id           the container UUID ({@code new UUID(0, 0)} in deterministic mode)
     * @param time         creation/modification time in unix seconds for the header and every object
     * @param capacity     number of descriptor slots
     */
    public record Options(String launchScript, UUID id, long time, int capacity) {
        public Options {
            Objects.requireNonNull(launchScript, "launchScript");
            Objects.requireNonNull(id, "id");
            if (launchScript.getBytes(StandardCharsets.UTF_8).length >= LAUNCH_LEN) {
                throw new IllegalArgumentException("launch script longer than 31 bytes");
            }
            if (capacity < 1) {
                throw new IllegalArgumentException("capacity < 1");
            }
        }

        /** Reproducible: nil UUID, Go zero time, 48 slots. */
        public static Options deterministic(String launchScript) {
            return new Options(launchScript, new UUID(0, 0), DETERMINISTIC_TIME, DEFAULT_CAPACITY);
        }

        /** A fresh container: random UUID, the current time, 48 slots. */
        public static Options now(String launchScript) {
            return new Options(launchScript, UUID.randomUUID(), Instant.now().getEpochSecond(), DEFAULT_CAPACITY);
        }

        public Options withId(UUID newId) {
            return new Options(launchScript, newId, time, capacity);
        }

        public Options withTime(long newTime) {
            return new Options(launchScript, id, newTime, capacity);
        }
    }

    /** SIF data types. */
    public enum DataType {
        DEFFILE(0x4001), ENV_VARS(0x4002), LABELS(0x4003), PARTITION(0x4004), SIGNATURE(0x4005),
        GENERIC_JSON(0x4006), GENERIC(0x4007), CRYPTO_MESSAGE(0x4008), SBOM(0x4009);

        final int code;

        DataType(int code) {
            this.code = code;
        }

        public int code() {
            return code;
        }
    }

    /** Partition filesystem types. */
    public enum FsType {
        SQUASHFS(1), EXT3(2), IMMUTABLE_OBJECTS(3), RAW(4);
        final int code;

        FsType(int code) {
            this.code = code;
        }
    }

    /** Partition types. */
    public enum PartType {
        SYSTEM(1), PRIMARY_SYSTEM(2), DATA(3), OVERLAY(4);
        final int code;

        PartType(int code) {
            this.code = code;
        }
    }

    /**
     * One data object to add.
     *
     * @param type      data type
     * @param name      object name (< 128 bytes UTF-8), may be empty
     * @param groupId   group (1 is the default group), 0 for no group
     * @param linkedId  0 for none, else an object ID; use {@link #linkedGroup(int)} to link to a group
     * @param alignment data alignment in bytes (1: packed)
     * @param extra     type-specific metadata (≤ 384 bytes), e.g. {@link #partitionExtra}
     * @param time      object time in unix seconds, or null to use the container's time
     */
    public record ObjectSpec(DataType type, String name, int groupId, int linkedId, int alignment, byte[] extra,
                             Long time) {
        public ObjectSpec {
            Objects.requireNonNull(type, "type");
            name = name == null ? "" : name;
            extra = extra == null ? new byte[0] : extra;
            if (name.getBytes(StandardCharsets.UTF_8).length > NAME_LEN) {
                throw new IllegalArgumentException("object name longer than 128 bytes: " + name);
            }
            if (extra.length > EXTRA_LEN) {
                throw new IllegalArgumentException("extra longer than 384 bytes");
            }
            if (alignment < 1) {
                throw new IllegalArgumentException("alignment < 1");
            }
        }

        /** A packed object of {@code type} in group 1. */
        public static ObjectSpec of(DataType type, String name) {
            return new ObjectSpec(type, name, 1, 0, 1, null, null);
        }

        /** A partition (aligned to 4096) in group 1. */
        public static ObjectSpec partition(FsType fs, PartType part, String goArch) {
            return new ObjectSpec(DataType.PARTITION, "", 1, 0, 4096, partitionExtra(fs, part, goArch), null);
        }

        public ObjectSpec inGroup(int group) {
            return new ObjectSpec(type, name, group, linkedId, alignment, extra, time);
        }

        public ObjectSpec linkedTo(int id) {
            return new ObjectSpec(type, name, groupId, id, alignment, extra, time);
        }

        public ObjectSpec at(long unixTime) {
            return new ObjectSpec(type, name, groupId, linkedId, alignment, extra, unixTime);
        }

        public ObjectSpec named(String newName) {
            return new ObjectSpec(type, newName, groupId, linkedId, alignment, extra, time);
        }
    }

    /** Value of a linked ID that links an object to a whole group. */
    public static int linkedGroup(int groupId) {
        return groupId | GROUP_MASK;
    }

    /** The partition "extra" field: fs type, partition type, arch code (two ASCII digits + NUL). */
    public static byte[] partitionExtra(FsType fs, PartType part, String goArch) {
        ByteBuffer b = ByteBuffer.allocate(11).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(fs.code).putInt(part.code).put(archCode(goArch));
        return b.array();
    }

    /** The 3-byte SIF arch code of a Go/OCI architecture name, e.g. {@code amd64} → {@code "02\0"}. */
    public static byte[] archCode(String goArch) {
        String code = switch (goArch) {
            case "386" -> "01";
            case "amd64" -> "02";
            case "arm" -> "03";
            case "arm64" -> "04";
            case "ppc64" -> "05";
            case "ppc64le" -> "06";
            case "mips" -> "07";
            case "mipsle" -> "08";
            case "mips64" -> "09";
            case "mips64le" -> "10";
            case "s390x" -> "11";
            case "riscv64" -> "12";
            default -> throw new IllegalArgumentException("architecture not representable in SIF: " + goArch);
        };
        return new byte[] {(byte) code.charAt(0), (byte) code.charAt(1), 0};
    }

    /** Whether {@code goArch} has a SIF arch code. */
    public static boolean isKnownArch(String goArch) {
        try {
            archCode(goArch);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private record Written(ObjectSpec spec, int id, long offset, long size, long sizeWithPadding) {
    }

    private final FileChannel channel;
    private final Options options;
    private final List<Written> objects = new ArrayList<>();
    private final long dataOffset;
    private long end;
    private byte[] headerArch = {'0', '0', 0};
    private boolean primaryPartition;
    private boolean finished;

    private SifWriter(FileChannel channel, Options options) {
        this.channel = channel;
        this.options = options;
        this.dataOffset = DESCRIPTORS_OFFSET + (long) options.capacity() * DESCRIPTOR_SIZE;
        this.end = dataOffset;
    }

    /** Create (or truncate) {@code file} and start a container. */
    public static SifWriter create(Path file, Options options) throws IOException {
        return new SifWriter(FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.READ), options);
    }

    /**
     * Open {@code file} without truncating it: for containers whose big object was already written at
     * {@link #nextOffset} by another program. Every byte before that object is (re)written by this writer.
     */
    public static SifWriter openExisting(Path file, Options options) throws IOException {
        return new SifWriter(FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.READ), options);
    }

    /** Offset of the data section (end of the descriptor table). */
    public long dataOffset() {
        return dataOffset;
    }

    /** Where an object of {@code spec} added now would start. */
    public long nextOffset(ObjectSpec spec) {
        return align(end, spec.alignment());
    }

    /** Offset of the data section for {@code capacity} descriptors. */
    public static long dataOffset(int capacity) {
        return DESCRIPTORS_OFFSET + (long) capacity * DESCRIPTOR_SIZE;
    }

    /** Next aligned offset at or after {@code offset}. */
    public static long align(long offset, int alignment) {
        long rem = offset % alignment;
        return rem == 0 ? offset : offset + alignment - rem;
    }

    /** Add an object with the bytes of {@code data}; returns its ID. */
    public int add(ObjectSpec spec, byte[] data) throws IOException {
        return add(spec, new java.io.ByteArrayInputStream(data));
    }

    /** Add an object streaming {@code data} to its end; returns its ID. */
    public int add(ObjectSpec spec, InputStream data) throws IOException {
        int id = checkSlot(spec);
        long start = nextOffset(spec);
        writeZeros(end, start - end);
        long pos = start;
        byte[] buffer = new byte[1 << 20];
        ByteBuffer bb = ByteBuffer.wrap(buffer);
        int n;
        while ((n = data.read(buffer)) >= 0) {
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedIOException("SIF writing interrupted");
            }
            bb.clear().limit(n);
            while (bb.hasRemaining()) {
                pos += channel.write(bb, pos);
            }
        }
        record(spec, id, start, pos - start);
        return id;
    }

    /**
     * Declare an object whose {@code size} bytes were already written at {@link #nextOffset(ObjectSpec)} by someone
     * else (e.g. {@code mksquashfs -o}); returns its ID.
     */
    public int addWritten(ObjectSpec spec, long offset, long size) throws IOException {
        int id = checkSlot(spec);
        long start = nextOffset(spec);
        if (offset != start) {
            throw new IllegalStateException("object written at " + offset + " but it must start at " + start);
        }
        writeZeros(end, start - end);
        record(spec, id, start, size);
        return id;
    }

    private int checkSlot(ObjectSpec spec) {
        if (finished) {
            throw new IllegalStateException("SIF already finished");
        }
        if (objects.size() >= options.capacity()) {
            throw new IllegalStateException("no free descriptor slot (capacity " + options.capacity() + ")");
        }
        if (isPrimary(spec)) {
            if (primaryPartition) {
                throw new IllegalStateException("the container already has a primary system partition");
            }
        }
        return objects.size() + 1;
    }

    private static boolean isPrimary(ObjectSpec spec) {
        if (spec.type() != DataType.PARTITION || spec.extra().length < 11) {
            return false;
        }
        int part = ByteBuffer.wrap(spec.extra(), 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        return part == PartType.PRIMARY_SYSTEM.code;
    }

    private void record(ObjectSpec spec, int id, long start, long size) {
        if (isPrimary(spec)) {
            primaryPartition = true;
            headerArch = new byte[] {spec.extra()[8], spec.extra()[9], spec.extra()[10]};
        }
        objects.add(new Written(spec, id, start, size, start - end + size));
        end = start + size;
    }

    private void writeZeros(long from, long count) throws IOException {
        ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(Math.max(count, 0), 1 << 16));
        long pos = from;
        long left = count;
        while (left > 0) {
            zeros.clear().limit((int) Math.min(left, zeros.capacity()));
            int n = channel.write(zeros, pos);
            pos += n;
            left -= n;
        }
    }

    /** Write the header and the descriptor table, trim the file to the end of the last object, and close. */
    public void finish() throws IOException {
        if (finished) {
            return;
        }
        ByteBuffer h = ByteBuffer.allocate((int) DESCRIPTORS_OFFSET).order(ByteOrder.LITTLE_ENDIAN);
        h.put(padded(options.launchScript().getBytes(StandardCharsets.UTF_8), LAUNCH_LEN));
        h.put("SIF_MAGIC\0".getBytes(StandardCharsets.US_ASCII));
        h.put("01\0".getBytes(StandardCharsets.US_ASCII));
        h.put(headerArch);
        h.order(ByteOrder.BIG_ENDIAN).putLong(options.id().getMostSignificantBits())
                .putLong(options.id().getLeastSignificantBits()).order(ByteOrder.LITTLE_ENDIAN);
        h.putLong(options.time());
        h.putLong(options.time());
        h.putLong(options.capacity() - objects.size());
        h.putLong(options.capacity());
        h.putLong(DESCRIPTORS_OFFSET);
        h.putLong((long) options.capacity() * DESCRIPTOR_SIZE);
        h.putLong(dataOffset);
        h.putLong(end - dataOffset);
        h.clear();
        writeFully(h, 0);

        ByteBuffer table = ByteBuffer.allocate(options.capacity() * DESCRIPTOR_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        for (Written w : objects) {
            ObjectSpec s = w.spec();
            long t = s.time() != null ? s.time() : options.time();
            table.position((w.id() - 1) * DESCRIPTOR_SIZE);
            table.putInt(s.type().code);
            table.put((byte) 1);
            table.putInt(w.id());
            table.putInt(s.groupId() | GROUP_MASK);
            table.putInt(s.linkedId());
            table.putLong(w.offset());
            table.putLong(w.size());
            table.putLong(w.sizeWithPadding());
            table.putLong(t);
            table.putLong(t);
            table.putLong(0);
            table.putLong(0);
            table.put(padded(s.name().getBytes(StandardCharsets.UTF_8), NAME_LEN));
            table.put(padded(s.extra(), EXTRA_LEN));
        }
        table.clear();
        writeFully(table, DESCRIPTORS_OFFSET);
        channel.truncate(end);
        // no fsync, like every other artifact Pharos writes (.debs, the apt repository, VM images) and Maven's own
        // outputs: the temporary file + rename already keeps an interrupted run from leaving a SIF; after a power loss
        // the up-to-date record (size and mtime) no longer matches a file whose data never reached the disk.
        // docs/decisions.md
        finished = true;
        channel.close();
    }

    private void writeFully(ByteBuffer b, long pos) throws IOException {
        long p = pos;
        while (b.hasRemaining()) {
            p += channel.write(b, p);
        }
    }

    private static byte[] padded(byte[] b, int len) {
        byte[] out = new byte[len];
        System.arraycopy(b, 0, out, 0, Math.min(b.length, len));
        return out;
    }

    /** Closes the file; without {@link #finish()} the file is not a valid SIF (the caller deletes it). */
    @Override
    public void close() throws IOException {
        channel.close();
    }
}
