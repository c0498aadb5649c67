package ai.pharos.core.sif;

import ai.pharos.core.PharosException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SquashfsToolsTest {

    /** A tool whose version check passes or fails. */
    record Fake(String name, String failure) implements SquashfsTool {
        @Override
        public String version() throws PharosException {
            if (failure != null) {
                throw new PharosException(failure, "pharos.sif.backend", "fix");
            }
            return "4.6";
        }

        @Override
        public Process start(List<String> arguments, Map<String, String> environment) {
            throw new UnsupportedOperationException();
        }

        @Override
        public String describe() {
            return name;
        }
    }

    private final SifConverterTest.Recording console = new SifConverterTest.Recording();
    private final Fake host = new Fake("host tool", null);
    private final Fake dev = new Fake("dev tool", null);

    @Test
    void autoPrefersAUsableHostToolAndSaysWhichIsUsed() throws Exception {
        assertSame(host, SquashfsTools.select(SquashfsTools.Where.AUTO, Optional.of(host), () -> dev, console));
        assertEquals(List.of("Using host tool"), console.lines);
    }

    @Test
    void autoFallsBackToTheDevContainerWhenTheHostHasNoneOrAnOldOne() throws Exception {
        assertSame(dev, SquashfsTools.select(SquashfsTools.Where.AUTO, Optional.empty(), () -> dev, console));
        assertSame(dev, SquashfsTools.select(SquashfsTools.Where.AUTO,
                Optional.of(new Fake("old", "/usr/bin/mksquashfs is squashfs-tools 4.4")), () -> dev, console));
        assertEquals(List.of("mksquashfs: no mksquashfs on the host's PATH; using the dev container's",
                "Using dev tool", "mksquashfs: /usr/bin/mksquashfs is squashfs-tools 4.4; using the dev container's",
                "Using dev tool"), console.lines);
    }

    @Test
    void forcedChoicesAreHonouredAndAMissingHostToolIsAnActionableError() throws Exception {
        assertSame(dev, SquashfsTools.select(SquashfsTools.Where.DEV_CONTAINER, Optional.of(host), () -> dev, console));
        assertSame(host, SquashfsTools.select(SquashfsTools.Where.HOST, Optional.of(host), () -> dev, console));
        PharosException e = assertThrows(PharosException.class, () -> SquashfsTools.select(SquashfsTools.Where.HOST,
                Optional.empty(), () -> dev, console));
        assertEquals("pharos.sif.mksquashfs", e.option());
        assertThrows(PharosException.class, () -> SquashfsTools.select(SquashfsTools.Where.HOST,
                Optional.of(new Fake("old", "too old")), () -> dev, console));
    }

    @Test
    void parsesTheProperty() throws Exception {
        assertEquals(SquashfsTools.Where.DEV_CONTAINER, SquashfsTools.Where.parse("dev-container"));
        assertEquals(SquashfsTools.Where.HOST, SquashfsTools.Where.parse(" Host "));
        PharosException e = assertThrows(PharosException.class, () -> SquashfsTools.Where.parse("cloud"));
        assertTrue(e.getMessage().contains("'cloud'"), e.getMessage());
    }
}
