package ai.pharos.core.docker;

import ai.pharos.core.PharosException;

import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Locale;

/**
 * The outcome of one image's container tests as a JUnit XML report ({@code TEST-<name>.xml}), the format CI servers
 * (Jenkins, GitLab, GitHub annotations) read from Surefire. One test case per check; a failed check carries its
 * message. Written atomically.
 */
public final class JUnitReport {
    private JUnitReport() {
    }

    /** Write {@code report} to {@code directory/TEST-<image name>.xml}; returns the file. */
    public static Path write(ImageTests.Report report, Path directory) throws PharosException {
        String name = report.image().name();
        Path target = directory.resolve("TEST-" + name + ".xml");
        try {
            Files.createDirectories(directory);
            Path tmp = Files.createTempFile(directory, ".TEST-" + name, ".tmp");
            try {
                try (OutputStream out = Files.newOutputStream(tmp)) {
                    XMLStreamWriter xml = XMLOutputFactory.newFactory().createXMLStreamWriter(out, "UTF-8");
                    xml.writeStartDocument("UTF-8", "1.0");
                    xml.writeCharacters("\n");
                    xml.writeStartElement("testsuite");
                    xml.writeAttribute("name", "image " + name);
                    xml.writeAttribute("tests", Integer.toString(report.outcomes().size()));
                    xml.writeAttribute("failures", Integer.toString(report.failures().size()));
                    xml.writeAttribute("errors", "0");
                    xml.writeAttribute("skipped", "0");
                    xml.writeAttribute("time", seconds(report.outcomes().stream().map(ImageTests.Outcome::took)
                            .reduce(Duration.ZERO, Duration::plus)));
                    xml.writeCharacters("\n  ");
                    xml.writeStartElement("properties");
                    property(xml, "image.reference", report.image().reference());
                    property(xml, "image.id", report.image().id());
                    xml.writeEndElement();
                    for (ImageTests.Outcome o : report.outcomes()) {
                        xml.writeCharacters("\n  ");
                        xml.writeStartElement("testcase");
                        xml.writeAttribute("classname", "image." + name);
                        xml.writeAttribute("name", o.check());
                        xml.writeAttribute("time", seconds(o.took()));
                        if (!o.passed()) {
                            xml.writeStartElement("failure");
                            xml.writeAttribute("message", o.failure());
                            xml.writeAttribute("type", "ContainerCheckFailed");
                            xml.writeCharacters(o.failure());
                            xml.writeEndElement();
                        }
                        xml.writeEndElement();
                    }
                    xml.writeCharacters("\n");
                    xml.writeEndElement();
                    xml.writeCharacters("\n");
                    xml.writeEndDocument();
                    xml.close();
                }
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
            return target;
        } catch (IOException | XMLStreamException e) {
            throw new PharosException("Cannot write the test report " + target + ": " + e.getMessage(), null,
                    "Check that the build directory is writable.", e);
        }
    }

    private static void property(XMLStreamWriter xml, String name, String value) throws XMLStreamException {
        xml.writeCharacters("\n    ");
        xml.writeEmptyElement("property");
        xml.writeAttribute("name", name);
        xml.writeAttribute("value", value == null ? "" : value);
    }

    private static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.3f", d.toMillis() / 1000.0);
    }
}
