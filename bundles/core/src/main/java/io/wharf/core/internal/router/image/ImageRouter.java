package io.wharf.core.internal.router.image;

import java.io.OutputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import com.fasterxml.jackson.databind.JsonNode;

import io.wharf.core.internal.distribution.ProgressWriter;
import io.wharf.core.internal.distribution.PullService;
import io.wharf.core.internal.distribution.PushService;
import io.wharf.core.internal.distribution.RegistryCredentials;
import io.wharf.core.internal.image.ImageArchives;
import io.wharf.core.internal.image.ImageService;
import io.wharf.core.internal.image.ImageStore;
import io.wharf.core.internal.image.Layer;
import io.wharf.core.internal.json.Json;
import io.wharf.core.internal.time.Timestamps;
import io.wharf.core.spi.errors.InvalidParameterException;
import io.wharf.core.spi.http.ApiRequest;
import io.wharf.core.spi.http.ApiResponse;
import io.wharf.core.spi.http.Filters;
import io.wharf.core.spi.router.Route;
import io.wharf.core.spi.router.Router;

/** The image routes: list, inspect, history, tag, remove, prune, import, pull, push, load, save. */
@Component(service = Router.class)
public final class ImageRouter implements Router {

    private static final Set<String> LIST_FILTERS = Set.of("dangling", "label", "before", "since", "reference");

    private final ImageService images;
    private final PullService pulls;
    private final PushService pushes;
    private final ImageArchives archives;
    private final List<Route> routes;

    @Activate
    public ImageRouter(@Reference ImageService images, @Reference PullService pulls, @Reference PushService pushes) {
        this.images = images;
        this.pulls = pulls;
        this.pushes = pushes;
        this.archives = new ImageArchives(images);
        this.routes = List.of(
                Route.get("/images/json", this::list),
                Route.get("/images/get", (req, resp) -> save(req.queryValues("names"), resp)),
                Route.post("/images/create", this::create),
                Route.post("/images/load", this::load),
                Route.post("/images/prune", this::prune),
                Route.get("/images/{name:.*}/json", this::inspect),
                Route.get("/images/{name:.*}/history", this::history),
                Route.get("/images/{name:.*}/get", (req, resp) -> save(List.of(req.pathParam("name")), resp)),
                Route.post("/images/{name:.*}/tag", this::tag),
                Route.post("/images/{name:.*}/push", this::push),
                Route.delete("/images/{name:.*}", this::delete));
    }

    @Override
    public List<Route> routes() {
        return routes;
    }

    private void list(ApiRequest req, ApiResponse resp) {
        Filters filters = Filters.parse(req.query("filters").orElse(null));
        filters.validate(LIST_FILTERS);
        Long before = filters.has("before") ? createdOf(filters.get("before").iterator().next()) : null;
        Long since = filters.has("since") ? createdOf(filters.get("since").iterator().next()) : null;
        List<Map<String, Object>> out = new ArrayList<>();
        for (ImageStore.Image image : images.images().all()) {
            // A reference filter also narrows the tags shown to the matching ones, as in dockerd.
            Map<String, Object> summary = images.summary(image,
                    t -> filters.matchesAny("reference", pattern -> glob(pattern, t)));
            boolean dangling = images.references().referencesTo(image.id()).isEmpty();
            long created = (Long) summary.get("Created");
            if ((filters.has("dangling") && !filters.matchesAny("dangling", v -> Boolean.parseBoolean(v) == dangling))
                    || !filters.matchesLabels("label", ImageService.labels(image))
                    || (before != null && created >= before) || (since != null && created <= since)
                    || (filters.has("reference") && ((List<?>) summary.get("RepoTags")).isEmpty())) {
                continue;
            }
            out.add(summary);
        }
        out.sort(Comparator.comparing((Map<String, Object> m) -> (Long) m.get("Created")).reversed());
        resp.json(200, out);
    }

    /** docker's reference filter: a shell-style pattern on the familiar name, with or without its tag. */
    private static boolean glob(String pattern, String tag) {
        String regex = pattern.replace(".", "\\.").replace("*", "[^/]*").replace("?", "[^/]");
        return tag.matches(regex) || tag.substring(0, tag.lastIndexOf(':')).matches(regex);
    }

    private long createdOf(String name) {
        return ImageService.createdSeconds(images.resolve(name));
    }



