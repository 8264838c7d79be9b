package io.wharf.core.internal.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.wharf.core.internal.daemon.DaemonContext;
import io.wharf.core.internal.json.Json;
import io.wharf.core.internal.storage.StorageService;
import io.wharf.core.spi.errors.ConflictException;
import io.wharf.core.spi.errors.InvalidParameterException;
import io.wharf.core.spi.errors.NotFoundException;
import io.wharf.core.spi.events.Event;
import io.wharf.core.spi.events.EventPublisher;
import io.wharf.core.spi.reference.Digest;

/**
 * The daemon's images: layer, image and reference stores under data-root/image/DRIVER, and the
 * operations the image routes need (resolve, import, tag, delete, and the layers of an image).
 */
@Component(service = ImageService.class)
public final class ImageService {

    private final LayerStore layers;
    private final ContainerLayers containerLayers;
    private final ImageStore images;
    private final ReferenceStore references;
    private final DistributionMetadata distribution;
    private final StorageService storage;
    private final EventPublisher events;
    private final Path tmpDir;
    private volatile Function<Digest, List<ImageUser>> imageUsers = id -> List.of();

    @Activate
    public ImageService(@Reference DaemonContext daemon, @Reference StorageService storage, @Reference EventPublisher events)
            throws IOException {
        this.storage = storage;
        this.events = events;
        Path root = daemon.config().dataRoot().resolve("image").resolve(storage.driver().name());
        try {
            this.layers = new LayerStore(root.resolve("layerdb"), storage.driver(), storage.diff());
            this.containerLayers = new ContainerLayers(root.resolve("layerdb").resolve("mounts"), storage.driver(),
                    storage.diff(), layers);
            this.images = new ImageStore(root.resolve("imagedb"));
            this.references = new ReferenceStore(root.resolve("repositories.json"));
            this.distribution = new DistributionMetadata(root.resolve("distribution"));
        } catch (IOException | RuntimeException e) {
            // Without its image store the daemon cannot serve; say why and stop, as dockerd does.
            daemon.fail("loading the image store under " + root + ": " + e.getMessage());
            throw e;
        }
        this.tmpDir = daemon.config().dataRoot().resolve("tmp");
    }

    /** The read-only layers; registering one is atomic (a pull unpacks into it). */
    public LayerStore layers() {
        return layers;
    }

    /** The containers' read-write layers. */
    public ContainerLayers containerLayers() {
        return containerLayers;
    }

    public ImageStore images() {
        return images;
    }

    public ReferenceStore references() {
        return references;
    }

    /** Which blobs at which registries the layers are known as (pulls record it, pushes use it). */
    public DistributionMetadata distribution() {
        return distribution;
    }

    public StorageService storage() {
        return storage;
    }

    Path tmpDir() {
        return tmpDir;
    }

    /**
     * dockerd's GetImage: an image ID ("sha256:..."), then a reference (":latest" implied), then
     * a unique prefix of an image ID.
     */
    public ImageStore.Image resolve(String refOrId) {
        Optional<ImageStore.Image> found = find(refOrId);
        return found.orElseThrow(() -> new NotFoundException("No such image: " + refOrId));
    }

    public Optional<ImageStore.Image> find(String refOrId) {
        if (refOrId.startsWith("sha256:") && refOrId.length() == 71) {
            return images.get(Digest.parse(refOrId));
        }
        try {
            io.wharf.core.spi.reference.Reference ref = io.wharf.core.spi.reference.Reference.parseNormalized(refOrId)
                    .withDefaultTag();
            Digest id = references.get(ref);
            if (id != null) {
                return images.get(id);
            }
        } catch (InvalidParameterException e) {
            if (!refOrId.matches("(sha256:)?[0-9a-f]{1,64}")) {
                throw e;
            }
        }
        String prefix = refOrId.startsWith("sha256:") ? refOrId.substring(7) : refOrId;
        if (!prefix.matches("[0-9a-f]{1,64}")) {
            return Optional.empty();
        }
        List<ImageStore.Image> matches = images.all().stream().filter(i -> i.id().encoded().startsWith(prefix)).toList();
        if (matches.size() > 1) {
            throw new InvalidParameterException("multiple IDs found with provided prefix: " + prefix);
        }
        return matches.stream().findFirst();
    }

