package ai.pharos.maven;

import ai.pharos.core.Console;
import ai.pharos.core.PharosException;
import ai.pharos.core.docker.Engine;
import ai.pharos.core.docker.ImageBuild;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds a Docker image from a directory — or, with {@code imagesDirectory}, one image per subdirectory holding a
 * Dockerfile — and records each at {@code target/pharos/images/<name>.json}. Up to date images are not rebuilt.
 */
@Mojo(name = "build-image", defaultPhase = LifecyclePhase.PACKAGE, threadSafe = true)
public class BuildImageMojo extends AbstractDockerMojo {

    /** The build context (single-image mode). */
    @Parameter(property = "pharos.build.contextDirectory", defaultValue = "${project.basedir}/src/main/docker")
    private File contextDirectory;

    /** The Dockerfile (default: {@code Dockerfile} in the context); may lie outside the context. */
    @Parameter(property = "pharos.build.dockerfile")
    private File dockerfile;

    /** Multi-image mode: build every subdirectory of this directory that holds a Dockerfile. */
    @Parameter(property = "pharos.build.imagesDirectory")
    private File imagesDirectory;

    /** Multi-image mode: only these image names (comma separated). */
    @Parameter(property = "pharos.containers")
    private List<String> containers;

    /** Repository of the image (single-image mode), e.g. {@code pharos-dev}. */
    @Parameter(property = "pharos.build.repository", defaultValue = "${project.artifactId}")
    private String repository;

    /** Multi-image mode: repository prefix; the image is {@code <prefix><directory name>}. */
    @Parameter(property = "pharos.build.repositoryPrefix", defaultValue = "pharos/")
    private String repositoryPrefix;

    /** Tags given to each image (the first one identifies it). */
    @Parameter(property = "pharos.build.tags", defaultValue = "latest")
    private List<String> tags;

    /** Build arguments. */
    @Parameter
    private Map<String, String> buildArgs;

    /** Build arguments from the command line: {@code K=V,K2=V2} (override {@code buildArgs}). */
    @Parameter(property = "pharos.build.args")
    private List<String> buildArgList;

    /** Labels added to the image(s). */
    @Parameter
    private Map<String, String> labels;

    /** Labels from the command line: {@code K=V,K2=V2} (override {@code labels}). */
    @Parameter(property = "pharos.build.labels")
    private List<String> labelList;

    /** Target stage of a multi-stage Dockerfile. */
    @Parameter(property = "pharos.build.target")
    private String target;

    /** Network mode of RUN steps; {@code host} works on engines without a bridge network. */
    @Parameter(property = "pharos.build.network", defaultValue = "host")
    private String network;

    /** Base image pull policy: {@code missing} (engine default), {@code always}, {@code never} (air-gapped). */
    @Parameter(property = "pharos.build.pull", defaultValue = "missing")
    private String pull;

    /** Build without the engine's layer cache (always builds). */
    @Parameter(property = "pharos.build.noCache", defaultValue = "false")
    private boolean noCache;

    /** Timestamp of every file in the context tar (reproducible context, stable layer cache). */
    @Parameter(property = "pharos.build.outputTimestamp", defaultValue = "${project.build.outputTimestamp}")
    private String outputTimestamp;

    @Parameter(defaultValue = "${project.build.directory}", readonly = true)
    private File buildDirectory;

    /** Skip this goal. */
    @Parameter(property = "pharos.buildImage.skip", defaultValue = "false")
    private boolean skipGoal;

    @Override
    protected boolean isGoalSkipped() {
        return skipGoal;
    }

    @Override
    protected String goalSkipProperty() {
        return "pharos.buildImage.skip";
    }

    @Override
    protected void run(Console console) throws PharosException {
        Map<String, String> args = KeyValues.merge(buildArgs, buildArgList, "pharos.build.args");
        Map<String, String> lbls = KeyValues.merge(labels, labelList, "pharos.build.labels");
        ImageBuild.PullPolicy policy = ImageBuild.PullPolicy.parse(pull);
        List<ImageBuild.Spec> specs = new ArrayList<>();
        if (imagesDirectory != null) {
            Set<String> only = containers == null ? Set.of() : new LinkedHashSet<>(containers);
            for (Path dir : ImageBuild.discover(imagesDirectory.toPath(), only)) {
                String name = dir.getFileName().toString();
                specs.add(new ImageBuild.Spec(name, dir, null, references(repositoryPrefix + name), args, lbls, target,
                        network, policy, noCache));
            }
        } else {
            String name = repository.substring(repository.lastIndexOf('/') + 1);
            specs.add(new ImageBuild.Spec(name, contextDirectory.toPath(),
                    dockerfile == null ? null : dockerfile.toPath(), references(repository), args, lbls, target,
                    network, policy, noCache));
        }
        try (Engine engine = connect(console)) {
            ImageBuild builder = new ImageBuild(engine, console, buildDirectory.toPath(),
                    Timestamps.parse(outputTimestamp));
            for (ImageBuild.Spec spec : specs) {
                builder.build(spec);
            }
        }
    }

    private List<String> references(String repo) {
        List<String> refs = new ArrayList<>();
        for (String tag : tags == null || tags.isEmpty() ? List.of("latest") : tags) {
            refs.add(repo + ":" + tag.strip());
        }
        return refs;
    }
}
