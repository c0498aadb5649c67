package ai.pharos.core.docker;

import ai.pharos.core.PharosException;
import ai.pharos.core.process.ProcessRunner;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class ToolCheckTest {

    /** Real output of the tools on Debian 12 (the versions the minimums are set from). */
    static final Map<String, String> DEBIAN12 = Map.of(
            "cmake", "cmake version 3.25.1\n\nCMake suite maintained and supported by Kitware (kitware.com/cmake).\n",
            "ninja", "1.11.1\n",
            "packer", "Packer v1.6.6\n",
            "qemu-system-x86_64", "QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)\n"
                    + "Copyright (c) 2003-2022 Fabrice Bellard and the QEMU Project developers\n",
            "mksquashfs", "mksquashfs version 4.5.1 (2022/03/17)\n"
                    + "copyright (C) 2022 Phillip Lougher <phillip@squashfs.org.uk>\n\n"
                    + "This program is free software; you can redistribute it and/or\n",
            "siftool", "Version:  unknown\nRuntime:  go1.19.8 (linux/amd64)\nSpec:     01\n",
            "debootstrap", "debootstrap 1.0.128+nmu2+deb12u2\n");

    /** A fake executor answering from a map keyed by argv[0]; absent tools exit 127 like a shell. */
    static ToolCheck.Executor fake(Map<String, String> outputs) {
        return argv -> outputs.containsKey(argv.get(0))
                ? new ToolCheck.Output(0, outputs.get(argv.get(0)))
                : new ToolCheck.Output(127, "sh: 1: " + argv.get(0) + ": not found\n");
    }

    @Test
    void debian12PassesWithTheVersionsItPrints() throws PharosException {
        List<ToolCheck.Row> rows = ToolCheck.check(ToolCheck.defaultTools(), fake(DEBIAN12));
        Map<String, String> found = new HashMap<>();
        for (ToolCheck.Row r : rows) {
            assertTrue(r.ok(), r.toString());
            found.put(r.name(), r.found());
        }
        assertEquals(Map.of("cmake", "3.25.1", "ninja", "1.11.1", "packer", "1.6.6", "qemu-system-x86_64", "7.2.22",
                "mksquashfs", "4.5.1", "siftool", "unknown", "debootstrap", "1.0.128"), found);
        ToolCheck.requireAll(rows, "pharos-dev:latest");
    }

    @Test
    void versionComparison() {
        assertEquals(0, ToolCheck.compareVersions("7.2", "7.2.0"));
        assertTrue(ToolCheck.compareVersions("7.2+dfsg-7", "7.2") == 0);
        assertTrue(ToolCheck.compareVersions("1:7.2+dfsg-7", "7.1.9") > 0, "epoch ignored");
        assertTrue(ToolCheck.compareVersions("1.0.128+nmu2+deb12u2", "1.0.128") == 0);
        assertTrue(ToolCheck.compareVersions("1.0.127", "1.0.128") < 0);
        assertTrue(ToolCheck.compareVersions("4.6.1", "4.5") > 0);
        assertTrue(ToolCheck.compareVersions("4.10", "4.9") > 0, "numeric, not lexical");
        assertTrue(ToolCheck.compareVersions("v1.6.6", "1.6.6") == 0);
        assertTrue(ToolCheck.compareVersions("1.5.99", "1.6.6") < 0);
        assertTrue(ToolCheck.compareVersions("1.41", "1.41") == 0);
        assertTrue(ToolCheck.compareVersions("1.40", "1.41") < 0);
    }

    @Test
    void failureNamesEveryToolThatFallsShortAndTheTableShowsAll() throws PharosException {
        Map<String, String> out = new HashMap<>(DEBIAN12);
        out.remove("ninja");
        out.put("packer", "Packer v1.5.0\n");
        out.put("mksquashfs", "mksquashfs version 4.4 (2019/08/29)\n");
        out.put("cmake", "something unexpected\n");
        List<ToolCheck.Row> rows = new ArrayList<>();
        rows.add(ToolCheck.engineRow("1.40", ToolCheck.ENGINE_API_MINIMUM));
        rows.addAll(ToolCheck.check(ToolCheck.defaultTools(), fake(out)));

        List<String> table = ToolCheck.table(rows);
        assertEquals(List.of(
                "tool               | found   | required   | status",
                "------------------ | ------- | ---------- | ------------------",
                "docker engine API  | 1.40    | >= 1.41    | too old",
                "cmake              | ?       | >= 3.25    | version unreadable",
                "ninja              | -       | >= 1.11    | missing",
                "packer             | 1.5.0   | >= 1.6.6   | too old",
                "qemu-system-x86_64 | 7.2.22  | >= 7.2     | ok",
                "mksquashfs         | 4.4     | >= 4.5     | too old",
                "siftool            | unknown | any        | ok",
                "debootstrap        | 1.0.128 | >= 1.0.128 | ok"), table);

        PharosException e = assertThrows(PharosException.class, () -> ToolCheck.requireAll(rows, "pharos-dev:latest"));
        assertEquals("Tools missing or too old in pharos-dev:latest: docker engine API 1.40 (need >= 1.41), "
                + "cmake version unreadable (need >= 3.25), ninja missing, packer 1.5.0 (need >= 1.6.6), "
                + "mksquashfs 4.4 (need >= 4.5)", e.getMessage());
        assertTrue(e.fix().contains("Rebuild the dev container"), e.fix());
        assertFalse(e.getMessage().contains("qemu"));
    }

    @Test
    void missingEngineVersionIsARow() {
        assertEquals(ToolCheck.Status.MISSING, ToolCheck.engineRow(null, "1.41").status());
        assertEquals(ToolCheck.Status.OK, ToolCheck.engineRow("1.43", "1.41").status());
    }

    /** The same check against the tools installed on this machine (CI installs them; skipped where absent). */
    @Test
    void realToolsOnThisHost() throws PharosException {
        List<ToolCheck.Tool> present = new ArrayList<>();
        for (ToolCheck.Tool t : ToolCheck.defaultTools()) {
            if (ProcessRunner.which(t.versionCommand().get(0)).isPresent()) {
                present.add(t);
            }
        }
        assumeTrue(!present.isEmpty(), "none of the checked tools is installed on this host");
        ToolCheck.Executor host = argv -> {
            StringBuilder text = new StringBuilder();
            ProcessRunner.Result r = ProcessRunner.run(argv, null, Map.of(), s -> text.append(s).append('\n'),
                    s -> text.append(s).append('\n'));
            return new ToolCheck.Output(r.exitCode(), text.toString());
        };
        for (ToolCheck.Row row : ToolCheck.check(present, host)) {
            assertTrue(row.ok(), "host tool below the minimum (or unparseable output): " + row);
        }
    }
}
