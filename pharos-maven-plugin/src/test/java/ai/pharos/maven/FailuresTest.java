package ai.pharos.maven;

import ai.pharos.core.PharosException;
import org.apache.maven.plugin.descriptor.MojoDescriptor;
import org.apache.maven.plugin.descriptor.Parameter;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class FailuresTest {
    private static MojoDescriptor descriptor() throws Exception {
        MojoDescriptor d = new MojoDescriptor();
        Parameter p = new Parameter();
        p.setName("dockerfile");
        p.setExpression("${pharos.build.dockerfile}");
        d.addParameter(p);
        return d;
    }

    @Test
    void oneLineWithParameterPropertyAndFix() throws Exception {
        PharosException e = new PharosException("Dockerfile /x/Dockerfile does not exist", "pharos.build.dockerfile",
                "Create it or point pharos.build.dockerfile at the Dockerfile.");
        assertEquals("Dockerfile /x/Dockerfile does not exist [<dockerfile> / -Dpharos.build.dockerfile] Fix: Create it "
                + "or point pharos.build.dockerfile at the Dockerfile.", Failures.message(e, descriptor()));
    }

    @Test
    void multiLineMessagesAreFoldedAndUnknownParametersStillNameTheProperty() throws Exception {
        PharosException e = new PharosException("first\n  second", "pharos.other", null);
        assertEquals("first | second [-Dpharos.other]", Failures.message(e, descriptor()));
        assertEquals("plain", Failures.message(new PharosException("plain", null, ""), null));
    }
}
