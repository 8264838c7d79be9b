package io.wharf.core.internal.distribution;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.stream.Stream;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;

import io.wharf.core.internal.daemon.DaemonContext;
import io.wharf.core.internal.image.DistributionMetadata;
import io.wharf.core.internal.image.ImageService;
import io.wharf.core.internal.image.ImageStore;
import io.wharf.core.internal.image.Layer;
import io.wharf.core.internal.image.LayerStore;
import io.wharf.core.internal.json.Json;
import io.wharf.core.spi.errors.ApiException;
import io.wharf.core.spi.errors.InvalidParameterException;
import io.wharf.core.spi.errors.NotFoundException;
import io.wharf.core.spi.errors.SystemException;
import io.wharf.core.spi.errors.UnauthorizedException;
import io.wharf.core.spi.events.Event;
import io.wharf.core.spi.events.EventPublisher;
import io.wharf.core.spi.reference.Digest;

/**
 * `docker pull` (moby's distribution/pull_v2.go): manifest (a list or index narrowed to one
 * platform), config, and layers (gzip, zstd or plain tars) downloaded up to
 * --max-concurrent-downloads at a time, each blob verified against its digest before it is used,
 * unpacked into the layer store (layers already there skipped), the image stored last and then
 * tagged. A blob two pulls need at once is downloaded once, and a layer is unpacked once. Docker
 * Hub names are read from the --registry-mirror endpoints first, falling back as dockerd does.
 */
@Component(service = PullService.class)
public final class PullService {

    private static final Logger LOG = LoggerFactory.getLogger(PullService.class);
    private static final long PROGRESS_EVERY_NANOS = 100_000_000L;
    private static final int MAX_CONFIG_BYTES = 8 << 20;

    private final ImageService images;
    private final EventPublisher events;
    private final RegistryClient registry;
    private final RegistrySearch search;
    private final Path tmp;
    private final Semaphore downloadSlots;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final Map<Digest, SharedBlob> blobs = new ConcurrentHashMap<>();
    private final Map<Digest, CompletableFuture<Layer>> registering = new ConcurrentHashMap<>();

