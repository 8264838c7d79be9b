package io.wharf.core.internal.distribution;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.zip.Deflater;

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
import io.wharf.core.internal.json.Json;
import io.wharf.core.spi.errors.InvalidParameterException;
import io.wharf.core.spi.errors.NotFoundException;
import io.wharf.core.spi.errors.SystemException;
import io.wharf.core.spi.errors.UnauthorizedException;
import io.wharf.core.spi.events.Event;
import io.wharf.core.spi.events.EventPublisher;
import io.wharf.core.spi.reference.Digest;

/**
 * `docker push` (moby's distribution/push_v2.go): for each tag, the image's layers go up to
 * --max-concurrent-uploads at a time (daemon-wide). A layer the distribution metadata knows as a
 * blob the repository has is skipped after a HEAD; one known in another repository of the same
 * registry is mounted from there; any other is gzip-compressed as it streams to the registry, and
 * the blob it became is remembered for the next push. Then the config blob, then the schema 2
 * manifest under the tag, whose digest joins the image's RepoDigests.
 */
@Component(service = PushService.class)
public final class PushService {

    private static final Logger LOG = LoggerFactory.getLogger(PushService.class);
    private static final long PROGRESS_EVERY_NANOS = 100_000_000L;
    private static final int MAX_ATTEMPTS = 5;
    private static final long SMALL_LAYER = 100 << 10;
    private static final long MIDDLE_LAYER = 10 << 20;

    private final ImageService images;
    private final EventPublisher events;
    private final RegistryClient registry;
    private final Semaphore uploadSlots;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final ParallelGzip gzip;

    @Activate
    public PushService(@Reference DaemonContext daemon, @Reference ImageService images, @Reference EventPublisher events,
            @Reference PullService pulls) {
        this.images = images;
        this.events = events;
        this.registry = pulls.registry();
        this.uploadSlots = new Semaphore(Math.max(1, daemon.config().integer("max-concurrent-uploads")), true);
        // dockerd's gzip level (Go's default, 6), on every core.
        this.gzip = new ParallelGzip(Runtime.getRuntime().availableProcessors(), Deflater.DEFAULT_COMPRESSION);
    }

    @Deactivate
    void deactivate() {
        executor.shutdownNow();
        gzip.close();
    }

    /**
     * Pushes {@code ref}: its tag, or every tag of its repository when it has none. {@code platform}
     * (JSON, may be empty) must be the image's when given. Writes dockerd's progress messages.
     */
    public void push(io.wharf.core.spi.reference.Reference ref, String platform, RegistryCredentials credentials,
            ProgressWriter out) throws IOException {
        if (ref.digest().isPresent()) {
            throw new InvalidParameterException("cannot push a digest reference");
        }
        out.message("", "The push refers to repository [" + ref.name() + "]");
        List<io.wharf.core.spi.reference.Reference> named = images.references().referencesByName(ref);
        if (named.isEmpty()) {
            throw new NotFoundException("An image does not exist locally with the tag: " + ref.familiarName());
        }
        List<io.wharf.core.spi.reference.Reference> tags = new ArrayList<>();
        if (ref.tag().isPresent()) {
            if (images.references().get(ref) == null) {
                throw new NotFoundException("tag does not exist: " + ref.familiarString());
            }
            tags.add(ref);
        } else {
            named.stream().filter(r -> r.tag().isPresent()).forEach(tags::add);
            if (tags.isEmpty()) {
                throw new NotFoundException("no tags to push for " + ref.familiarName());
            }
        }
        try {
            RegistryClient.Repository repo = registry.pushRepository(ref, credentials);
            Map<Digest, Blob> remote = new ConcurrentHashMap<>();
            for (io.wharf.core.spi.reference.Reference tag : tags) {
                ImageStore.Image image = images.images().get(images.references().get(tag)).orElseThrow(
                        () -> new NotFoundException("could not find image from tag " + tag.familiarString()));
                checkPlatform(image, platform, tag);
                pushTag(repo, tag, image, credentials, remote, out);
            }
        } catch (RegistryException e) {
            throw e.status() == 401 ? new UnauthorizedException(e.getMessage()) : new SystemException(e.getMessage(), e);
        }
        events.publish(Event.now("image", "push", ref.familiarString(), Map.of("name", ref.familiarString())));
    }

