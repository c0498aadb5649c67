package ai.pharos.core.packer;

import ai.pharos.core.Console;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** A separate JVM for {@link PackerEndToEndTest}: runs one build so that the test can kill it outright. */
public final class PackerEndToEndMain {
    private PackerEndToEndMain() {
    }

    public static void main(String[] args) throws Exception {
        Console console = new Console() {
            @Override public void debug(String m) { }
            @Override public void info(String m) { System.out.println(m); System.out.flush(); }
            @Override public void warn(String m) { System.out.println(m); System.out.flush(); }
            @Override public boolean isDebugEnabled() { return false; }
        };
        SshKeys.KeyPairFiles key = SshKeys.ensure(Path.of(args[2]), console);
        BaseImage.Base base = BaseImage.Base.read(Path.of(args[3]));
        new PackerImages(new PackerImages.Settings(Path.of(args[0]), List.of(args[4]), Path.of(args[1]), key, null,
                QemuVm.defaultAccelerator(), Map.of(), false), new PackerTool.Host(), console).build(base);
    }
}