    @Activate
    public PullService(@Reference DaemonContext daemon, @Reference ImageService images, @Reference EventPublisher events)
            throws IOException {
        this.images = images;
        this.events = events;
        this.registry = new RegistryClient(() -> daemon.config().list("insecure-registries"),
                () -> daemon.config().list("registry-mirrors"), RegistryClient.certsDir(daemon.config().configFile()));
        this.search = new RegistrySearch(registry);
        this.downloadSlots = new Semaphore(Math.max(1, daemon.config().integer("max-concurrent-downloads")), true);
        this.tmp = daemon.config().dataRoot().resolve("tmp");
        Files.createDirectories(tmp);
        // Downloads a killed daemon left behind: nothing refers to them.
        try (Stream<Path> files = Files.list(tmp)) {
            for (Path f : files.filter(p -> p.getFileName().toString().startsWith("pull-")).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }

    @Deactivate
    void deactivate() {
        executor.shutdownNow();
    }

    /** The registry client, one for pulls and pushes, so that they share bearer tokens. */
    RegistryClient registry() {
        return registry;
    }

    /**
     * POST /auth (docker login): checks the credentials against the registry that
     * {@code serverAddress} names ("host:port", a URL such as https://index.docker.io/v1/, or empty
     * for Docker Hub); answers the identity token for the client to keep (a refresh token from the
     * registry's token server), or "".
     */
    public String login(String serverAddress, RegistryCredentials credentials) throws IOException {
        String host = serverAddress == null ? "" : serverAddress.replaceFirst("^[a-zA-Z]+://", "");
        int slash = host.indexOf('/');
        host = slash < 0 ? host : host.substring(0, slash);
        if (host.isEmpty() || host.equals("index.docker.io") || host.equals("docker.io")) {
            host = io.wharf.core.spi.reference.Reference.DEFAULT_DOMAIN;
        }
        try {
            return registry.login(host, credentials);
        } catch (RegistryException e) {
            throw e.status() == 401 ? new UnauthorizedException(e.getMessage()) : new SystemException(e.getMessage(), e);
        }
    }

    /**
     * GET /distribution/{name}/json: the descriptor of what the registry has for {@code ref} (the
     * index's, for a multi-platform image) and the platforms it offers, without pulling anything.
     */
    public Map<String, Object> inspect(io.wharf.core.spi.reference.Reference ref, RegistryCredentials credentials)
            throws IOException {
        io.wharf.core.spi.reference.Reference named = ref.withDefaultTag();
        String tagOrDigest = named.digest().map(Digest::toString).orElseGet(() -> named.tag().orElseThrow());
        try {
            return fromSources(named, credentials, repo -> inspect(repo, tagOrDigest));
        } catch (RegistryException e) {
            throw translate(e, named);
        }
    }

    private Map<String, Object> inspect(RegistryClient.Repository repo, String tagOrDigest) throws IOException {
        RegistryClient.Manifest top = repo.manifest(tagOrDigest);
        JsonNode json = Manifests.parse(top.bytes());
        List<Map<String, Object>> platforms = new ArrayList<>();
        if (Manifests.isIndex(top.mediaType(), json)) {
            for (JsonNode entry : json.path("manifests")) {
                Manifests.Descriptor d = Manifests.Descriptor.of(entry);
                if (d.platform() != null) {
                    platforms.add(platformJson(d.platform().architecture(), d.platform().os(), d.platform().variant()));
                }
            }
        } else {
            JsonNode config = Json.MAPPER.readTree(config(repo, Manifests.image(json).config()));
            platforms.add(platformJson(config.path("architecture").asText(""), config.path("os").asText(""),
                    config.path("variant").asText("")));
        }
        Map<String, Object> descriptor = new LinkedHashMap<>();
        descriptor.put("mediaType", top.mediaType());
        descriptor.put("digest", top.digest().toString());
        descriptor.put("size", top.bytes().length);
        return Map.of("Descriptor", descriptor, "Platforms", platforms);
    }

    private static Map<String, Object> platformJson(String architecture, String os, String variant) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("architecture", architecture);
        p.put("os", os);
        if (!variant.isEmpty()) {
            p.put("variant", variant);
        }
        return p;
    }

    /**
     * Pulls {@code ref} (a tag or a digest; "latest" when neither) for {@code platform} (null: this
     * host's), writing dockerd's progress messages to {@code out}.
     */
    public void pull(io.wharf.core.spi.reference.Reference ref, String platform, RegistryCredentials credentials,
            ProgressWriter out) throws IOException {
        io.wharf.core.spi.reference.Reference named = ref.withDefaultTag();
        boolean platformGiven = platform != null && !platform.isBlank();
        Manifests.Platform wanted = platformGiven ? Manifests.Platform.parse(platform) : Manifests.Platform.host();
        String tagOrDigest = named.digest().map(Digest::toString).orElseGet(() -> named.tag().orElseThrow());
        try {
            fromSources(named, credentials, repo -> {
                pull(repo, named, tagOrDigest, wanted, platformGiven, out);
                return null;
            });
        } catch (RegistryException e) {
            throw translate(e, named);
        }
    }

    private void pull(RegistryClient.Repository repo, io.wharf.core.spi.reference.Reference named, String tagOrDigest,
            Manifests.Platform wanted, boolean platformGiven, ProgressWriter out) throws IOException {
        RegistryClient.Manifest top = repo.manifest(tagOrDigest);
        if (named.digest().isPresent()) {
            verifyManifest(top, named.digest().get());
        }
        JsonNode json = Manifests.parse(top.bytes());
        boolean fromIndex = Manifests.isIndex(top.mediaType(), json);
        if (fromIndex) {
            Manifests.Descriptor chosen = Manifests.select(json, wanted);
            RegistryClient.Manifest inner = repo.manifest(chosen.digest().toString());
            verifyManifest(inner, chosen.digest());
            json = Manifests.parse(inner.bytes());
            if (Manifests.isIndex(inner.mediaType(), json)) {
                throw new InvalidParameterException("invalid manifest: an index entry " + chosen.digest()
                        + " is itself an index");
            }
        }
        Manifests.ImageManifest manifest = Manifests.image(json);
        out.message(tagOrDigest, "Pulling from " + named.path());

        Digest imageId = manifest.config().digest();
        ImageStore.Image image = images.images().get(imageId).orElse(null);
        if (image == null) {
            byte[] config = config(repo, manifest.config());
            checkPlatform(config, wanted, platformGiven && !fromIndex, named);
            pullLayers(repo, manifest, config, out);
            recordBlobs(named, manifest, config);
            image = images.store(config);
        }
        boolean updated = record(named, top.digest(), image);
        out.message("", "Digest: " + top.digest());
        out.message("", (updated ? "Status: Downloaded newer image for " : "Status: Image is up to date for ")
                + named.familiarString());
        events.publish(Event.now("image", "pull", named.familiarString(), Map.of("name", named.familiarString())));
    }

    /** What a pull or an inspection reads from one endpoint of a repository. */
    @FunctionalInterface
    private interface FromRepository<T> {
        T read(RegistryClient.Repository repo) throws IOException;
    }

    /**
     * Runs {@code read} against the endpoints of {@code named} in turn, falling back as dockerd's
     * pull does (moby distribution/pull.go and continueOnError): to the next endpoint when one
     * cannot be reached (its /v2/ ping fails), and after any failure of a mirror (a manifest it
     * does not have, a 5xx, a broken blob). The last endpoint's error is the pull's.
     */
    private <T> T fromSources(io.wharf.core.spi.reference.Reference named, RegistryCredentials credentials,
            FromRepository<T> read) throws IOException {
        List<RegistryClient.Source> sources = registry.pullSources(named, credentials);
        for (int i = 0;; i++) {
            RegistryClient.Source source = sources.get(i);
            boolean last = i == sources.size() - 1;
            RegistryClient.Repository repo;
            try {
                repo = source.open();
            } catch (InterruptedIOException e) {
                throw e;
            } catch (IOException e) {
                if (last) {
                    throw e;
                }
                LOG.info("Attempting next endpoint for pull of {} after error: {}", named, e.getMessage());
                continue;
            }
            try {
                return read.read(repo);
            } catch (InterruptedIOException e) {
                throw e;
            } catch (IOException | ApiException e) {
                if (last || !source.mirror()) {
                    throw e;
                }
                LOG.info("Attempting next endpoint for pull of {} after error from {}: {}", named, source, e.getMessage());
            }
        }
    }

    /**
     * GET /images/search: the v1 search API of the index the term names (Docker Hub when it names
     * none), filtered by is-official, is-automated and stars.
     */
    public List<Map<String, Object>> search(String term, int limit, io.wharf.core.spi.http.Filters filters,
            RegistryCredentials credentials) throws IOException {
        return search.search(term, limit, filters, credentials);
    }

    private static void verifyManifest(RegistryClient.Manifest manifest, Digest expected) {
        Digest actual = expected.algorithm().equals(Digest.SHA256) ? manifest.digest()
                : Digest.digester(expected.algorithm()).update(manifest.bytes()).digest();
        if (!actual.equals(expected)) {
            throw new InvalidParameterException("manifest verification failed for digest " + expected);
        }
    }

    /** dockerd's wording for what registries answer (distribution/errors.go, translatePullError). */
    private static ApiException translate(RegistryException e, io.wharf.core.spi.reference.Reference ref) {
        return switch (e.code()) {
            case "MANIFEST_UNKNOWN" -> new NotFoundException("manifest for " + ref.familiarString() + " not found: "
                    + e.getMessage(), e);
            case "NAME_UNKNOWN" -> new NotFoundException("repository " + ref.familiarName() + " not found: "
                    + e.getMessage(), e);
            case "DENIED" -> new NotFoundException("pull access denied for " + ref.familiarName()
                    + ", repository does not exist or may require 'docker login': " + e.getMessage(), e);
            default -> new SystemException(e.getMessage(), e);
        };
    }

    private byte[] config(RegistryClient.Repository repo, Manifests.Descriptor descriptor) throws IOException {
        RegistryClient.Blob blob = repo.blob(descriptor.digest());
        byte[] bytes;
        try (InputStream in = blob.content()) {
            bytes = in.readNBytes(MAX_CONFIG_BYTES + 1);
        }
        Digest actual = Digest.digester(descriptor.digest().algorithm()).update(bytes).digest();
        if (bytes.length > MAX_CONFIG_BYTES || !actual.equals(descriptor.digest())) {
            throw new InvalidParameterException("image config verification failed for digest " + descriptor.digest());
        }
        return bytes;
    }

    /** A single manifest pulled with --platform must be for that platform, as dockerd checks. */
    private static void checkPlatform(byte[] config, Manifests.Platform wanted, boolean check,
            io.wharf.core.spi.reference.Reference ref) throws IOException {
        if (!check) {
            return;
        }
        JsonNode json = Json.MAPPER.readTree(config);
        Manifests.Platform actual = new Manifests.Platform(json.path("os").asText(""), json.path("architecture").asText(""),
                json.path("variant").asText(""));
        if (!wanted.matches(actual)) {
            throw new NotFoundException("image with reference " + ref.familiarString()
                    + " was found but does not match the specified platform: wanted " + wanted + ", actual: " + actual);
        }
    }

    /** Tags and digest references for the pulled image; whether any of them changed (dockerd's tagUpdated). */
    private boolean record(io.wharf.core.spi.reference.Reference named, Digest manifestDigest, ImageStore.Image image)
            throws IOException {
        io.wharf.core.spi.reference.Reference digestRef = io.wharf.core.spi.reference.Reference
                .parseNormalized(named.name() + "@" + manifestDigest);
        boolean digestNew = !image.id().equals(images.references().get(digestRef));
        if (digestNew) {
            images.references().add(digestRef, image.id());
        }
        if (named.digest().isPresent()) {
            return digestNew;
        }
        if (image.id().equals(images.references().get(named))) {
            return false;
        }
        images.tag(image, named);
        return true;
    }

    /**
     * Remembers which blob each layer is at the repository it came from (moby's v2 metadata), so
     * that a push there needs no upload and a push to another repository of the registry mounts it.
     */
    private void recordBlobs(io.wharf.core.spi.reference.Reference named, Manifests.ImageManifest manifest, byte[] config)
            throws IOException {
        JsonNode diffIds = Json.MAPPER.readTree(config).path("rootfs").path("diff_ids");
        for (int i = 0; i < manifest.layers().size() && i < diffIds.size(); i++) {
            if (!Manifests.GZIP_LAYERS.contains(manifest.layers().get(i).mediaType())) {
                continue; // a push names its layers gzip blobs: only those can stand for a layer there
            }
            images.distribution().add(Digest.parse(diffIds.get(i).asText()),
                    new DistributionMetadata.Entry(manifest.layers().get(i).digest(), named.name(), ""));
        }
    }

    private void pullLayers(RegistryClient.Repository repo, Manifests.ImageManifest manifest, byte[] config,
            ProgressWriter out) throws IOException {
        List<Digest> diffIds = new ArrayList<>();
        Json.MAPPER.readTree(config).path("rootfs").path("diff_ids").forEach(d -> diffIds.add(Digest.parse(d.asText())));
        if (diffIds.size() != manifest.layers().size()) {
            throw new InvalidParameterException("invalid manifest: it has " + manifest.layers().size()
                    + " layers, the image config " + diffIds.size());
        }
        LayerStore layers = images.layers();
        List<Digest> chains = new ArrayList<>();
        Digest chain = null;
        for (Digest diffId : diffIds) {
            chain = Layer.chainId(chain, diffId);
            chains.add(chain);
        }
        List<SharedBlob> acquired = new ArrayList<>();
        SharedBlob[] perLayer = new SharedBlob[diffIds.size()];
        try {
            for (int i = 0; i < diffIds.size(); i++) {
                Manifests.Descriptor layer = manifest.layers().get(i);
                String id = shortId(layer.digest());
                if (layers.exists(chains.get(i))) {
                    out.message(id, "Already exists");
                    continue;
                }
                out.message(id, "Pulling fs layer");
            }
            for (int i = 0; i < diffIds.size(); i++) {
                if (!layers.exists(chains.get(i))) {
                    Manifests.Descriptor layer = manifest.layers().get(i);
                    perLayer[i] = acquire(repo, layer, listener(out, shortId(layer.digest())));
                    acquired.add(perLayer[i]);
                }
            }
            for (int i = 0; i < diffIds.size(); i++) {
                if (perLayer[i] == null) {
                    continue;
                }
                Manifests.Descriptor layer = manifest.layers().get(i);
                Path file = perLayer[i].await();
                registerOnce(chains.get(i), i == 0 ? null : chains.get(i - 1), diffIds.get(i), file,
                        listener(out, shortId(layer.digest())));
                out.message(shortId(layer.digest()), "Pull complete");
            }
        } finally {
            acquired.forEach(this::release);
        }
    }

    private static Progress listener(ProgressWriter out, String id) {
        return (status, current, total) -> {
            if (current < 0) {
                out.message(id, status);
            } else {
                out.progress(id, status, current, total);
            }
        };
    }

    private static String shortId(Digest digest) {
        return digest.encoded().substring(0, 12);
    }

    /** Progress of one layer: a status with byte counts, or (current < 0) a plain status. */
    @FunctionalInterface
    private interface Progress {
        void report(String status, long current, long total);
    }

    /** A verified blob file being downloaded for one or more pulls; the last to let go deletes it. */
    private final class SharedBlob {
        final Digest digest;
        final List<Progress> listeners = new CopyOnWriteArrayList<>();
        Future<Path> file;
        int users;

        SharedBlob(Digest digest) {
            this.digest = digest;
        }

        void report(String status, long current, long total) {
            listeners.forEach(l -> l.report(status, current, total));
        }

        Path await() throws IOException {
            try {
                return file.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while downloading " + digest);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof IOException io) {
                    throw io;
                }
                if (e.getCause() instanceof RuntimeException re) {
                    throw re;
                }
                throw new IOException(e.getCause());
            }
        }
    }

