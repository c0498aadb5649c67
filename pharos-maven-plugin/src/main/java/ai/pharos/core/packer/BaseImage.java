package ai.pharos.core.packer;

import ai.pharos.core.Console;
import ai.pharos.core.PharosException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The base disk every image starts from, cached by its inputs outside {@code target/} (so {@code clean} keeps it):
 * either a Debian cloud image downloaded from a pinned URL and verified against its {@code SHA512SUMS}, or a
 * Debian cloud-style disk built from a Debian mirror (debootstrap, GPT disk written without loop devices, GRUB
 * installed inside the guest on a first boot). {@link Source#AUTO} tries the download first.
 */
public final class BaseImage {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
    static final String RECORD = "base.json";
    static final String DISK = "base.qcow2";
    static final String SCRIPT = "base-disk.sh";

    public enum Source {
        AUTO, DOWNLOAD, MIRROR;

        public static Source parse(String s) throws PharosException {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new PharosException("Unknown base image source '" + s + "'", "pharos.base.source",
                        "Use auto, download or mirror.");
            }
        }
    }

    /**
     * What to fetch or build.
     *
     * @param url          the pinned cloud image URL ({@code https:}, {@code http:} or {@code file:})
     * @param checksumsUrl its {@code SHA512SUMS} (null: {@code SHA512SUMS} next to the image)
     * @param suite        Debian suite for the mirror build ({@code trixie})
     * @param mirror       Debian mirror URL
     * @param sizeMiB      disk size of the mirror build
     * @param cacheRoot    e.g. {@code ~/.cache/pharos}; bases go to {@code <cacheRoot>/base/<fingerprint>/}
     * @param key          the provisioning key (baked into the mirror build as user {@code debian})
     */
    public record Request(Source source, String url, String checksumsUrl, String suite, String mirror, int sizeMiB,
                          Path cacheRoot, SshKeys.KeyPairFiles key, String accelerator, RootRunner root,
                          Extras extras) {
        public Request(Source source, String url, String checksumsUrl, String suite, String mirror, int sizeMiB,
                       Path cacheRoot, SshKeys.KeyPairFiles key, String accelerator, RootRunner root) {
            this(source, url, checksumsUrl, suite, mirror, sizeMiB, cacheRoot, key, accelerator, root, Extras.NONE);
        }

        /** The same request for a base with an image's extra packages, built from the mirror. */
        public Request withExtras(Extras more) {
            return new Request(Source.MIRROR, url, checksumsUrl, suite, mirror, sizeMiB, cacheRoot, key, accelerator,
                    root, more);
        }
    }

    /**
     * Packages an image wants in its mirror-built base ({@code <image>/base-packages.txt}): installed in a chroot on
     * the build host, where installs (and DKMS builds) run 8-10x faster than in a guest without KVM. The image's
     * provisioning still installs them (then a no-op), so a downloaded base gets them too.
     *
     * @param packages   package names (empty: a plain base)
     * @param components apt components they come from ({@code main contrib non-free ...})
     */
    public record Extras(List<String> packages, String components) {
        public static final Extras NONE = new Extras(List.of(), "main");

        public boolean isEmpty() {
            return packages.isEmpty();
        }

        @Override
        public String toString() {
            return String.join(" ", packages) + " (" + components + ")";
        }

        /**
         * Reads {@code file}: package names separated by white space, {@code #} comments, and an optional line
         * {@code components: main contrib ...}. A missing file means no extras.
         */
        public static Extras read(Path file) throws PharosException {
            if (!Files.isRegularFile(file)) {
                return NONE;
            }
            List<String> packages = new java.util.ArrayList<>();
            String components = "main";
            try {
                for (String raw : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    String line = raw.replaceAll("#.*", "").strip();
                    if (line.startsWith("components:")) {
                        components = line.substring("components:".length()).strip().replaceAll("\\s+", " ");
                        continue;
                    }
                    for (String p : line.split("\\s+")) {
                        if (p.isEmpty()) {
                            continue;
                        }
                        if (!p.matches("[a-z0-9][a-z0-9+.-]+(=[A-Za-z0-9.+:~-]+)?")) {
                            throw new PharosException("Not a Debian package name in " + file + ": '" + p + "'",
                                    "pharos.packer.directory", "List package names (optionally name=version), one"
                                    + " or more per line; '#' starts a comment.");
                        }
                        packages.add(p);
                    }
                }
            } catch (IOException e) {
                throw new PharosException("Cannot read " + file + ": " + e.getMessage(), "pharos.packer.directory",
                        null, e);
            }
            if (!components.matches("[a-z-]+( [a-z-]+)*")) {
                throw new PharosException("Bad components line in " + file + ": '" + components + "'",
                        "pharos.packer.directory", "Write e.g. 'components: main contrib non-free'.");
            }
            return new Extras(List.copyOf(packages), components);
        }
    }

    /**
     * A base disk ready for Packer: the record written next to it and copied to {@code target/pharos/base.json}.
     *
     * @param disk        the qcow2
     * @param sha256      its SHA-256 (what Packer's {@code iso_checksum} gets, and what is re-checked before builds)
     * @param origin      {@code download} or {@code mirror}
     * @param source      the URL, or {@code <mirror> <suite>}
     * @param upstreamChecksum for downloads, the {@code sha512:} from SHA512SUMS it was verified against
     * @param keyBaked    whether the provisioning key is in the disk (mirror builds) or must come from a seed ISO
     * @param fingerprint the cache key
     */
    public record Base(String disk, String sha256, String origin, String source, String upstreamChecksum,
                       boolean keyBaked, String fingerprint, String created) {

        public Path diskPath() {
            return Path.of(disk);
        }

        /** Refuse a disk whose content no longer matches its recorded checksum. */
        public void verify() throws PharosException {
            Path p = diskPath();
            if (!Files.isRegularFile(p)) {
                throw new PharosException("Base image " + p + " is missing", "pharos.base.source",
                        "Run pharos:fetch again to download or build the base image.");
            }
            String actual = Fingerprint.sha256(p);
            if (!actual.equals(sha256)) {
                throw new PharosException("Base image " + p + " does not match its checksum (expected sha256:"
                        + sha256 + ", got sha256:" + actual + "); refusing to build from it", "pharos.base.source",
                        "Delete " + p.getParent() + " and run pharos:fetch again.");
            }
        }

        public void write(Path file) throws PharosException {
            writeJson(file, this);
        }

        public static Base read(Path file) throws PharosException {
            try {
                return JSON.readValue(file.toFile(), Base.class);
            } catch (IOException e) {
                throw new PharosException("No usable base image record " + file + ": " + e.getMessage(),
                        "pharos.base.source", "Run pharos:fetch first (it runs at generate-resources).", e);
            }
        }
    }

    private BaseImage() {
    }

    /** Fetch or build the base disk (or find it in the cache), and return its verified record. */
    public static Base fetch(Request req, Console console) throws PharosException {
        if (req.source() != Source.MIRROR && !req.extras().isEmpty()) {
            throw new IllegalArgumentException("extra base packages need a mirror-built base");
        }
        if (req.source() != Source.MIRROR) {
            try {
                return download(req, console);
            } catch (PharosException e) {
                if (req.source() == Source.DOWNLOAD || e instanceof ChecksumMismatch) {
                    throw e;
                }
                console.warn("Cloud image download not possible (" + e.getMessage() + "): building the base image"
                        + " from the Debian mirror " + req.mirror() + " instead");
            }
        }
        return mirror(req, console);
    }

    /** A downloaded file does not match SHA512SUMS: never fall back silently. */
    static final class ChecksumMismatch extends PharosException {
        private static final long serialVersionUID = 1L;

        ChecksumMismatch(String message, String fix) {
            super(message, "pharos.base.url", fix);
        }
    }

    // ---------------------------------------------------------------- download

    static Base download(Request req, Console console) throws PharosException {
        URI url = uri(req.url());
        String name = Path.of(url.getPath()).getFileName().toString();
        URI sumsUrl = req.checksumsUrl() == null || req.checksumsUrl().isBlank()
                ? url.resolve("SHA512SUMS") : uri(req.checksumsUrl());
        String sums = new String(get(sumsUrl), StandardCharsets.UTF_8);
        String expected = expectedSha512(sums, name).orElseThrow(() -> new PharosException(
                sumsUrl + " has no entry for " + name, "pharos.base.url",
                "Point pharos.base.url at an image listed in its SHA512SUMS (or set pharos.base.checksumsUrl)."));
        String fp = new Fingerprint().add("origin", "download").add("url", url.toString())
                .add("sha512", expected).digest().substring(0, 16);
        Path dir = req.cacheRoot().resolve("base").resolve("download-" + fp);
        Path record = dir.resolve(RECORD);
        if (Files.isRegularFile(record)) {
            Base cached = Base.read(record);
            cached.verify();
            console.info("Base image up to date (downloaded " + url + ", sha512 verified): " + cached.disk());
            return cached;
        }
        console.info("Downloading base image " + url);
        Path tmpDir = tempDir(req.cacheRoot(), "download-" + fp);
        try {
            Path file = tmpDir.resolve(DISK);
            copy(url, file);
            String actual = Fingerprint.digest(file, "SHA-512");
            if (!actual.equalsIgnoreCase(expected)) {
                throw new ChecksumMismatch("Downloaded " + url + " does not match " + sumsUrl + " (expected sha512:"
                        + expected + ", got sha512:" + actual + "); refusing it",
                        "Check the URL and the SHA512SUMS it is verified against; do not use this image.");
            }
            Base base = new Base(dir.resolve(DISK).toString(), Fingerprint.sha256(file), "download", url.toString(),
                    "sha512:" + expected, false, fp, Instant.now().toString());
            base.write(tmpDir.resolve(RECORD));
            publish(tmpDir, dir);
            console.info("Base image: downloaded " + url + " (sha512 verified against " + sumsUrl + ")");
            return base;
        } finally {
            deleteTree(tmpDir);
        }
    }

    static java.util.Optional<String> expectedSha512(String sums, String name) {
        for (String line : sums.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 2 && (f[1].equals(name) || f[1].equals("*" + name)) && f[0].matches("[0-9a-fA-F]{128}")) {
                return java.util.Optional.of(f[0].toLowerCase(Locale.ROOT));
            }
        }
        return java.util.Optional.empty();
    }

    private static URI uri(String s) throws PharosException {
        try {
            return new URI(s);
        } catch (URISyntaxException | NullPointerException e) {
            throw new PharosException("Not a URL: " + s, "pharos.base.url", "Use an https:, http: or file: URL.");
        }
    }

    private static byte[] get(URI uri) throws PharosException {
        if ("file".equals(uri.getScheme())) {
            try {
                return Files.readAllBytes(Path.of(uri));
            } catch (IOException e) {
                throw new PharosException("Cannot read " + uri + ": " + e.getMessage(), "pharos.base.url", null, e);
            }
        }
        try {
            HttpResponse<byte[]> r = http().send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200) {
                throw new PharosException("GET " + uri + " answered HTTP " + r.statusCode(), "pharos.base.url", null);
            }
            return r.body();
        } catch (IOException e) {
            throw new PharosException("Cannot reach " + uri + ": " + e, "pharos.base.url", null, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PharosException("Interrupted while downloading " + uri, null, null, e);
        }
    }

    private static void copy(URI uri, Path file) throws PharosException {
        if ("file".equals(uri.getScheme())) {
            try {
                Files.copy(Path.of(uri), file, StandardCopyOption.REPLACE_EXISTING);
                return;
            } catch (IOException e) {
                throw new PharosException("Cannot read " + uri + ": " + e.getMessage(), "pharos.base.url", null, e);
            }
        }
        try {
            HttpResponse<Path> r = http().send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofFile(file));
            if (r.statusCode() != 200) {
                throw new PharosException("GET " + uri + " answered HTTP " + r.statusCode(), "pharos.base.url", null);
            }
        } catch (IOException e) {
            throw new PharosException("Cannot download " + uri + ": " + e, "pharos.base.url", null, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PharosException("Interrupted while downloading " + uri, null, null, e);
        }
    }

    private static HttpClient http() {
        return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NORMAL).build();
    }

    // ---------------------------------------------------------------- mirror build

    static String scriptText() throws PharosException {
        try (InputStream in = BaseImage.class.getResourceAsStream(SCRIPT)) {
            if (in == null) {
                throw new IllegalStateException(SCRIPT + " missing from the plugin");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new PharosException("Cannot read " + SCRIPT + ": " + e.getMessage(), null, null, e);
        }
    }

    static String mirrorFingerprint(Request req) throws PharosException {
        Fingerprint f = new Fingerprint().add("origin", "mirror").add("suite", req.suite()).add("mirror", req.mirror())
                .add("sizeMiB", Integer.toString(req.sizeMiB())).add("script", scriptText())
                .add("key", req.key().publicKeyLine());
        if (!req.extras().isEmpty()) { // a plain base keeps the fingerprint it had before extras existed
            f.add("extras.packages", String.join(" ", req.extras().packages()))
                    .add("extras.components", req.extras().components());
        }
        return f.digest().substring(0, 16);
    }

    static Base mirror(Request req, Console console) throws PharosException {
        String fp = mirrorFingerprint(req);
        Path dir = req.cacheRoot().resolve("base").resolve("mirror-" + fp);
        Path record = dir.resolve(RECORD);
        if (Files.isRegularFile(record)) {
            Base cached = Base.read(record);
            cached.verify();
            console.info("Base image up to date (built from " + cached.source() + "): " + cached.disk());
            return cached;
        }
        Instant t0 = Instant.now();
        Path stage0 = stage0(req, fp, console);
        console.info("Installing GRUB inside the guest (first boot of the new disk, direct kernel boot)");
        Path tmpDir = tempDir(req.cacheRoot(), "mirror-" + fp);
        try {
            Path disk = tmpDir.resolve(DISK);
            Files.copy(stage0.resolve("stage0.qcow2"), disk);
            installGrub(req, stage0, disk, tmpDir, console);
            Base base = new Base(dir.resolve(DISK).toString(), Fingerprint.sha256(disk), "mirror",
                    req.mirror() + " " + req.suite() + (req.extras().isEmpty() ? "" : " + " + req.extras()), null,
                    true, fp, Instant.now().toString());
            base.write(tmpDir.resolve(RECORD));
            Files.copy(stage0.resolve("packages.txt"), tmpDir.resolve("packages.txt"));
            publish(tmpDir, dir);
            BaseImage.deleteTree(stage0);
            console.info("Base image: built from the Debian mirror " + req.mirror() + " in "
                    + Duration.between(t0, Instant.now()).toSeconds() + " s: " + base.disk());
            return base;
        } catch (IOException e) {
            throw new PharosException("Cannot write the base image in " + tmpDir + ": " + e.getMessage(),
                    "pharos.cacheDirectory", "Check free space and permissions of the cache directory.", e);
        } finally {
            deleteTree(tmpDir);
        }
    }

    /**
     * The root filesystem on a partitioned disk, not yet bootable by itself, plus its kernel and initrd: kept (as
     * {@code stage0-<fingerprint>}) until the GRUB step succeeded, so a failed or interrupted first boot does not
     * redo debootstrap.
     */
    private static Path stage0(Request req, String fp, Console console) throws PharosException {
        Path dir = req.cacheRoot().resolve("base").resolve("stage0-" + fp);
        if (Files.isRegularFile(dir.resolve("stage0.qcow2")) && Files.isRegularFile(dir.resolve("root-uuid"))) {
            console.info("Reusing the root filesystem disk built earlier: " + dir);
            return dir;
        }
        Instant t0 = Instant.now();
        console.info("Building the base image from the Debian mirror " + req.mirror() + " (" + req.suite() + ") "
                + req.root().describe() + (req.extras().isEmpty() ? "" : " with " + req.extras()));
        Path tmpDir = tempDir(req.cacheRoot(), "stage0-" + fp);
        try {
            Path script = tmpDir.resolve(SCRIPT);
            Files.writeString(script, scriptText());
            Path pub = tmpDir.resolve("authorized_keys");
            Files.writeString(pub, req.key().publicKeyLine() + "\n");
            List<String> tail = new java.util.ArrayList<>();
            // the plain debootstrap, shared by the bases of one suite/mirror/script (an image's extras come later)
            Path rootfs = req.cacheRoot().resolve("base").resolve("rootfs-" + new Fingerprint()
                    .add("suite", req.suite()).add("mirror", req.mirror()).add("script", scriptText()).digest()
                    .substring(0, 16) + ".tar.zst");
            int code = req.root().run(List.of("bash", script.toString(), req.suite(), req.mirror(),
                            Integer.toString(req.sizeMiB()), pub.toString(), tmpDir.toString()),
                    List.of(tmpDir, rootfs.getParent()),
                    Map.of("SOURCE_DATE_EPOCH", "1767225600",
                            "EXTRA_PACKAGES", String.join(" ", req.extras().packages()),
                            "EXTRA_COMPONENTS", req.extras().components(),
                            "ROOTFS_CACHE", rootfs.toString()), line -> {
                        synchronized (tail) {
                            tail.add(line);
                            if (tail.size() > 6) {
                                tail.remove(0);
                            }
                        }
                        if (line.startsWith("pharos-base:") || line.startsWith("E:") || line.startsWith("W:")) {
                            console.info(line);
                        } else {
                            console.debug(line);
                        }
                    });
            if (code != 0) {
                throw new PharosException("Building the base image from " + req.mirror() + " failed (exit " + code
                        + "): " + String.join(" | ", tail), "pharos.base.mirror", "Check that the mirror is reachable"
                        + " and serves " + req.suite() + "; rerun with -X for debootstrap's output.");
            }
            Files.delete(script);
            Files.delete(pub);
            publish(tmpDir, dir);
            console.info("Base root filesystem written in " + Duration.between(t0, Instant.now()).toSeconds() + " s");
            return dir;
        } catch (IOException e) {
            throw new PharosException("Cannot write the base image in " + tmpDir + ": " + e.getMessage(),
                    "pharos.cacheDirectory", "Check free space and permissions of the cache directory.", e);
        } finally {
            deleteTree(tmpDir);
        }
    }

    private static void installGrub(Request req, Path stage0, Path disk, Path work, Console console)
            throws PharosException, IOException {
        String uuid = Files.readString(stage0.resolve("root-uuid")).strip();
        QemuVm.Spec spec = new QemuVm.Spec(disk, false, req.accelerator(), 2, 1024,
                stage0.resolve("vmlinuz"), stage0.resolve("initrd.img"),
                "root=UUID=" + uuid + " rw console=ttyS0,115200", null, false, work.resolve("console.log"));
        try (QemuVm vm = QemuVm.startAndWaitForSsh(spec, req.key().privateKey(), "debian", QemuVm.SSH_TIMEOUT,
                console)) {
            String out = vm.sshOutput("set -e; sudo grub-install --target=i386-pc /dev/vda 2>&1;"
                    + " sudo update-grub 2>&1; sudo rm -f /var/log/*.log; sudo sync", Duration.ofMinutes(5));
            out.lines().forEach(l -> console.debug("guest: " + l));
            vm.shutdown(Duration.ofMinutes(2));
        }
        Files.deleteIfExists(work.resolve("console.log"));
        Files.deleteIfExists(work.resolve("console.log.qemu"));
    }

    // ---------------------------------------------------------------- files

    private static Path tempDir(Path cacheRoot, String name) throws PharosException {
        try {
            Path base = cacheRoot.resolve("base");
            Files.createDirectories(base);
            return Files.createTempDirectory(base, "." + name + ".");
        } catch (IOException e) {
            throw new PharosException("Cannot create the cache directory " + cacheRoot + ": " + e.getMessage(),
                    "pharos.cacheDirectory", "Point pharos.cacheDirectory at a writable directory.", e);
        }
    }

    /** Rename the finished temp directory to its final name (atomic), replacing a stale one. */
    private static void publish(Path tmpDir, Path dir) throws PharosException {
        try {
            if (Files.exists(dir)) {
                deleteTree(dir);
            }
            Files.move(tmpDir, dir, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new PharosException("Cannot move " + tmpDir + " to " + dir + ": " + e.getMessage(),
                    "pharos.cacheDirectory", null, e);
        }
    }

    static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }

    static void writeJson(Path file, Object value) throws PharosException {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = Files.createTempFile(file.getParent(), "." + file.getFileName(), ".tmp");
            JSON.writeValue(tmp.toFile(), value);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new PharosException("Cannot write " + file + ": " + e.getMessage(), null, null, e);
        }
    }

    static Map<String, String> map(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }
}
