package ai.pharos.core.deb;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DebVersionTest {
    @Test
    void ordersLikeDpkg() {
        List<String> ascending = List.of("8.3.1~rc1", "8.3.1", "8.3.1+b1", "8.3.1+b2", "8.3.1+b10", "8.3.2",
                "8.10", "1:0.1", "20:7.4.7", "20:8.3.1~1", "20:8.3.1", "20:8.3.1+b42");
        for (int i = 0; i < ascending.size(); i++) {
            for (int j = 0; j < ascending.size(); j++) {
                int c = DebVersion.compare(ascending.get(i), ascending.get(j));
                assertEquals(Integer.signum(Integer.compare(i, j)), Integer.signum(c),
                        ascending.get(i) + " vs " + ascending.get(j));
            }
        }
        assertTrue(DebVersion.compare("1.0-1", "1.0-1~bpo1") > 0);
        assertTrue(DebVersion.compare("1.0a", "1.0+") < 0);
        assertEquals(0, DebVersion.compare("0:1.0", "1.0"));
        assertEquals("8.3.1", DebVersion.withoutEpoch("20:8.3.1"));
    }
}