    private SharedBlob acquire(RegistryClient.Repository repo, Manifests.Descriptor descriptor, Progress progress) {
        synchronized (blobs) {
            SharedBlob shared = blobs.get(descriptor.digest());
            if (shared == null || (shared.file.isDone() && failed(shared.file))) {
                SharedBlob fresh = new SharedBlob(descriptor.digest());
                fresh.listeners.add(progress);
                fresh.file = executor.submit(() -> download(repo, descriptor, fresh));
                blobs.put(descriptor.digest(), fresh);
                shared = fresh;
            } else {
                shared.listeners.add(progress);
            }
            shared.users++;
            return shared;
        }
    }

    private static boolean failed(Future<Path> f) {
        return f.state() != Future.State.SUCCESS;
    }

    private void release(SharedBlob shared) {
        synchronized (blobs) {
            if (--shared.users > 0) {
                return;
            }
            blobs.remove(shared.digest, shared);
        }
        shared.file.cancel(true);
        if (shared.file.state() == Future.State.SUCCESS) {
            try {
                Files.deleteIfExists(shared.file.resultNow());
            } catch (IOException e) {
                LOG.warn("could not remove the downloaded blob {}: {}", shared.digest, e.toString());
            }
        }
    }

    /** Downloads a blob into a file under tmp/, verified against its digest; nothing is kept when it does not match. */
    private Path download(RegistryClient.Repository repo, Manifests.Descriptor descriptor, SharedBlob shared)
            throws IOException, InterruptedException {
        if (!downloadSlots.tryAcquire()) {
            shared.report("Waiting", -1, 0);
            downloadSlots.acquire();
        }
        Path file = Files.createTempFile(tmp, "pull-", ".blob");
        boolean ok = false;
        try {
            Digest.Digester digester = Digest.digester(descriptor.digest().algorithm());
            RegistryClient.Blob blob = repo.blob(descriptor.digest());
            long total = descriptor.size() > 0 ? descriptor.size() : blob.length();
            try (InputStream in = digester.wrap(blob.content()); OutputStream o = Files.newOutputStream(file)) {
                byte[] buf = new byte[1 << 16];
                long current = 0;
                long last = 0;
                for (int n; (n = in.read(buf)) > 0;) {
                    o.write(buf, 0, n);
                    current += n;
                    if (descriptor.size() > 0 && current > descriptor.size()) {
                        throw verificationFailed(descriptor.digest());
                    }
                    long now = System.nanoTime();
                    if (now - last >= PROGRESS_EVERY_NANOS) {
                        shared.report("Downloading", current, total);
                        last = now;
                    }
                }
                shared.report("Downloading", current, total);
            }
            shared.report("Verifying Checksum", -1, 0);
            if (!digester.digest().equals(descriptor.digest())) {
                throw verificationFailed(descriptor.digest());
            }
            shared.report("Download complete", -1, 0);
            ok = true;
            return file;
        } finally {
            downloadSlots.release();
            if (!ok) {
                Files.deleteIfExists(file);
            }
        }
    }

