package ai.pharos.maven;

import org.apache.maven.project.MavenProject;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The skip switches Maven users expect: pharos.testImage.skip, and like Surefire -DskipTests / maven.test.skip. */
class TestImageMojoTest {

    private static TestImageMojo mojo(boolean skipGoal, String property, String value) throws Exception {
        TestImageMojo mojo = new TestImageMojo();
        Field f = TestImageMojo.class.getDeclaredField("skipGoal");
        f.setAccessible(true);
        f.setBoolean(mojo, skipGoal);
        mojo.project = new MavenProject();
        if (property != null) {
            mojo.project.getProperties().setProperty(property, value);
        }
        return mojo;
    }

    @Test
    void runsByDefault() throws Exception {
        TestImageMojo m = mojo(false, null, null);
        assertFalse(m.isGoalSkipped());
        assertEquals("pharos.testImage.skip", m.goalSkipProperty());
    }

    @Test
    void ownSkipFlag() throws Exception {
        TestImageMojo m = mojo(true, null, null);
        assertTrue(m.isGoalSkipped());
        assertEquals("pharos.testImage.skip", m.goalSkipProperty());
    }

    @Test
    void skipTestsLikeSurefire() throws Exception {
        assertTrue(mojo(false, "skipTests", "true").isGoalSkipped());
        assertEquals("skipTests", mojo(false, "skipTests", "true").goalSkipProperty());
        assertTrue(mojo(false, "skipTests", "").isGoalSkipped(), "-DskipTests without a value");
        assertFalse(mojo(false, "skipTests", "false").isGoalSkipped());
        assertEquals("maven.test.skip", mojo(false, "maven.test.skip", "true").goalSkipProperty());
    }
}