    private void inspect(ApiRequest req, ApiResponse resp) throws Exception {
        ImageStore.Image image = images.resolve(req.pathParam("name"));
        JsonNode c = image.json();
        List<io.wharf.core.spi.reference.Reference> refs = images.references().referencesTo(image.id());
        List<Layer> layers = images.layersOf(image);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("Id", image.id().toString());
        out.put("RepoTags", refs.stream().filter(r -> r.tag().isPresent()).map(r -> r.familiarString()).sorted().toList());
        out.put("RepoDigests", refs.stream().filter(r -> r.digest().isPresent()).map(r -> r.familiarString()).sorted().toList());
        out.put("Parent", c.path("parent").asText(""));
        out.put("Comment", c.path("comment").asText(""));
        out.put("Created", c.path("created").asText(""));
        out.put("Container", c.path("container").asText(""));
        out.put("ContainerConfig", c.has("container_config") ? c.get("container_config") : emptyConfig());
        out.put("DockerVersion", c.path("docker_version").asText(""));
        out.put("Author", c.path("author").asText(""));
        out.put("Config", c.has("config") ? c.get("config") : null);
        out.put("Architecture", c.path("architecture").asText(""));
        if (c.has("variant")) {
            out.put("Variant", c.get("variant").asText());
        }
        out.put("Os", c.path("os").asText(""));
        long size = images.size(image);
        out.put("Size", size);
        out.put("VirtualSize", size);
        Map<String, String> data = layers.isEmpty() ? Map.of()
                : images.storage().driver().metadata(layers.getLast().cacheId());
        out.put("GraphDriver", Map.of("Data", data, "Name", images.storage().driver().name()));
        out.put("RootFS", Map.of("Type", "layers", "Layers", layers.stream().map(l -> l.diffId().toString()).toList()));
        out.put("Metadata", Map.of("LastTagTime", "0001-01-01T00:00:00Z"));
        resp.json(200, out);
    }

    private static Map<String, Object> emptyConfig() {
        Map<String, Object> m = new LinkedHashMap<>();
        for (String k : List.of("Hostname", "Domainname", "User")) {
            m.put(k, "");
        }
        m.put("AttachStdin", false);
        m.put("AttachStdout", false);
        m.put("AttachStderr", false);
        m.put("Tty", false);
        m.put("OpenStdin", false);
        m.put("StdinOnce", false);
        m.put("Env", null);
        m.put("Cmd", null);
        m.put("Image", "");
        m.put("Volumes", null);
        m.put("WorkingDir", "");
        m.put("Entrypoint", null);
        m.put("OnBuild", null);
        m.put("Labels", null);
        return m;
    }

    private void history(ApiRequest req, ApiResponse resp) {
        ImageStore.Image image = images.resolve(req.pathParam("name"));
        List<Layer> layers = images.layersOf(image);
        List<Map<String, Object>> out = new ArrayList<>();
        int layerIndex = 0;
        for (JsonNode h : image.json().path("history")) {
            boolean empty = h.path("empty_layer").asBoolean(false);
            long size = !empty && layerIndex < layers.size() ? layers.get(layerIndex++).size() : 0;
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("Id", "<missing>");
            long created = 0;
            try {
                created = java.time.OffsetDateTime.parse(h.path("created").asText()).toEpochSecond();
            } catch (RuntimeException e) {
                // an image without history times
            }
            entry.put("Created", created);
            entry.put("CreatedBy", h.path("created_by").asText(""));
            entry.put("Tags", null);
            entry.put("Size", size);
            entry.put("Comment", h.path("comment").asText(""));
            out.addFirst(entry);
        }
        if (!out.isEmpty()) {
            out.getFirst().put("Id", image.id().toString());
            List<String> tags = images.references().referencesTo(image.id()).stream().filter(r -> r.tag().isPresent())
                    .map(r -> r.familiarString()).sorted().toList();
            out.getFirst().put("Tags", tags.isEmpty() ? null : tags);
        }
        resp.json(200, out);
    }

    private void tag(ApiRequest req, ApiResponse resp) throws Exception {
        ImageStore.Image image = images.resolve(req.pathParam("name"));
        String repo = req.query("repo").orElse("");
        if (repo.isEmpty()) {
            throw new InvalidParameterException("repository name must have at least one component");
        }
        io.wharf.core.spi.reference.Reference ref = io.wharf.core.spi.reference.Reference.parseNormalized(repo);
        String tag = req.query("tag").orElse("");
        ref = tag.isEmpty() ? ref.withDefaultTag() : ref.withTag(tag);
        if (ref.digest().isPresent()) {
            throw new InvalidParameterException("refusing to create a tag with a digest reference");
        }
        images.tag(image, ref);
        resp.empty(201);
    }

    private void delete(ApiRequest req, ApiResponse resp) throws Exception {
        resp.json(200, images.delete(req.pathParam("name"), req.boolQuery("force"), !req.boolQuery("noprune")));
    }