    private static InvalidParameterException verificationFailed(Digest digest) {
        return new InvalidParameterException("filesystem layer verification failed for digest " + digest);
    }

    /**
     * Unpacks a downloaded layer onto its parent, once however many pulls want it at the same time;
     * its uncompressed content must have the diff ID the image config names, or nothing is kept.
     */
    private Layer registerOnce(Digest chain, Digest parent, Digest diffId, Path file, Progress progress) throws IOException {
        LayerStore layers = images.layers();
        while (true) {
            Layer known = layers.get(chain);
            if (known != null) {
                return known;
            }
            CompletableFuture<Layer> mine = new CompletableFuture<>();
            CompletableFuture<Layer> other = registering.putIfAbsent(chain, mine);
            if (other != null) {
                try {
                    return other.get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while waiting for layer " + diffId);
                } catch (ExecutionException e) {
                    // The other pull failed; try ourselves.
                    continue;
                }
            }
            try {
                Layer layer = layers.get(chain);
                if (layer == null) {
                    long total = Files.size(file);
                    progress.report("Extracting", 0, total);
                    try (InputStream plain = new VerifyingInputStream(
                            LayerCompression.decompressed(new CountingInputStream(Files.newInputStream(file), progress, total)), diffId)) {
                        layer = layers.register(plain, parent);
                    }
                }
                mine.complete(layer);
                return layer;
            } catch (IOException | RuntimeException e) {
                mine.completeExceptionally(e);
                throw e;
            } finally {
                registering.remove(chain, mine);
            }
        }
    }

