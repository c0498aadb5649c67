package ai.pharos.core.docker;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RunOwnerTest {
    private final RunOwner owner = new RunOwner("node1", 4242, 1_700_000_000_000L);

    @Test
    void labelRoundTripsAndNonsenseIsIgnored() {
        assertEquals("node1/4242/1700000000000", owner.label());
        assertEquals(Optional.of(owner), RunOwner.parse(owner.label()));
        assertEquals(Optional.empty(), RunOwner.parse(null));
        assertEquals(Optional.empty(), RunOwner.parse("true"));
        assertEquals(Optional.empty(), RunOwner.parse("node1/x/1"));
        assertEquals(Optional.empty(), RunOwner.parse("/1/2"));
    }

    @Test
    void goneOnlyWhenTheProcessOnThisHostIsGoneOrItsPidWasReused() {
        assertTrue(owner.isGone("node1", pid -> Optional.empty()), "no such process");
        assertTrue(owner.isGone("node1", pid -> Optional.of(1_800_000_000_000L)), "pid reused by a later process");
        assertFalse(owner.isGone("node1", pid -> Optional.of(1_700_000_000_000L)), "still running");
        assertFalse(owner.isGone("node2", pid -> Optional.empty()), "another host's process cannot be checked");
        assertFalse(new RunOwner("unknown", 4242, 0).isGone("unknown", pid -> Optional.empty()));
    }

    @Test
    void thisJvmIsAliveAndAnExitedProcessIsGone() throws Exception {
        assertFalse(RunOwner.current().isGoneHere());
        Process p = new ProcessBuilder("true").start();
        long start = p.info().startInstant().map(java.time.Instant::toEpochMilli).orElse(0L);
        p.waitFor();
        assertTrue(new RunOwner(RunOwner.current().host(), p.pid(), start).isGoneHere());
    }
}
