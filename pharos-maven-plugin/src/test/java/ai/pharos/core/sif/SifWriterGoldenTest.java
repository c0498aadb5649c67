package ai.pharos.core.sif;

import ai.pharos.core.sif.SifWriter.DataType;
import ai.pharos.core.sif.SifWriter.FsType;
import ai.pharos.core.sif.SifWriter.ObjectSpec;
import ai.pharos.core.sif.SifWriter.Options;
import ai.pharos.core.sif.SifWriter.PartType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

/** The writer reproduces every golden SIF of {@code ../shared/testdata/sif} byte for byte (inputs per its README). */
class SifWriterGoldenTest {

    @TempDir
    Path tmp;

    private interface Body {
        void write(SifWriter w) throws IOException;
    }

    private void check(String golden, Options options, Body body) throws IOException {
        Path expected = SharedTestData.require("testdata/sif/" + golden);
        Path out = tmp.resolve(golden);
        try (SifWriter w = SifWriter.create(out, options)) {
            body.write(w);
            w.finish();
        }
        byte[] want = Files.readAllBytes(expected);
        byte[] got = Files.readAllBytes(out);
        if (!Arrays.equals(want, got)) {
            int i = Arrays.mismatch(want, got);
            fail(golden + ": first difference at byte " + i + " (expected length " + want.length + ", got "
                    + got.length + ")");
        }
    }

    private static Options det() {
        return Options.deterministic("");
    }

    @Test
    void empty() throws IOException {
        check("empty.sif", det(), w -> { });
    }

    @Test
    void emptyWithId() throws IOException {
        check("empty-id.sif", det().withId(UUID.fromString("3fa802cc-358b-45e3-bcc0-69dc7a45f9f8")), w -> { });
    }

    @Test
    void emptyWithLaunchScript() throws IOException {
        check("empty-launch-script.sif", Options.deterministic("#!/usr/bin/env run-script\n"), w -> { });
    }

    @Test
    void oneGenericJsonObject() throws IOException {
        check("one-object-generic-json.sif", det(),
                w -> w.add(ObjectSpec.of(DataType.GENERIC_JSON, "data.json"), "{}".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void oneObjectWithTime() throws IOException {
        long t = Instant.parse("2020-06-30T00:01:56Z").getEpochSecond();
        check("one-object-time.sif", det().withTime(t),
                w -> w.add(ObjectSpec.of(DataType.GENERIC_JSON, "data.json"), "{}".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void oneGroup() throws IOException {
        Path squash = SharedTestData.require("testdata/sif/root.squashfs");
        check("one-group.sif", det(), w -> {
            w.add(ObjectSpec.partition(FsType.RAW, PartType.SYSTEM, "386"),
                    new byte[] {(byte) 0xfa, (byte) 0xce, (byte) 0xfe, (byte) 0xed});
            try (InputStream in = Files.newInputStream(squash)) {
                w.add(ObjectSpec.partition(FsType.SQUASHFS, PartType.PRIMARY_SYSTEM, "386"), in);
            }
        });
    }

    @Test
    void twoGroups() throws IOException {
        Path squash = SharedTestData.require("testdata/sif/root.squashfs");
        Path ext3 = SharedTestData.require("testdata/sif/root.ext3");
        check("two-groups.sif", det(), w -> {
            w.add(ObjectSpec.partition(FsType.RAW, PartType.SYSTEM, "386"),
                    new byte[] {(byte) 0xfa, (byte) 0xce, (byte) 0xfe, (byte) 0xed});
            try (InputStream in = Files.newInputStream(squash)) {
                w.add(ObjectSpec.partition(FsType.SQUASHFS, PartType.PRIMARY_SYSTEM, "386"), in);
            }
            try (InputStream in = Files.newInputStream(ext3)) {
                w.add(ObjectSpec.partition(FsType.EXT3, PartType.SYSTEM, "amd64").inGroup(2), in);
            }
        });
    }

    @Test
    void secondPrimaryPartitionIsRefused() throws IOException {
        try (SifWriter w = SifWriter.create(tmp.resolve("x.sif"), det())) {
            w.add(ObjectSpec.partition(FsType.SQUASHFS, PartType.PRIMARY_SYSTEM, "amd64"), new byte[4]);
            assertThrows(IllegalStateException.class,
                    () -> w.add(ObjectSpec.partition(FsType.SQUASHFS, PartType.PRIMARY_SYSTEM, "amd64"), new byte[4]));
        }
    }

    @Test
    void linkedIdsAndRealModeHeader() throws IOException {
        Path out = tmp.resolve("linked.sif");
        UUID id = UUID.randomUUID();
        try (SifWriter w = SifWriter.create(out, Options.now(SifWriter.APPTAINER_LAUNCH_SCRIPT).withId(id))) {
            int first = w.add(ObjectSpec.of(DataType.GENERIC_JSON, "a.json"), new byte[] {'{', '}'});
            w.add(ObjectSpec.of(DataType.GENERIC, "sig").linkedTo(first), new byte[] {1});
            w.add(ObjectSpec.of(DataType.GENERIC, "grp").linkedTo(SifWriter.linkedGroup(1)), new byte[] {2});
            w.finish();
        }
        byte[] b = Files.readAllBytes(out);
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        assertEquals(SifWriter.APPTAINER_LAUNCH_SCRIPT,
                new String(b, 0, SifWriter.APPTAINER_LAUNCH_SCRIPT.length(), StandardCharsets.US_ASCII));
        assertEquals(id, new UUID(java.nio.ByteBuffer.wrap(b, 48, 8).getLong(), java.nio.ByteBuffer.wrap(b, 56, 8).getLong()));
        long now = Instant.now().getEpochSecond();
        org.junit.jupiter.api.Assertions.assertTrue(Math.abs(bb.getLong(64) - now) < 120, "created is now");
        assertEquals(45, bb.getLong(80), "free descriptors");
        assertEquals(1, bb.getInt(4096 + 585 + 13), "linked to object 1");
        assertEquals(0xF0000001, bb.getInt(4096 + 2 * 585 + 13), "linked to group 1");
        assertEquals(32176 + 4, b.length);
    }
}
