package ai.pharos.core.docker;

import ai.pharos.core.PharosException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BaseImageTest {
    @TempDir
    Path tmp;

    private BaseImage.Request request(BaseImage.Mode mode) {
        return new BaseImage.Request("debian:trixie", mode, "trixie", "http://deb.debian.org/debian", "minbase",
                List.of(), Instant.ofEpochSecond(1), tmp);
    }

    @Test
    void anExistingImageIsLeftAlone() throws Exception {
        FakeEngine engine = new FakeEngine();
        engine.add("debian:trixie", Map.of());
        RecordingConsole console = new RecordingConsole();
        assertEquals(BaseImage.Outcome.EXISTED, new BaseImage(engine, console).ensure(request(BaseImage.Mode.AUTO)));
        assertTrue(engine.imports.isEmpty());
        assertTrue(console.all().contains("exists"), console.all());
    }

    @Test
    void autoPullsWhenARegistryAnswers() throws Exception {
        FakeEngine engine = new FakeEngine();
        engine.registryReachable = true;
        assertEquals(BaseImage.Outcome.PULLED,
                new BaseImage(engine, new RecordingConsole()).ensure(request(BaseImage.Mode.AUTO)));
    }

    @Test
    void pullModeFailsWithTheFixWhenNoRegistryAnswers() {
        FakeEngine engine = new FakeEngine();
        PharosException e = assertThrows(PharosException.class,
                () -> new BaseImage(engine, new RecordingConsole()).ensure(request(BaseImage.Mode.PULL)));
        assertEquals("pharos.base.mode", e.option());
        assertTrue(e.fix().contains("debootstrap"), e.fix());
    }

    @Test
    void unknownModeIsRejected() {
        PharosException e = assertThrows(PharosException.class, () -> BaseImage.Mode.parse("download"));
        assertEquals("pharos.base.mode", e.option());
    }
}