    private void prune(ApiRequest req, ApiResponse resp) throws Exception {
        Filters filters = Filters.parse(req.query("filters").orElse(null));
        filters.validate(Set.of("dangling", "label", "label!", "until"));
        boolean onlyDangling = !filters.has("dangling") || filters.matchesAny("dangling", Boolean::parseBoolean);
        Instant until = null;
        for (String value : filters.get("until")) {
            until = Timestamps.parseRelative("until", value, Instant.now());
        }
        List<Map<String, String>> deleted = new ArrayList<>();
        long reclaimed = 0;
        for (ImageStore.Image image : images.images().all()) {
            boolean dangling = images.references().referencesTo(image.id()).isEmpty();
            Map<String, String> labels = ImageService.labels(image);
            if ((onlyDangling && !dangling) || images.inUse(image.id())
                    || (until != null && ImageService.createdSeconds(image) >= until.getEpochSecond())
                    || !filters.matchesLabels("label", labels)
                    || (filters.has("label!") && filters.matchesLabels("label!", labels))) {
                continue;
            }
            long size = images.size(image);
            deleted.addAll(images.delete(image.id().toString(), true, true));
            reclaimed += size;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("ImagesDeleted", deleted.isEmpty() ? null : deleted);
        out.put("SpaceReclaimed", reclaimed);
        resp.json(200, out);
    }

    /** POST /images/create: `docker pull` (fromImage) or `docker import` (fromSrc=-). */
    private void create(ApiRequest req, ApiResponse resp) throws Exception {
        String fromImage = req.query("fromImage").orElse("");
        if (!fromImage.isEmpty()) {
            pull(req, resp, fromImage);
            return;
        }
        String fromSrc = req.query("fromSrc").orElse("");
        if (fromSrc.isEmpty()) {
            throw new InvalidParameterException("either fromImage or fromSrc is required");
        }
        if (!fromSrc.equals("-")) {
            throw new InvalidParameterException("importing from a URL is not supported; send the archive as the body");
        }
        ImageStore.Image image = images.importImage(req.body(), req.query("repo").orElse(""), req.query("tag").orElse(""),
                req.queryValues("changes"), req.query("message").orElse(""));
        resp.status(200);
        resp.header("Content-Type", "application/json");
        OutputStream out = resp.stream();
        out.write(Json.bytes(Map.of("status", image.id().toString())));
        out.write('\n');
    }

    /** As dockerd's postImagesCreate: the tag parameter holds a tag or a digest. */
    private void pull(ApiRequest req, ApiResponse resp, String fromImage) throws Exception {
        io.wharf.core.spi.reference.Reference ref = io.wharf.core.spi.reference.Reference.parseNormalized(fromImage);
        String tag = req.query("tag").orElse("");
        if (!tag.isEmpty()) {
            ref = tag.contains(":") ? ref.withDigest(io.wharf.core.spi.reference.Digest.parse(tag)) : ref.withTag(tag);
        }
        RegistryCredentials credentials = RegistryCredentials.fromHeader(req.header("X-Registry-Auth").orElse(null));
        resp.status(200);
        resp.header("Content-Type", "application/json");
        OutputStream out = resp.stream();
        try {
            pulls.pull(ref, req.query("platform").orElse(""), credentials, new ProgressWriter(out));
        } catch (Exception e) {
            streamError(resp, out, e);
        }
    }

    /**
     * POST /images/{name}/push: `docker push` of the tag parameter's tag (or of the name's), or of
     * every tag of the repository when neither names one (moby's postImagesPush).
     */
    private void push(ApiRequest req, ApiResponse resp) throws Exception {
        String header = req.header("X-Registry-Auth").orElse("");
        if (header.isEmpty()) {
            // dockerd still takes the credentials as a JSON body from clients that send no header.
            byte[] body = req.body().readAllBytes();
            if (body.length == 0) {
                throw new InvalidParameterException("Bad parameters and missing X-Registry-Auth: EOF");
            }
            header = java.util.Base64.getUrlEncoder().encodeToString(body);
        }
        RegistryCredentials credentials = RegistryCredentials.fromHeader(header);
        io.wharf.core.spi.reference.Reference ref = io.wharf.core.spi.reference.Reference.parseNormalized(
                req.pathParam("name"));
        String tag = req.query("tag").orElse("");
        if (!tag.isEmpty()) {
            ref = ref.withTag(tag);
        }
        resp.status(200);
        resp.header("Content-Type", "application/json");
        OutputStream out = resp.stream();
        try {
            pushes.push(ref, req.query("platform").orElse(""), credentials, new ProgressWriter(out));
        } catch (Exception e) {
            streamError(resp, out, e);
        }
    }

    private void load(ApiRequest req, ApiResponse resp) throws Exception {
        resp.status(200);
        resp.header("Content-Type", "application/json");
        OutputStream out = resp.stream();
        try {
            archives.load(req.body(), line -> {
                try {
                    out.write(Json.bytes(Map.of("stream", line + "\n")));
                    out.write('\n');
                    out.flush();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        } catch (Exception e) {
            streamError(resp, out, e);
        }
    }

    /**
     * As dockerd: an error before anything was streamed is an ordinary error answer; after that,
     * it becomes the stream's last message, which the CLI prints and exits non-zero on.
     */
    private static void streamError(ApiResponse resp, OutputStream out, Exception e) throws Exception {
        if (!resp.committed()) {
            throw e;
        }
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        out.write(Json.bytes(Map.of("errorDetail", Map.of("message", message), "error", message)));
        out.write('\n');
    }

    private void save(List<String> names, ApiResponse resp) throws Exception {
        if (names.isEmpty()) {
            throw new InvalidParameterException("no images named");
        }
        names.forEach(images::resolve);
        resp.status(200);
        resp.header("Content-Type", "application/x-tar");
        archives.save(names, resp.stream());
    }
}
