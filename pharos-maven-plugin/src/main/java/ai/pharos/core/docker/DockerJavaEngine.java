package ai.pharos.core.docker;

import ai.pharos.core.Console;
import ai.pharos.core.PharosException;
import ai.pharos.core.ToolFailedException;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.BuildImageCmd;
import com.github.dockerjava.api.command.BuildImageResultCallback;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.InspectImageResponse;
import com.github.dockerjava.api.command.WaitContainerResultCallback;
import com.github.dockerjava.api.exception.DockerClientException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.BuildResponseItem;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.ContainerConfig;
import com.github.dockerjava.api.model.Device;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.PullResponseItem;
import com.github.dockerjava.api.model.StreamType;
import com.github.dockerjava.api.model.Version;
import com.github.dockerjava.api.model.Volume;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * {@link Engine} on docker-java with the zerodep transport. The client config is built explicitly (docker-java's
 * default builder would also read JVM system properties, where Maven's -D properties live). API paths are sent
 * unversioned, so the engine answers with its own newest API.
 */
public final class DockerJavaEngine implements Engine {
    private final Endpoint endpoint;
    private final DockerClient client;
    private final Console console;
    private final AtomicBoolean sweptOrphans = new AtomicBoolean();
    private static final RunOwner OWNER = RunOwner.current();
    private EngineVersion version;

    private DockerJavaEngine(Endpoint endpoint, DockerClient client, Console console) {
        this.endpoint = endpoint;
        this.client = client;
        this.console = console;
    }

    /** Connect to the engine resolved from {@code explicitHost} / environment / docker context, and check it answers. */
    public static DockerJavaEngine connect(String explicitHost, Console console) throws PharosException {
        return connect(EndpointResolver.resolveDefault(explicitHost), console);
    }

    public static DockerJavaEngine connect(Endpoint endpoint, Console console) throws PharosException {
        DefaultDockerClientConfig.Builder config = new DefaultDockerClientConfig.Builder()
                .withDockerHost(endpoint.host())
                .withDockerTlsVerify(endpoint.tlsVerify());
        if (endpoint.tlsVerify() && endpoint.certPath() != null) {
            config.withDockerCertPath(endpoint.certPath());
        }
        DefaultDockerClientConfig cfg;
        try {
            cfg = config.build();
        } catch (RuntimeException e) {
            throw new PharosException("Invalid Docker engine configuration for " + endpoint + ": " + e.getMessage(),
                    EndpointResolver.OPTION, "Check DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH.", e);
        }
        ZerodepDockerHttpClient http = new ZerodepDockerHttpClient.Builder()
                .dockerHost(cfg.getDockerHost())
                .sslConfig(cfg.getSSLConfig())
                .connectionTimeout(Duration.ofSeconds(10))
                .maxConnections(32)
                .build();
        DockerJavaEngine engine = new DockerJavaEngine(endpoint, DockerClientImpl.getInstance(cfg, http), console);
        EngineVersion v = engine.version();
        console.debug("Docker engine " + v.version() + " (API " + v.apiVersion() + ", " + v.os() + "/" + v.arch()
                + ") at " + endpoint);
        return engine;
    }

    @Override
    public Endpoint endpoint() {
        return endpoint;
    }

    @Override
    public EngineVersion version() throws PharosException {
        if (version == null) {
            try {
                Version v = client.versionCmd().exec();
                version = new EngineVersion(v.getVersion(), v.getApiVersion(), v.getOperatingSystem(), v.getArch());
            } catch (RuntimeException e) {
                throw unreachable(e);
            }
        }
        return version;
    }

    private PharosException unreachable(Throwable e) {
        return new PharosException("Cannot reach the Docker engine at " + endpoint.host() + " (from "
                + endpoint.source() + "): " + rootMessage(e), EndpointResolver.OPTION,
                "Start the engine (e.g. 'systemctl start docker'), check you may use its socket, "
                        + "or point DOCKER_HOST / -D" + EndpointResolver.OPTION + " at a running engine.", e);
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return m == null ? t.getClass().getSimpleName() : m.strip();
    }

    @Override
    public Optional<ImageInfo> inspectImage(String reference) throws PharosException {
        try {
            InspectImageResponse r = client.inspectImageCmd(reference).exec();
            ContainerConfig c = r.getConfig();
            return Optional.of(new ImageInfo(r.getId(),
                    r.getRepoTags() == null ? List.of() : List.copyOf(r.getRepoTags()),
                    c == null || c.getLabels() == null ? Map.of() : Map.copyOf(c.getLabels()),
                    c == null || c.getEnv() == null ? List.of() : List.of(c.getEnv()),
                    c == null || c.getEntrypoint() == null ? List.of() : List.of(c.getEntrypoint()),
                    c == null || c.getCmd() == null ? List.of() : List.of(c.getCmd()),
                    c == null ? null : c.getWorkingDir(),
                    c == null ? null : c.getUser(),
                    r.getArch(), r.getSize() == null ? 0 : r.getSize()));
        } catch (NotFoundException e) {
            return Optional.empty();
        } catch (DockerException e) {
            throw new PharosException("Docker could not inspect image " + reference + ": " + rootMessage(e), null,
                    "Check the image reference.", e);
        } catch (RuntimeException e) {
            throw unreachable(e);
        }
    }

    @Override
    public String build(BuildRequest request, InputStream contextTar, Consumer<String> log) throws PharosException {
        BuildImageCmd cmd = client.buildImageCmd()
                .withTarInputStream(contextTar)
                .withDockerfilePath(request.dockerfile())
                .withTags(new LinkedHashSet<>(request.tags()))
                .withLabels(request.labels())
                .withPull(request.pull())
                .withNoCache(request.noCache())
                .withRemove(true)
                .withForcerm(true); // also remove the container of a failed step: a failed build leaves nothing behind
        request.buildArgs().forEach(cmd::withBuildArg);
        if (request.target() != null && !request.target().isBlank()) {
            cmd.withTarget(request.target());
        }
        if (request.networkMode() != null && !request.networkMode().isBlank()) {
            cmd.withNetworkMode(request.networkMode());
        }
        BuildLog callback = new BuildLog(log);
        try {
            cmd.exec(callback).awaitCompletion();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeQuietly(callback);
            throw new PharosException("Docker build interrupted", null, null, e);
        } catch (RuntimeException e) {
            callback.failure = e;
        }
        callback.flush();
        if (callback.error != null || callback.failure != null) {
            String error = callback.error != null ? callback.error : rootMessage(callback.failure);
            if (callback.error == null && !(callback.failure instanceof DockerException)
                    && !(callback.failure instanceof DockerClientException)) {
                throw unreachable(callback.failure);
            }
            String where = callback.lastStep != null ? " at " + callback.lastStep : "";
            throw new ToolFailedException("Docker build of " + request.tags().get(0) + " failed" + where + ": "
                    + error.strip(), exitCodeOf(error), null,
                    "Fix the Dockerfile step named above (the full build log precedes this error).");
        }
        return inspectImage(request.tags().get(0)).map(ImageInfo::id).orElseThrow(() -> new PharosException(
                "Docker reported success but image " + request.tags().get(0) + " does not exist", null,
                "Check the engine's log."));
    }

    private static int exitCodeOf(String error) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("non-zero code: (\\d+)").matcher(error);
        return m.find() ? Integer.parseInt(m.group(1)) : 1;
    }

    /** Streams build output line by line and records the last step and the first error. */
    private static final class BuildLog extends BuildImageResultCallback {
        private final LineSplitter lines;
        private volatile String error;
        private volatile String lastStep;
        private volatile Throwable failure;

        BuildLog(Consumer<String> log) {
            this.lines = new LineSplitter(line -> {
                if (line.startsWith("Step ")) {
                    lastStep = line.strip();
                }
                log.accept(line);
            });
        }

        @Override
        public void onNext(BuildResponseItem item) {
            if (item.getStream() != null) {
                lines.accept(item.getStream());
            }
            if (item.getErrorDetail() != null && item.getErrorDetail().getMessage() != null) {
                error = error == null ? item.getErrorDetail().getMessage() : error;
            } else if (item.getError() != null) {
                error = error == null ? item.getError() : error;
            }
            super.onNext(item);
        }

        @Override
        public void onError(Throwable throwable) {
            failure = throwable;
            try {
                close();
            } catch (IOException ignored) {
                // closing a failed stream
            }
        }

        void flush() {
            lines.flush();
        }
    }

    /**
     * docker-java's {@code createImageCmd} (POST /images/create?fromSrc=-) does not deliver the body over the zerodep
     * transport (the engine reports "unexpected EOF"), so the import is a {@code docker load} of a one-layer archive
     * written here: deterministic config, the tar as the layer.
     */
    @Override
    public String importImage(Path rootfsTar, String reference, Map<String, String> labels, java.time.Instant created,
                              Consumer<String> log) throws PharosException {
        java.io.PipedInputStream in = new java.io.PipedInputStream(1 << 16);
        Throwable[] writeFailure = new Throwable[1];
        Thread writer;
        try {
            java.io.PipedOutputStream out = new java.io.PipedOutputStream(in);
            writer = new Thread(() -> {
                try (out) {
                    ImageArchive.writeSingleLayer(rootfsTar, reference, labels, created, version().arch(), out);
                } catch (Throwable t) {
                    writeFailure[0] = t;
                }
            }, "pharos-import");
            writer.start();
        } catch (IOException e) {
            throw new PharosException("Cannot import " + reference + ": " + e.getMessage(), null, null, e);
        }
        try (in) {
            client.loadImageCmd(in).exec();
            writer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PharosException("Import of " + reference + " interrupted", null, null, e);
        } catch (DockerException e) {
            throw new PharosException("Docker could not import " + reference + ": " + rootMessage(e), null,
                    "Check the root filesystem tar " + rootfsTar + ".", e);
        } catch (IOException e) {
            throw new PharosException("Cannot import " + reference + ": " + e.getMessage(), null, null, e);
        } catch (RuntimeException e) {
            throw unreachable(e);
        }
        if (writeFailure[0] != null) {
            throw new PharosException("Cannot write the image archive for " + reference + ": "
                    + rootMessage(writeFailure[0]), null, "Check " + rootfsTar + ".", writeFailure[0]);
        }
        return inspectImage(reference).map(ImageInfo::id).orElseThrow(() -> new PharosException(
                "Docker loaded the image archive but " + reference + " does not exist", null,
                "Check the engine's log."));
    }

    @Override
    public boolean pull(String reference, Consumer<String> log) throws PharosException {
        ImageRef ref = ImageRef.parse(reference);
        String[] error = new String[1];
        ResultCallback.Adapter<PullResponseItem> callback = new ResultCallback.Adapter<>() {
            @Override
            public void onNext(PullResponseItem item) {
                if (item.getErrorDetail() != null || item.getError() != null) {
                    error[0] = item.getErrorDetail() != null ? item.getErrorDetail().getMessage() : item.getError();
                } else if (item.getStatus() != null && item.getProgressDetail() == null) {
                    log.accept(item.getStatus() + (item.getId() != null ? " " + item.getId() : ""));
                }
            }

            @Override
            public void onError(Throwable throwable) {
                // recorded and reported by us; docker-java's default would log "Error during callback" at ERROR
                error[0] = rootMessage(throwable);
                closeQuietly(this);
            }
        };
        try {
            client.pullImageCmd(ref.repository()).withTag(ref.tag()).exec(callback);
            if (!callback.awaitCompletion(10, TimeUnit.MINUTES)) {
                closeQuietly(callback);
                log.accept("Pull of " + reference + " timed out after 10 minutes");
                return false;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PharosException("Pull of " + reference + " interrupted", null, null, e);
        } catch (DockerException | DockerClientException e) {
            error[0] = rootMessage(e);
        } catch (RuntimeException e) {
            throw unreachable(e);
        }
        if (error[0] != null) {
            log.accept("Pull of " + reference + " failed: " + error[0]);
            return false;
        }
        return inspectImage(reference).isPresent();
    }

    @Override
    public void saveImage(String reference, Path target, LongConsumer received) throws PharosException {
        Path tmp = null;
        try {
            Files.createDirectories(target.toAbsolutePath().getParent());
            tmp = Files.createTempFile(target.toAbsolutePath().getParent(), "." + target.getFileName(), ".part");
            try (InputStream in = client.saveImageCmd(reference).exec();
                 OutputStream out = Files.newOutputStream(tmp)) {
                byte[] buffer = new byte[1 << 20];
                long total = 0;
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    out.write(buffer, 0, n);
                    total += n;
                    received.accept(total);
                }
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            tmp = null;
        } catch (NotFoundException e) {
            throw new PharosException("Cannot save image " + reference + ": the engine does not have it", null,
                    "Build the image first (pharos:build-image).", e);
        } catch (IOException e) {
            throw new PharosException("Cannot save image " + reference + " to " + target + ": " + e.getMessage(),
                    null, "Check free disk space in " + target.getParent() + ".", e);
        } catch (RuntimeException e) {
            throw unreachable(e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort
                }
            }
        }
    }

    @Override
    public int run(RunSpec spec, Consumer<String> stdout, Consumer<String> stderr) throws PharosException {
        String id = create(spec, false);
        LineSplitter out = new LineSplitter(stdout);
        LineSplitter err = new LineSplitter(stderr);
        ResultCallback.Adapter<Frame> logs = new ResultCallback.Adapter<>() {
            @Override
            public void onNext(Frame frame) {
                String text = new String(frame.getPayload(), StandardCharsets.UTF_8);
                if (frame.getStreamType() == StreamType.STDERR) {
                    err.accept(text);
                } else {
                    out.accept(text);
                }
            }
        };
        try {
            client.startContainerCmd(id).exec();
            client.logContainerCmd(id).withStdOut(true).withStdErr(true).withFollowStream(true).exec(logs);
            logs.awaitCompletion();
            int code = client.waitContainerCmd(id).exec(new WaitContainerResultCallback()).awaitStatusCode();
            out.flush();
            err.flush();
            return code;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PharosException("Container run of " + spec.image() + " interrupted", null, null, e);
        } catch (DockerException e) {
            throw new PharosException("Docker could not run " + spec.image() + ": " + rootMessage(e), null,
                    "Check the image and the command.", e);
        } catch (RuntimeException e) {
            throw unreachable(e);
        } finally {
            closeQuietly(logs);
            remove(id);
        }
    }

    @Override
    public int runInteractive(RunSpec spec, InputStream stdin, OutputStream stdout) throws PharosException {
        String id = create(spec, true);
        ResultCallback.Adapter<Frame> attach = new ResultCallback.Adapter<>() {
            @Override
            public void onNext(Frame frame) {
                try {
                    stdout.write(frame.getPayload());
                    stdout.flush();
                } catch (IOException ignored) {
                    // the terminal went away
                }
            }
        };
        try {
            client.attachContainerCmd(id).withStdIn(stdin).withStdOut(true).withStdErr(true)
                    .withFollowStream(true).exec(attach);
            client.startContainerCmd(id).exec();
            int code = client.waitContainerCmd(id).exec(new WaitContainerResultCallback()).awaitStatusCode();
            attach.awaitCompletion(2, TimeUnit.SECONDS);
            return code;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PharosException("Shell in " + spec.image() + " interrupted", null, null, e);
        } catch (DockerException e) {
            throw new PharosException("Docker could not run " + spec.image() + ": " + rootMessage(e), null,
                    "Check the image.", e);
        } catch (RuntimeException e) {
            throw unreachable(e);
        } finally {
            closeQuietly(attach);
            remove(id);
        }
    }

    /**
     * Remove stopped run containers left by builds on this host that were killed before they could remove them
     * (see {@link RunOwner}); once per engine connection, best effort.
     */
    private void removeOrphanedRunContainers() {
        if (!sweptOrphans.compareAndSet(false, true)) {
            return;
        }
        try {
            int removed = 0;
            for (Container c : client.listContainersCmd().withShowAll(true)
                    .withLabelFilter(Map.of("ai.pharos.run", "true"))
                    .withStatusFilter(List.of("created", "exited", "dead")).exec()) {
                Optional<RunOwner> owner = RunOwner.parse(c.getLabels() == null ? null
                        : c.getLabels().get(RunOwner.LABEL));
                if (owner.isPresent() && owner.get().isGoneHere()) {
                    remove(c.getId());
                    removed++;
                }
            }
            if (removed > 0) {
                console.info("Removed " + removed + " stopped run container(s) left by a build that was killed");
            }
        } catch (RuntimeException e) {
            console.debug("Could not list stopped run containers: " + rootMessage(e));
        }
    }

    private String create(RunSpec spec, boolean interactive) throws PharosException {
        removeOrphanedRunContainers();
        List<Bind> binds = new ArrayList<>();
        for (RunSpec.Bind b : spec.binds()) {
            binds.add(new Bind(b.hostPath(), new Volume(b.containerPath()),
                    b.readOnly() ? com.github.dockerjava.api.model.AccessMode.ro
                            : com.github.dockerjava.api.model.AccessMode.rw));
        }
        HostConfig host = HostConfig.newHostConfig().withBinds(binds).withInit(true);
        if (spec.networkMode() != null) {
            host.withNetworkMode(spec.networkMode());
        }
        if (!spec.devices().isEmpty()) {
            host.withDevices(spec.devices().stream().map(d -> new Device("rwm", d, d)).toList());
        }
        CreateContainerCmd cmd = client.createContainerCmd(spec.image()).withHostConfig(host)
                .withEnv(spec.env().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList())
                .withLabels(Map.of("ai.pharos.run", "true", RunOwner.LABEL, OWNER.label()));
        if (!spec.command().isEmpty()) {
            cmd.withCmd(spec.command());
        }
        if (spec.entrypoint() != null) {
            cmd.withEntrypoint(spec.entrypoint());
        }
        if (spec.user() != null) {
            cmd.withUser(spec.user());
        }
        if (spec.workingDir() != null) {
            cmd.withWorkingDir(spec.workingDir());
        }
        if (interactive) {
            cmd.withTty(spec.tty()).withStdinOpen(true).withStdInOnce(true).withAttachStdin(true)
                    .withAttachStdout(true).withAttachStderr(true);
        }
        try {
            return cmd.exec().getId();
        } catch (NotFoundException e) {
            throw new PharosException("Image " + spec.image() + " does not exist in the Docker engine", null,
                    "Build it first (pharos:build-image, or './mvnw install' of the module that makes it).", e);
        } catch (DockerException e) {
            throw new PharosException("Docker could not create a container from " + spec.image() + ": "
                    + rootMessage(e), null, "Check the run options.", e);
        } catch (RuntimeException e) {
            throw unreachable(e);
        }
    }

    private void remove(String id) {
        try {
            client.removeContainerCmd(id).withForce(true).exec();
        } catch (RuntimeException e) {
            console.debug("Could not remove container " + id + ": " + rootMessage(e));
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // best effort
        }
    }

    @Override
    public void close() {
        try {
            client.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }
}
