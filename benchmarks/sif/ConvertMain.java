import ai.pharos.core.Console;
import ai.pharos.core.docker.DockerJavaEngine;
import ai.pharos.core.docker.Engine;
import ai.pharos.core.sif.HostSquashfsTool;
import ai.pharos.core.sif.ImageSource;
import ai.pharos.core.sif.Mksquashfs;
import ai.pharos.core.sif.SifConverter;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Runs the native converter (java -cp <plugin classes + deps> ConvertMain SOURCE OUTDIR NAME REF [gzip|zstd|lz4|xz]).
 * SOURCE is a saved archive, or {@code engine} for the whole goal: save through the engine API (spooled next to the
 * SIF), then convert — what {@code pharos:sif} does. Prints the JVM's peak heap use at the end.
 */
public class ConvertMain {
    public static void main(String[] args) throws Exception {
        long start = System.nanoTime();
        java.util.function.Function<String, String> at = level -> "[" + level + " +"
                + (System.nanoTime() - start) / 1_000_000 + "ms] ";
        Console console = new Console() {
            @Override public void debug(String m) { if (Boolean.getBoolean("debug")) System.out.println(at.apply("debug") + m); }
            @Override public void info(String m) { System.out.println(at.apply("info") + m); }
            @Override public void warn(String m) { System.out.println(at.apply("warn") + m); }
            @Override public boolean isDebugEnabled() { return Boolean.getBoolean("debug"); }
        };
        Path out = Path.of(args[1]);
        SifConverter.Options o = SifConverter.Options.of(out, args[2])
                .withCompression(Mksquashfs.Compression.parse(args.length > 4 ? args[4] : "gzip"));
        long t0 = System.nanoTime();
        SifConverter converter = new SifConverter(console, HostSquashfsTool.find().orElseThrow());
        String arch;
        if (args[0].equals("engine")) {
            Files.deleteIfExists(SifConverter.recordPath(o));
            try (Engine engine = DockerJavaEngine.connect((String) null, console)) {
                String id = engine.inspectImage(args[3]).orElseThrow().id();
                arch = converter.convert(ImageSource.engine(engine, args[3], id), o).arch();
            }
        } else {
            arch = converter.convertArchive(Path.of(args[0]), args[3], o, out.resolve(args[2] + ".sif"));
        }
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
