package ai.pharos.core.docker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class JUnitReportTest {

    @Test
    void oneTestCasePerCheckWithFailureMessagesCiServersRead(@TempDir Path dir) throws Exception {
        BuiltImage image = new BuiltImage("openmpi", "pharos/openmpi:1", List.of(), "sha256:ab", "fp", "/x");
        ImageTests.Report report = new ImageTests.Report(image, List.of(
                new ImageTests.Outcome("command test 'ring'", null, Duration.ofMillis(1500)),
                new ImageTests.Outcome("label a<b>", "is \"x & y\", expected \"z\"", Duration.ZERO)));

        Path file = JUnitReport.write(report, dir.resolve("reports"));

        assertEquals(dir.resolve("reports/TEST-openmpi.xml"), file);
        assertEquals(List.of(file), Files.list(dir.resolve("reports")).toList(), "no temp file left");
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile());
        Element suite = doc.getDocumentElement();
        assertEquals("testsuite", suite.getTagName());
        assertEquals("image openmpi", suite.getAttribute("name"));
        assertEquals("2", suite.getAttribute("tests"));
        assertEquals("1", suite.getAttribute("failures"));
        assertEquals("1.500", suite.getAttribute("time"));
        NodeList cases = suite.getElementsByTagName("testcase");
        assertEquals(2, cases.getLength());
        Element ok = (Element) cases.item(0);
        assertEquals("command test 'ring'", ok.getAttribute("name"));
        assertEquals("image.openmpi", ok.getAttribute("classname"));
        assertEquals(0, ok.getElementsByTagName("failure").getLength());
        Element failed = (Element) cases.item(1);
        assertEquals("label a<b>", failed.getAttribute("name"));
        Element failure = (Element) failed.getElementsByTagName("failure").item(0);
        assertEquals("is \"x & y\", expected \"z\"", failure.getAttribute("message"));
        assertEquals("is \"x & y\", expected \"z\"", failure.getTextContent());
        NodeList props = suite.getElementsByTagName("property");
        assertEquals("image.id", ((Element) props.item(1)).getAttribute("name"));
        assertEquals("sha256:ab", ((Element) props.item(1)).getAttribute("value"));
    }
}