    /** `docker import`: one layer from a tar, a config from the changes, optionally tagged. */
    public synchronized ImageStore.Image importImage(InputStream tar, String repo, String tag, List<String> changes,
            String message) throws IOException {
        io.wharf.core.spi.reference.Reference ref = null;
        if (repo != null && !repo.isEmpty()) {
            ref = io.wharf.core.spi.reference.Reference.parseNormalized(repo);
            ref = tag != null && !tag.isEmpty() ? ref.withTag(tag) : ref.withDefaultTag();
        }
        ObjectNode config = Json.MAPPER.createObjectNode();
        ImageChanges.apply(changes, config);
        Layer layer = layers.register(tar, null);
        String created = OffsetDateTime.now(java.time.ZoneOffset.UTC).toString();
        ObjectNode image = Json.MAPPER.createObjectNode();
        image.put("architecture", goArch());
        image.set("config", config);
        image.put("created", created);
        ObjectNode history = image.putArray("history").addObject();
        history.put("created", created);
        history.put("comment", message == null || message.isEmpty() ? "Imported from -" : message);
        image.put("os", "linux");
        ObjectNode rootfs = image.putObject("rootfs");
        rootfs.put("type", "layers");
        rootfs.putArray("diff_ids").add(layer.diffId().toString());
        ImageStore.Image stored = images.put(Json.bytes(image));
        if (ref != null) {
            tag(stored, ref);
        }
        events.publish(Event.now("image", "import", stored.id().toString(), Map.of()));
        return stored;
    }

    /**
     * `docker commit`: a new image on {@code parent} whose last layer is {@code layerTar} (what a
     * container changed), with {@code config} (the container's, changed as asked); tagged when
     * {@code ref} is given. The container's own config is kept as the image's container_config and
     * its command names the history entry, as dockerd has them.
     */
    public synchronized ImageStore.Image commit(ImageStore.Image parent, InputStream layerTar, JsonNode config,
            String containerId, JsonNode containerConfig, String author, String comment,
            io.wharf.core.spi.reference.Reference ref) throws IOException {
        Layer layer = layers.register(layerTar, parent.topChainId());
        String created = OffsetDateTime.now(java.time.ZoneOffset.UTC).toString();
        ObjectNode image = parent.json().deepCopy();
        image.put("created", created);
        image.put("parent", parent.id().toString());
        image.put("container", containerId);
        image.set("container_config", containerConfig);
        image.set("config", config);
        image.put("author", author);
        image.put("comment", comment);
        ObjectNode history = (image.has("history") ? (ArrayNode) image.get("history")
                : image.putArray("history")).addObject();
        history.put("created", created);
        if (!author.isEmpty()) {
            history.put("author", author);
        }
        List<String> cmd = new ArrayList<>();
        containerConfig.path("Cmd").forEach(n -> cmd.add(n.asText()));
        history.put("created_by", String.join(" ", cmd));
        if (!comment.isEmpty()) {
            history.put("comment", comment);
        }
        ObjectNode rootfs = image.has("rootfs") ? (ObjectNode) image.get("rootfs") : image.putObject("rootfs");
        rootfs.put("type", "layers");
        (rootfs.has("diff_ids") ? (ArrayNode) rootfs.get("diff_ids")
                : rootfs.putArray("diff_ids")).add(layer.diffId().toString());
        ImageStore.Image stored = images.put(Json.bytes(image));
        if (ref != null) {
            tag(stored, ref);
        }
        return stored;
    }

    /** Stores an image whose layers are already registered, checking that they are. */
    public synchronized ImageStore.Image store(byte[] config) throws IOException {
        JsonNode json = Json.MAPPER.readTree(config);
        Digest chain = null;
        for (JsonNode d : json.path("rootfs").path("diff_ids")) {
            chain = Layer.chainId(chain, Digest.parse(d.asText()));
            if (!layers.exists(chain)) {
                throw new InvalidParameterException("image config names layer " + d.asText() + " that was not loaded");
            }
        }
        return images.put(config);
    }

