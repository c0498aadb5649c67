package ai.pharos.core.deb;

import ai.pharos.core.PharosException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BuildDependsTest {
    @Test
    void readsBuildDependsOfTheSourceParagraph() {
        String control = "Source: beegfs\n# a comment\nBuild-Depends: debhelper (>= 12), lsb-release, kmod,\n"
                + " pkg-config, zlib1g-dev, librdmacm-dev [linux-any], libibverbs-dev <!stage1>,\n"
                + " libnl-3-dev | libnl-dev, dh-dkms, libcurl4-openssl-dev, python3:any\n"
                + "Build-Depends-Indep: graphviz\n\nPackage: beegfs-meta\nDepends: nothing-here\n";
        assertEquals(List.of("debhelper", "lsb-release", "kmod", "pkg-config", "zlib1g-dev", "librdmacm-dev",
                "libibverbs-dev", "libnl-3-dev", "dh-dkms", "libcurl4-openssl-dev", "python3", "graphviz"),
                BuildDepends.fromControl(control));
    }

    @Test
    void scansTheFirstFailingStep() {
        List<String> log = List.of("dh_auto_build", "make[2]: Entering directory '/build/pkg/build/src'",
                "daemon.c:6:2: error: #error \"fixture: injected compile error\"",
                "make[2]: *** [Makefile:28: bin/beegfs-meta] Error 1",
                "dpkg-buildpackage: error: debian/rules build subprocess returned exit status 2");
        assertEquals(Optional.of("daemon.c:6:2: error: #error \"fixture: injected compile error\""),
                BuildLogScanner.firstFailure(log));
        assertEquals(Optional.of("make[1]: *** [debian/rules:40: override_dh_builddeb] Error 1"),
                BuildLogScanner.firstFailure(List.of("fine", "make[1]: *** [debian/rules:40: override_dh_builddeb] "
                        + "Error 1", "dpkg-buildpackage: error: debian/rules binary subprocess returned exit status 2")));
        assertEquals(Optional.empty(), BuildLogScanner.firstFailure(List.of("dpkg-deb: building package 'x'")));
    }

    @Test
    void versionsAreCheckedUpFront() throws PharosException {
        assertEquals("8.3.1+b42", BeegfsBuild.beegfsVersion("8.3.1", 42));
        assertEquals("8.3.1", BeegfsBuild.beegfsVersion(" 8.3.1 ", null));
        assertEquals("8.3.1~rc1", BeegfsBuild.packageVersion("8.3.1-rc1"));
        PharosException e = assertThrows(PharosException.class, () -> BeegfsBuild.beegfsVersion("8.3_1", null));
        assertEquals("pharos.beegfs.version", e.option());
        assertTrue(e.getMessage().contains("'_'"), e.getMessage());
        assertThrows(PharosException.class, () -> BeegfsBuild.beegfsVersion("", null));
        assertThrows(PharosException.class, () -> BeegfsBuild.beegfsVersion("v8.3", null));
        assertThrows(PharosException.class, () -> BeegfsBuild.beegfsVersion("8.3.1", -1));
    }
}
