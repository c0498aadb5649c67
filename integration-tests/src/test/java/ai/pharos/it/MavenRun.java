package ai.pharos.it;

import org.apache.maven.shared.invoker.DefaultInvocationRequest;
import org.apache.maven.shared.invoker.DefaultInvoker;
import org.apache.maven.shared.invoker.InvocationRequest;
import org.apache.maven.shared.invoker.InvocationResult;
import org.apache.maven.shared.invoker.Invoker;
import org.apache.maven.shared.invoker.MavenInvocationException;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * Runs Maven (the same Maven that runs this build, via Maven Invoker) on a copy of a test project under
 * {@code src/it/<name>}, with the plugin installed in the local repository by the reactor.
 */
final class MavenRun {
    private MavenRun() {
    }

    record Result(int exitCode, List<String> lines, Path project) {
        String log() {
            return String.join("\n", lines);
        }

        List<String> errors() {
            return lines.stream().filter(l -> l.startsWith("[ERROR]")).toList();
        }

        /** The one line Maven prints for the failed goal (with our message). */
        String failureLine() {
            return lines.stream().filter(l -> l.startsWith("[ERROR] Failed to execute goal")).findFirst()
                    .orElseThrow(() -> new AssertionError("no 'Failed to execute goal' line in:\n" + log()));
        }
    }

    /** Copy {@code src/it/<name>} to a fresh work directory and return it. */
    static Path copy(String name, String instance) throws IOException {
        Path source = Path.of(System.getProperty("pharos.its.source")).resolve(name);
        Path target = Path.of(System.getProperty("pharos.its.work")).resolve(name + "-" + instance);
        deleteTree(target);
        copyTree(source, target);
        return target;
    }

    /** Copy a directory tree (links copied as links). */
    static void copyTree(Path source, Path target) throws IOException {
        try (Stream<Path> walk = Files.walk(source)) {
            for (Path p : walk.toList()) {
                Path dest = target.resolve(source.relativize(p).toString());
                if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectories(dest);
                } else {
                    Files.copy(p, dest, StandardCopyOption.COPY_ATTRIBUTES, java.nio.file.LinkOption.NOFOLLOW_LINKS);
                }
            }
        }
    }

    static Result run(Path project, List<String> goals, Map<String, String> properties, Map<String, String> env)
            throws MavenInvocationException {
        InvocationRequest request = new DefaultInvocationRequest();
        request.setBaseDirectory(project.toFile());
        request.setPomFile(project.resolve("pom.xml").toFile());
        request.addArgs(goals);
        request.setBatchMode(true);
        request.setOffline(true);
        request.setLocalRepositoryDirectory(new File(System.getProperty("pharos.localRepository")));
        Properties props = new Properties();
        props.setProperty("pharos.version", System.getProperty("pharos.version"));
        props.putAll(properties);
        request.setProperties(props);
        env.forEach(request::addShellEnvironment);
        request.setTimeoutInSeconds(1800);
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        request.setOutputHandler(line -> {
            lines.add(line);
            System.out.println("    | " + line);
        });
        request.setErrorHandler(lines::add);
        Invoker invoker = new DefaultInvoker();
        invoker.setMavenHome(new File(System.getProperty("maven.home")));
        InvocationResult result = invoker.execute(request);
        return new Result(result.getExitCode(), List.copyOf(lines), project);
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