    public synchronized void tag(ImageStore.Image image, io.wharf.core.spi.reference.Reference ref) throws IOException {
        references.add(ref, image.id());
        images.touch(image.id());
        events.publish(Event.now("image", "tag", image.id().toString(), Map.of("name", ref.familiarString())));
    }

    /** The sum of the sizes of an image's layers. */
    public long size(ImageStore.Image image) {
        long size = 0;
        for (Layer l : layers.chain(image.topChainId())) {
            size += l.size();
        }
        return size;
    }

    /** The layers of an image, base first. */
    public List<Layer> layersOf(ImageStore.Image image) {
        return image.topChainId() == null ? List.of() : layers.chain(image.topChainId());
    }

    /**
     * `docker rmi`: a name that is one of several references is only untagged; otherwise the
     * image and the layers no other image uses are deleted (moby's ImageDelete, without
     * containers, which come later).
     */
    public synchronized List<Map<String, String>> delete(String refOrId, boolean force, boolean prune) throws IOException {
        ImageStore.Image image = resolve(refOrId);
        List<Map<String, String>> report = new ArrayList<>();
        List<io.wharf.core.spi.reference.Reference> refs = references.referencesTo(image.id());
        boolean byReference = !isIdLike(refOrId, image);
        List<ImageUser> users = imageUsers.apply(image.id());
        if (byReference) {
            io.wharf.core.spi.reference.Reference ref = io.wharf.core.spi.reference.Reference.parseNormalized(refOrId)
                    .withDefaultTag();
            if (isSingleReference(refs) && !users.isEmpty() && !force) {
                throw new ConflictException("conflict: unable to remove repository reference \"" + ref.familiarString()
                        + "\" (must force) - container " + shortId(users.get(0).containerId())
                        + " is using its referenced image " + shortId(image.id().encoded()));
            }
            if (references.remove(ref)) {
                report.add(Map.of("Untagged", ref.familiarString()));
                events.publish(Event.now("image", "untag", image.id().toString(), Map.of("name", ref.familiarString())));
            }
            List<io.wharf.core.spi.reference.Reference> remaining = references.referencesTo(image.id());
            if (ref.digest().isEmpty() && remaining.stream().noneMatch(r -> r.tag().isPresent() && r.name().equals(ref.name()))) {
                // As moby: the last tag of a repository takes the repository's digest references with it.
                for (io.wharf.core.spi.reference.Reference r : remaining) {
                    if (r.digest().isPresent() && r.name().equals(ref.name()) && references.remove(r)) {
                        report.add(Map.of("Untagged", r.familiarString()));
                    }
                }
                remaining = references.referencesTo(image.id());
            }
            if (!remaining.isEmpty()) {
                return report;
            }
        } else if (users.stream().anyMatch(ImageUser::running)) {
            throw new ConflictException("conflict: unable to delete " + shortId(image.id().encoded())
                    + " (cannot be forced) - image is being used by running container "
                    + shortId(users.stream().filter(ImageUser::running).findFirst().orElseThrow().containerId()));
        } else if (!users.isEmpty() && !force) {
            throw new ConflictException("conflict: unable to delete " + shortId(image.id().encoded())
                    + " (must be forced) - image is being used by stopped container " + shortId(users.get(0).containerId()));
        } else if (!refs.isEmpty() && !isSingleReference(refs) && !force) {
            throw new ConflictException("conflict: unable to delete " + image.id().encoded().substring(0, 12)
                    + " (must be forced) - image is referenced in multiple repositories");
        } else {
            for (io.wharf.core.spi.reference.Reference ref : refs) {
                references.remove(ref);
                report.add(Map.of("Untagged", ref.familiarString()));
            }
        }
        if (users.stream().anyMatch(ImageUser::running)) {
            // Untagged, but a running container still needs the image itself.
            return report;
        }
        images.delete(image.id());
        report.add(Map.of("Deleted", image.id().toString()));
        events.publish(Event.now("image", "delete", image.id().toString(), Map.of()));
        if (prune) {
            removeUnusedLayers();
        }
        return report;
    }

