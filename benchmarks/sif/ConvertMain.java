import ai.pharos.core.Console;
import ai.pharos.core.sif.HostSquashfsTool;
import ai.pharos.core.sif.Mksquashfs;
import ai.pharos.core.sif.SifConverter;

import java.nio.file.Path;

/**
 * Runs the native converter on a saved image archive (java -cp <plugin classes + deps> ConvertMain.java
 * ARCHIVE OUTDIR NAME REF [gzip|zstd|lz4|xz]). Prints the JVM's peak heap use at the end.
 */
public class ConvertMain {
    public static void main(String[] args) throws Exception {
        Console console = new Console() {
            @Override public void debug(String m) { if (Boolean.getBoolean("debug")) System.out.println("[debug] " + m); }
            @Override public void info(String m) { System.out.println("[info] " + m); }
            @Override public void warn(String m) { System.out.println("[warn] " + m); }
            @Override public boolean isDebugEnabled() { return Boolean.getBoolean("debug"); }
        };
        Path archive = Path.of(args[0]);
        SifConverter.Options o = SifConverter.Options.of(Path.of(args[1]), args[2])
                .withCompression(Mksquashfs.Compression.parse(args.length > 4 ? args[4] : "gzip"));
        long t0 = System.nanoTime();
        String arch = new SifConverter(console, HostSquashfsTool.find().orElseThrow())
                .convertArchive(archive, args[3], o, Path.of(args[1]).resolve(args[2] + ".sif"));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        long peak = 0;
        for (var pool : java.lang.management.ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == java.lang.management.MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        System.out.println("arch=" + arch);
        System.out.println("native_ms=" + ms);
        System.out.println("peak_heap_bytes=" + peak);
    }
}