    /** Hashes the uncompressed layer and, at its end, fails unless it has the expected diff ID. */
    private static final class VerifyingInputStream extends FilterInputStream {
        private final Digest expected;
        private final Digest.Digester digester;
        private boolean checked;

        VerifyingInputStream(InputStream in, Digest expected) {
            this(in, expected, Digest.digester(expected.algorithm()));
        }

        private VerifyingInputStream(InputStream in, Digest expected, Digest.Digester digester) {
            super(digester.wrap(in));
            this.expected = expected;
            this.digester = digester;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b < 0) {
                check();
            }
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            int n = super.read(buf, off, len);
            if (n < 0) {
                check();
            }
            return n;
        }

        private void check() throws IOException {
            if (checked) {
                return;
            }
            checked = true;
            Digest actual = digester.digest();
            if (!actual.equals(expected)) {
                throw new IOException("failed to register layer: the layer's content has diff ID " + actual
                        + ", the image config names " + expected);
            }
        }
    }

    /** Reports "Extracting" progress by the compressed bytes read. */
    private static final class CountingInputStream extends FilterInputStream {
        private final Progress progress;
        private final long total;
        private long current;
        private long last;

        CountingInputStream(InputStream in, Progress progress, long total) {
            super(in);
            this.progress = progress;
            this.total = total;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                advance(1);
            }
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            int n = super.read(buf, off, len);
            if (n > 0) {
                advance(n);
            }
            return n;
        }

        private void advance(long n) {
            current += n;
            long now = System.nanoTime();
            if (now - last >= PROGRESS_EVERY_NANOS || current == total) {
                last = now;
                progress.report("Extracting", current, total);
            }
        }
    }
}