    /** As moby with a graph driver store: a platform asked for must be the image's. */
    private static void checkPlatform(ImageStore.Image image, String platform, io.wharf.core.spi.reference.Reference ref)
            throws IOException {
        if (platform == null || platform.isBlank()) {
            return;
        }
        JsonNode p;
        try {
            p = Json.MAPPER.readTree(platform);
        } catch (IOException e) {
            throw new InvalidParameterException("failed to parse platform: " + e.getMessage());
        }
        Manifests.Platform wanted = new Manifests.Platform(p.path("os").asText(""), p.path("architecture").asText(""),
                p.path("variant").asText(""));
        JsonNode c = image.json();
        Manifests.Platform actual = new Manifests.Platform(c.path("os").asText(""), c.path("architecture").asText(""),
                c.path("variant").asText(""));
        if (!wanted.os().isEmpty() && !wanted.matches(actual)) {
            throw new NotFoundException("image with reference " + ref.familiarString()
                    + " was found but does not match the specified platform: wanted " + wanted + ", actual: " + actual);
        }
    }

    /** A blob the repository has: its digest and size, as the manifest names it. */
    record Blob(Digest digest, long size) {
    }

    private void pushTag(RegistryClient.Repository repo, io.wharf.core.spi.reference.Reference tag, ImageStore.Image image,
            RegistryCredentials credentials, Map<Digest, Blob> remote, ProgressWriter out) throws IOException {
        List<Layer> layers = images.layersOf(image);
        if (layers.size() != image.diffIds().size()) {
            throw new SystemException("failed to get top layer from image: the layers of image " + image.id()
                    + " are missing");
        }
        byte[] hmacKey = hmacKey(credentials);
        // As dockerd: the top layer first.
        Map<Digest, Layer> topFirst = new LinkedHashMap<>();
        for (Layer l : layers.reversed()) {
            topFirst.putIfAbsent(l.diffId(), l);
        }
        topFirst.keySet().forEach(d -> out.message(shortId(d), "Preparing"));
        Map<Digest, Future<Blob>> jobs = new LinkedHashMap<>();
        topFirst.forEach((diffId, layer) -> jobs.put(diffId,
                executor.submit(() -> pushLayer(repo, tag, layer, hmacKey, remote, out))));
        Map<Digest, Blob> blobs = new LinkedHashMap<>();
        try {
            for (Map.Entry<Digest, Future<Blob>> job : jobs.entrySet()) {
                blobs.put(job.getKey(), job.getValue().get());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while pushing " + tag.familiarString());
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException(e.getCause());
        } finally {
            jobs.values().forEach(f -> f.cancel(true));
        }

        // The config blob, unless the repository has it, then the manifest.
        if (repo.blobSize(image.id()).isEmpty()) {
            URI upload = repo.startUpload();
            repo.commit(upload, image.id(), image.config());
        }
        List<Blob> manifestLayers = new ArrayList<>();
        for (Layer l : layers) {
            manifestLayers.add(blobs.get(l.diffId()));
        }
        byte[] manifest = manifest(new Blob(image.id(), image.config().length), manifestLayers);
        String tagName = tag.tag().orElseThrow();
        repo.putManifest(tagName, Manifests.DOCKER_MANIFEST, manifest);
        Digest digest = Digest.sha256Of(manifest);
        out.message("", tagName + ": digest: " + digest + " size: " + manifest.length);
        images.references().add(io.wharf.core.spi.reference.Reference.parseNormalized(tag.name() + "@" + digest), image.id());
        Map<String, Object> aux = new LinkedHashMap<>();
        aux.put("Tag", tagName);
        aux.put("Digest", digest.toString());
        aux.put("Size", manifest.length);
        out.aux(aux);
    }

    /**
     * A schema 2 manifest as distribution's builder writes it (Go's json.MarshalIndent with three
     * spaces), so that an image whose blobs are the same gets the same manifest digest from dockerd
     * and from Wharf.
     */
    static byte[] manifest(Blob config, List<Blob> layers) {
        StringBuilder s = new StringBuilder();
        s.append("{\n   \"schemaVersion\": 2,\n   \"mediaType\": \"").append(Manifests.DOCKER_MANIFEST).append("\",\n");
        s.append("   \"config\": ");
        descriptor(s, "   ", Manifests.DOCKER_CONFIG, config);
        s.append(",\n   \"layers\": [");
        for (int i = 0; i < layers.size(); i++) {
            s.append(i == 0 ? "\n      " : ",\n      ");
            descriptor(s, "      ", Manifests.DOCKER_LAYER, layers.get(i));
        }
        s.append(layers.isEmpty() ? "]\n}" : "\n   ]\n}");
        return s.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void descriptor(StringBuilder s, String indent, String mediaType, Blob blob) {
        s.append("{\n").append(indent).append("   \"mediaType\": \"").append(mediaType).append("\",\n")
                .append(indent).append("   \"size\": ").append(blob.size()).append(",\n")
                .append(indent).append("   \"digest\": \"").append(blob.digest()).append("\"\n")
                .append(indent).append('}');
    }

    /** One layer: known, found, mounted or uploaded, retried as dockerd retries (5 attempts, 5 s more wait each). */
    private Blob pushLayer(RegistryClient.Repository repo, io.wharf.core.spi.reference.Reference tag, Layer layer,
            byte[] hmacKey, Map<Digest, Blob> remote, ProgressWriter out) throws IOException, InterruptedException {
        String id = shortId(layer.diffId());
        Blob known = remote.get(layer.diffId());
        if (known != null) {
            out.message(id, "Layer already exists");
            return known;
        }
        if (!uploadSlots.tryAcquire()) {
            out.message(id, "Waiting");
            uploadSlots.acquire();
        }
        try {
            for (int attempt = 1;; attempt++) {
                try {
                    Blob blob = tryLayer(repo, tag, layer, hmacKey, out);
                    remote.put(layer.diffId(), blob);
                    return blob;
                } catch (IOException e) {
                    if (attempt >= MAX_ATTEMPTS || !retryable(e) || out.clientGone()) {
                        throw e;
                    }
                    LOG.info("pushing layer {} to {} failed (attempt {}), retrying: {}", layer.diffId(), tag.name(), attempt,
                            e.toString());
                    for (int delay = attempt * 5; delay > 0; delay--) {
                        out.message(id, "Retrying in " + delay + (delay == 1 ? " second" : " seconds"));
                        Thread.sleep(1000);
                    }
                }
            }
        } finally {
            uploadSlots.release();
        }
    }

    /** As moby's retryOnError: registry refusals are final, transport trouble is not. */
    private static boolean retryable(IOException e) {
        if (e instanceof InterruptedIOException) {
            return false;
        }
        if (e instanceof RegistryException r) {
            return r.status() >= 500 || r.code().equals("BLOB_UPLOAD_UNKNOWN") || r.code().equals("BLOB_UPLOAD_INVALID")
                    || r.code().equals("DIGEST_INVALID");
        }
        return true;
    }

    private Blob tryLayer(RegistryClient.Repository repo, io.wharf.core.spi.reference.Reference tag, Layer layer,
            byte[] hmacKey, ProgressWriter out) throws IOException {
        Digest diffId = layer.diffId();
        String id = shortId(diffId);
        DistributionMetadata metadata = images.distribution();
        List<DistributionMetadata.Entry> known = metadata.get(diffId);
        long size = images.layers().tarSize(layer.chainId());
        // As moby: the bigger the layer, the more a check or a mount is worth before uploading it.
        int maxMounts = size > MIDDLE_LAYER ? 4 : size > SMALL_LAYER ? 3 : 1;
        int maxChecks = size > MIDDLE_LAYER ? 3 : 1;
        Set<Digest> checked = new HashSet<>();

        Blob found = alreadyThere(repo, tag, diffId, known, true, 1, checked, hmacKey);
        if (found != null) {
            out.message(id, "Layer already exists");
            return found;
        }
        URI upload = null;
        for (DistributionMetadata.Entry candidate : mountCandidates(tag, known, hmacKey, maxMounts)) {
            String from = io.wharf.core.spi.reference.Reference.parseNormalized(candidate.sourceRepository()).path();
            RegistryClient.Mount mount;
            try {
                mount = repo.mount(candidate.digest(), from);
            } catch (RegistryException e) {
                LOG.info("mounting layer {} ({}) from {} failed: {}", diffId, candidate.digest(), from, e.getMessage());
                metadata.remove(candidate);
                continue;
            }
            if (mount.mounted()) {
                OptionalLong blobSize = repo.blobSize(candidate.digest());
                if (blobSize.isPresent()) {
                    out.message(id, "Mounted from " + from);
                    metadata.add(diffId, DistributionMetadata.Entry.tagged(candidate.digest(), tag.name(), hmacKey));
                    if (upload != null) {
                        repo.cancel(upload);
                    }
                    return new Blob(candidate.digest(), blobSize.getAsLong());
                }
            } else {
                metadata.remove(candidate);
                if (upload != null) {
                    repo.cancel(upload);
                }
                upload = mount.upload();
            }
        }
        if (maxChecks > checked.size()) {
            found = alreadyThere(repo, tag, diffId, known, size > MIDDLE_LAYER, maxChecks - checked.size(), checked, hmacKey);
            if (found != null) {
                if (upload != null) {
                    repo.cancel(upload);
                }
                out.message(id, "Layer already exists");
                return found;
            }
        }
        if (upload == null) {
            upload = repo.startUpload();
        }
        Blob blob = upload(repo, upload, layer, size, id, out);
        out.message(id, "Pushed");
        metadata.add(diffId, DistributionMetadata.Entry.tagged(blob.digest(), tag.name(), hmacKey));
        return blob;
    }

    /**
     * HEADs up to {@code max} blobs the layer is known as (only this repository's unless
     * {@code otherRepositories}); the first the repository has, remembered as being there.
     */
    private Blob alreadyThere(RegistryClient.Repository repo, io.wharf.core.spi.reference.Reference tag, Digest diffId,
            List<DistributionMetadata.Entry> known, boolean otherRepositories, int max, Set<Digest> checked, byte[] hmacKey)
            throws IOException {
        List<DistributionMetadata.Entry> candidates = new ArrayList<>();
        for (DistributionMetadata.Entry e : known) {
            if (otherRepositories || e.sourceRepository().isEmpty() || e.sourceRepository().equals(tag.name())) {
                candidates.add(e);
            }
        }
        sortByLikeness(tag, hmacKey, candidates);
        Map<Digest, DistributionMetadata.Entry> byDigest = new LinkedHashMap<>();
        for (DistributionMetadata.Entry e : candidates) {
            if (byDigest.size() >= max) {
                break;
            }
            if (!checked.contains(e.digest())) {
                byDigest.putIfAbsent(e.digest(), e);
            }
        }
        DistributionMetadata metadata = images.distribution();
        for (DistributionMetadata.Entry e : byDigest.values()) {
            OptionalLong size = repo.blobSize(e.digest());
            checked.add(e.digest());
            if (size.isPresent()) {
                DistributionMetadata.Entry here = DistributionMetadata.Entry.tagged(e.digest(), tag.name(), hmacKey);
                if (!e.equals(here)) {
                    metadata.add(diffId, here);
                }
                return new Blob(e.digest(), size.getAsLong());
            }
            if (e.sourceRepository().equals(tag.name())) {
                metadata.remove(e);
            }
        }
        return null;
    }

    /** Blobs the layer is known as in other repositories of the same registry, the likeliest to mount first. */
    private static List<DistributionMetadata.Entry> mountCandidates(io.wharf.core.spi.reference.Reference tag,
            List<DistributionMetadata.Entry> known, byte[] hmacKey, int max) {
        List<DistributionMetadata.Entry> candidates = new ArrayList<>();
        for (DistributionMetadata.Entry e : known) {
            io.wharf.core.spi.reference.Reference source;
            try {
                source = io.wharf.core.spi.reference.Reference.parseNormalized(e.sourceRepository());
            } catch (RuntimeException ex) {
                continue;
            }
            if (source.domain().equals(tag.domain()) && !source.name().equals(tag.name())) {
                candidates.add(e);
            }
        }
        sortByLikeness(tag, hmacKey, candidates);
        return candidates.size() > max ? candidates.subList(0, max) : candidates;
    }

    /**
     * moby's order of candidates: newest first, then those tagged with these credentials, then
     * those sharing more leading path components with the target repository.
     */
    private static void sortByLikeness(io.wharf.core.spi.reference.Reference tag, byte[] hmacKey,
            List<DistributionMetadata.Entry> entries) {
        java.util.Collections.reverse(entries);
        String[] target = tag.name().split("/");
        entries.sort(Comparator.comparing((DistributionMetadata.Entry e) -> !e.taggedWith(hmacKey))
                .thenComparing(e -> -matchingComponents(e.sourceRepository().split("/"), target)));
    }

    private static int matchingComponents(String[] a, String[] b) {
        int i = 0;
        while (i < a.length && i < b.length && a[i].equals(b[i])) {
            i++;
        }
        return i;
    }

    /**
     * Streams the layer's tar, gzip-compressed, into the upload (one PATCH) and completes it
     * with the digest of what went (PUT), reporting "Pushing" progress by the tar's bytes.
     */
    private Blob upload(RegistryClient.Repository repo, URI upload, Layer layer, long size, String id, ProgressWriter out)
            throws IOException {
        Digest.Digester digester = Digest.sha256Digester();
        long[] last = {0};
        out.progress(id, "Pushing", 0, size);
        Counting body;
        try (InputStream gz = gzip.compress(images.layers().tar(layer.chainId()), done -> {
            long now = System.nanoTime();
            if (now - last[0] >= PROGRESS_EVERY_NANOS || done == size) {
                last[0] = now;
                out.progress(id, "Pushing", done, size);
            }
        })) {
            body = new Counting(digester.wrap(gz), out);
            URI next;
            try {
                next = repo.patch(upload, body);
            } catch (IOException e) {
                repo.cancel(upload);
                throw e;
            }
            Digest digest = digester.digest();
            repo.commit(next, digest, new byte[0]);
            return new Blob(digest, body.count);
        }
    }

    /** Counts what the HTTP client reads, and stops it when the client of the push went away. */
    private static final class Counting extends FilterInputStream {
        private final ProgressWriter out;
        long count;

        Counting(InputStream in, ProgressWriter out) {
            super(in);
            this.out = out;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (out.clientGone()) {
                throw new InterruptedIOException("the push was cancelled: its client went away");
            }
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }
    }

    /**
     * moby's ComputeV2MetadataHMACKey: the digest of the credentials' JSON (username, password,
     * registrytoken, left out when empty), so that metadata written with the same credentials is
     * told apart without keeping them.
     */
    static byte[] hmacKey(RegistryCredentials credentials) {
        Map<String, String> input = new LinkedHashMap<>();
        if (!credentials.username().isEmpty()) {
            input.put("username", credentials.username());
        }
        if (!credentials.password().isEmpty()) {
            input.put("password", credentials.password());
        }
        if (!credentials.identityToken().isEmpty()) {
            input.put("identitytoken", credentials.identityToken());
        }
        if (!credentials.registryToken().isEmpty()) {
            input.put("registrytoken", credentials.registryToken());
        }
        return Digest.sha256Of(Json.bytes(input)).toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** moby's stringid.TruncateID of a diff ID: its first 12 hex digits. */
    private static String shortId(Digest diffId) {
        return diffId.encoded().substring(0, 12);
    }
}
