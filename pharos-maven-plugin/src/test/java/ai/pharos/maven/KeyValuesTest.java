package ai.pharos.maven;

import ai.pharos.core.PharosException;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Map parameters: the POM's map, overridden key by key by the -D K=V list. */
class KeyValuesTest {
    @Test
    void theCommandLineOverridesThePomKeyByKeyAndAnEmptyElementIsAnEmptyValue() throws Exception {
        Map<String, String> pom = new HashMap<>();
        pom.put("A", "pom");
        pom.put("EMPTY", null); // <EMPTY></EMPTY>
        pom.put("B", "pom");
        Map<String, String> merged = KeyValues.merge(pom, Arrays.asList("B=cli=with=equals", "C=", " ", null),
                "pharos.build.args");
        assertEquals(Map.of("A", "pom", "EMPTY", "", "B", "cli=with=equals", "C", ""), merged);
        assertEquals(Map.of("X", "1"), KeyValues.merge(null, List.of("X=1"), "pharos.build.args"));
        assertEquals(Map.of(), KeyValues.merge(null, null, "pharos.build.args"));
    }

    @Test
    void anEntryWithoutAKeyNamesThePropertyAndTheForm() {
        PharosException e = assertThrows(PharosException.class,
                () -> KeyValues.merge(Map.of(), List.of("=1"), "pharos.build.labels"));
        assertEquals("'=1' is not of the form KEY=VALUE", e.getMessage());
        assertEquals("Write -Dpharos.build.labels=KEY=VALUE[,KEY2=VALUE2].", e.fix());
    }
}