    /**
     * moby's isSingleReference: the references are of one repository, with at most one tag (a
     * pulled or pushed image's tag and digest are one reference to the user).
     */
    private static boolean isSingleReference(List<io.wharf.core.spi.reference.Reference> refs) {
        if (refs.size() <= 1) {
            return refs.size() == 1;
        }
        long tags = refs.stream().filter(r -> r.tag().isPresent()).count();
        return tags <= 1 && refs.stream().map(io.wharf.core.spi.reference.Reference::name).distinct().count() == 1;
    }

    private static String shortId(String hex) {
        return hex.substring(0, 12);
    }

    /** A container that uses an image, as the image's deletion needs to know. */
    public record ImageUser(String containerId, boolean running) {
    }

    /**
     * Tells this service which containers use an image (the container service, once it is up);
     * until then, none do.
     */
    public void imageUsers(Function<Digest, List<ImageUser>> users) {
        this.imageUsers = users;
    }

    /** Whether a container, running or not, uses the image (prune leaves those alone, as dockerd's does). */
    public boolean inUse(Digest imageId) {
        return !imageUsers.apply(imageId).isEmpty();
    }

    private static boolean isIdLike(String refOrId, ImageStore.Image image) {
        String s = refOrId.startsWith("sha256:") ? refOrId.substring(7) : refOrId;
        return image.id().encoded().startsWith(s) && s.matches("[0-9a-f]+");
    }

    /** Removes the layers that no image's chain includes, top layers first. */
    synchronized void removeUnusedLayers() throws IOException {
        Set<Digest> used = new HashSet<>(containerLayers.parents());
        for (ImageStore.Image i : images.all()) {
            layersOf(i).forEach(l -> used.add(l.chainId()));
        }
        boolean removed;
        do {
            removed = false;
            Set<Digest> parents = new HashSet<>();
            for (Digest c : layers.chainIds()) {
                Layer l = layers.get(c);
                if (l != null && l.parent() != null) {
                    parents.add(l.parent());
                }
            }
            for (Digest c : layers.chainIds()) {
                if (!used.contains(c) && !parents.contains(c)) {
                    layers.remove(c);
                    removed = true;
                }
            }
        } while (removed);
    }

    /**
     * The /images/json summary of an image; {@code showTag} picks the tags listed (a reference
     * filter narrows them).
     */
    public Map<String, Object> summary(ImageStore.Image image, java.util.function.Predicate<String> showTag) {
        List<io.wharf.core.spi.reference.Reference> refs = references.referencesTo(image.id());
        Map<String, String> labels = labels(image);
        long size = size(image);
        Map<String, Object> summary = new java.util.LinkedHashMap<>();
        summary.put("Containers", -1);
        summary.put("Created", createdSeconds(image));
        summary.put("Id", image.id().toString());
        summary.put("Labels", labels.isEmpty() ? null : labels);
        summary.put("ParentId", "");
        summary.put("RepoDigests", refs.stream().filter(r -> r.digest().isPresent()).map(r -> r.familiarString()).sorted()
                .toList());
        summary.put("RepoTags", refs.stream().filter(r -> r.tag().isPresent()).map(r -> r.familiarString())
                .filter(showTag).sorted().toList());
        summary.put("SharedSize", -1);
        summary.put("Size", size);
        summary.put("VirtualSize", size);
        return summary;
    }

    /** Unix seconds of an image's "created" time (0 when it has none). */
    public static long createdSeconds(ImageStore.Image image) {
        try {
            return OffsetDateTime.parse(image.json().path("created").asText()).toEpochSecond();
        } catch (RuntimeException e) {
            return 0;
        }
    }

    public static Map<String, String> labels(ImageStore.Image image) {
        Map<String, String> labels = new java.util.LinkedHashMap<>();
        image.json().path("config").path("Labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
        return labels;
    }

    /** The sum of the sizes of every layer the store holds (`docker system df`'s LayersSize). */
    public long layersSize() {
        long total = 0;
        for (Digest chain : layers.chainIds()) {
            Layer l = layers.get(chain);
            total += l == null ? 0 : l.size();
        }
        return total;
    }

    /** The host's architecture as image configs name it (Go's GOARCH). */
    static String goArch() {
        String arch = System.getProperty("os.arch");
        return switch (arch) {
            case "aarch64" -> "arm64";
            case "x86_64" -> "amd64";
            default -> arch;
        };
    }
}
