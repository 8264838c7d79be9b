package io.wharf.core.internal.image;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import com.fasterxml.jackson.databind.JsonNode;

import io.wharf.core.internal.json.Json;
import io.wharf.core.spi.errors.InvalidParameterException;
import io.wharf.core.spi.linux.Trees;
import io.wharf.core.spi.reference.Digest;
import io.wharf.core.spi.reference.Reference;

/**
 * `docker save` and `docker load`: docker-archive tarballs (manifest.json, config JSON, one tar
 * per layer, as `docker save` writes them) and, on load, OCI image layouts (index.json, blobs/).
 */
public final class ImageArchives {

    private final ImageService service;

    public ImageArchives(ImageService service) {
        this.service = service;
    }

    /** Writes the named images as a docker-archive tarball that dockerd loads back. */
    public void save(List<String> names, OutputStream out) throws IOException {
        Map<Digest, List<String>> wanted = new LinkedHashMap<>();
        for (String name : names) {
            ImageStore.Image image = service.resolve(name);
            List<String> tags = wanted.computeIfAbsent(image.id(), k -> new ArrayList<>());
            if (!name.startsWith("sha256:") && !image.id().encoded().startsWith(name)) {
                Reference ref = Reference.parseNormalized(name);
                if (ref.tag().isPresent() || ref.digest().isEmpty()) {
                    tags.add(ref.withDefaultTag().familiarString());
                }
            }
        }
        // Large writes: the tar writer's 512-byte records would each be a write to the socket.
        java.io.BufferedOutputStream buffered = new java.io.BufferedOutputStream(out, 1 << 20);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(buffered);
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        List<Map<String, Object>> manifest = new ArrayList<>();
        java.util.Set<Digest> written = new java.util.HashSet<>();
        for (Map.Entry<Digest, List<String>> e : wanted.entrySet()) {
            ImageStore.Image image = service.images().get(e.getKey()).orElseThrow();
            List<String> layerPaths = new ArrayList<>();
            for (Layer layer : service.layersOf(image)) {
                String path = layer.diffId().encoded() + "/layer.tar";
                layerPaths.add(path);
                if (written.add(layer.diffId())) {
                    try (InputStream in = service.layers().tar(layer.chainId())) {
                        putFile(tar, path, service.layers().tarSize(layer.chainId()), in);
                    }
                }
            }
            byte[] config = image.config();
            String configPath = image.id().encoded() + ".json";
            putFile(tar, configPath, config.length, new java.io.ByteArrayInputStream(config));
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("Config", configPath);
            entry.put("RepoTags", e.getValue().isEmpty() ? null : e.getValue());
            entry.put("Layers", layerPaths);
            manifest.add(entry);
        }
        byte[] manifestBytes = Json.bytes(manifest);
        putFile(tar, "manifest.json", manifestBytes.length, new java.io.ByteArrayInputStream(manifestBytes));
        tar.finish();
        buffered.flush();
    }

    private static void putFile(TarArchiveOutputStream tar, String name, long size, InputStream content) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setSize(size);
        entry.setMode(0644);
        entry.setModTime(0);
        tar.putArchiveEntry(entry);
        content.transferTo(tar);
        tar.closeArchiveEntry();
    }

    /**
     * Loads every image of a docker-archive or OCI layout; {@code progress} gets the lines
     * `docker load` prints ("Loaded image: busybox:latest").
     */
    public void load(InputStream archive, Consumer<String> progress) throws IOException {
        Path dir = Files.createTempDirectory(service.tmpDir(), "load-");
        try {
            unpack(archive, dir);
            if (Files.exists(dir.resolve("manifest.json"))) {
                loadDockerArchive(dir, progress);
            } else if (Files.exists(dir.resolve("index.json"))) {
                loadOciLayout(dir, progress);
            } else {
                throw new InvalidParameterException("invalid archive: it has neither manifest.json nor index.json");
            }
        } finally {
            Trees.delete(dir);
        }
    }

    private void loadDockerArchive(Path dir, Consumer<String> progress) throws IOException {
        JsonNode manifest = Json.MAPPER.readTree(Files.readAllBytes(dir.resolve("manifest.json")));
        if (!manifest.isArray()) {
            throw new InvalidParameterException("invalid manifest.json: expected an array");
        }
        java.util.Set<Path> seen = new java.util.HashSet<>();
        java.util.Set<Path> shared = new java.util.HashSet<>();
        for (JsonNode entry : manifest) {
            for (JsonNode l : entry.path("Layers")) {
                if (!seen.add(inside(dir, l.asText()))) {
                    shared.add(inside(dir, l.asText()));
                }
            }
        }
        for (JsonNode entry : manifest) {
            List<Path> layerFiles = new ArrayList<>();
            for (JsonNode l : entry.path("Layers")) {
                layerFiles.add(inside(dir, l.asText()));
            }
            List<String> tags = new ArrayList<>();
            entry.path("RepoTags").forEach(t -> tags.add(t.asText()));
            loadImage(Files.readAllBytes(inside(dir, entry.path("Config").asText())), layerFiles, shared, tags, progress);
        }
    }

    private void loadOciLayout(Path dir, Consumer<String> progress) throws IOException {
        JsonNode index = Json.MAPPER.readTree(Files.readAllBytes(dir.resolve("index.json")));
        for (JsonNode descriptor : index.path("manifests")) {
            JsonNode manifest = Json.MAPPER.readTree(Files.readAllBytes(blob(dir, descriptor.path("digest").asText())));
            if (manifest.has("manifests")) {
                throw new InvalidParameterException("OCI image indexes inside an index are not supported");
            }
            List<Path> layerFiles = new ArrayList<>();
            for (JsonNode l : manifest.path("layers")) {
                layerFiles.add(blob(dir, l.path("digest").asText()));
            }
            List<String> tags = new ArrayList<>();
            String name = descriptor.path("annotations").path("io.containerd.image.name").asText(
                    descriptor.path("annotations").path("org.opencontainers.image.ref.name").asText(""));
            if (!name.isEmpty() && !name.matches("[\\w][\\w.-]{0,127}")) {
                tags.add(name);
            }
            // OCI blobs are shared by digest between manifests: keep every one for the next.
            loadImage(Files.readAllBytes(blob(dir, manifest.path("config").path("digest").asText())), layerFiles,
                    java.util.Set.copyOf(layerFiles), tags, progress);
        }
    }

    private static Path blob(Path dir, String digest) {
        Digest d = Digest.parse(digest);
        return inside(dir, "blobs/" + d.algorithm() + "/" + d.encoded());
    }

    private void loadImage(byte[] config, List<Path> layerFiles, java.util.Set<Path> shared, List<String> tags,
            Consumer<String> progress) throws IOException {
        JsonNode json = Json.MAPPER.readTree(config);
        List<String> diffIds = new ArrayList<>();
        json.path("rootfs").path("diff_ids").forEach(d -> diffIds.add(d.asText()));
        if (diffIds.size() != layerFiles.size()) {
            throw new InvalidParameterException("invalid manifest, layers length mismatch: expected " + diffIds.size()
                    + ", got " + layerFiles.size());
        }
        Digest chain = null;
        for (int i = 0; i < layerFiles.size(); i++) {
            Digest expected = Digest.parse(diffIds.get(i));
            Digest next = Layer.chainId(chain, expected);
            if (!service.layers().exists(next)) {
                Path file = layerFiles.get(i);
                Layer layer;
                if (shared.contains(file)) {
                    // Named by more than one image of the archive: read it, keep it for the next.
                    try (InputStream in = Files.newInputStream(file)) {
                        layer = service.layers().register(in, chain);
                    }
                } else {
                    layer = service.layers().register(file, chain);
                }
                if (!layer.diffId().equals(expected)) {
                    service.layers().remove(layer.chainId());
                    throw new InvalidParameterException("invalid diffID for layer " + i + ": calculated "
                            + layer.diffId() + ", expected " + expected);
                }
            }
            chain = next;
        }
        ImageStore.Image image = service.store(config);
        if (tags.isEmpty()) {
            progress.accept("Loaded image ID: " + image.id());
        }
        for (String tag : tags) {
            Reference ref = Reference.parseNormalized(tag).withDefaultTag();
            Digest old = service.references().get(ref);
            if (old != null && !old.equals(image.id())) {
                progress.accept("The image " + ref.familiarString() + " already exists, renaming the old one with ID "
                        + old + " to empty string");
            }
            service.tag(image, ref);
            progress.accept("Loaded image: " + ref.familiarString());
        }
    }

    /** Unpacks the outer archive: regular files and directories only, and never outside {@code dir}. */
    private static void unpack(InputStream archive, Path dir) throws IOException {
        TarArchiveInputStream tar = new TarArchiveInputStream(new java.io.BufferedInputStream(archive, 1 << 20));
        Map<Path, String> links = new LinkedHashMap<>();
        for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
            Path target = inside(dir, e.getName());
            if (e.isDirectory()) {
                Files.createDirectories(target);
            } else if (e.isSymbolicLink() || e.isLink()) {
                links.put(target, e.isLink() ? "/" + e.getLinkName() : e.getLinkName());
            } else if (e.isFile()) {
                Files.createDirectories(target.getParent());
                Files.copy(tar, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        // Older `docker save` links shared layer files; resolve them inside the archive only.
        for (Map.Entry<Path, String> link : links.entrySet()) {
            String to = link.getValue();
            Path source = to.startsWith("/") ? inside(dir, to.substring(1))
                    : inside(dir, dir.relativize(link.getKey().getParent().resolve(to).normalize()).toString());
            Files.createDirectories(link.getKey().getParent());
            Files.copy(source, link.getKey(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** {@code name} under {@code dir}; a name reaching outside is refused. */
    private static Path inside(Path dir, String name) {
        Path p = dir.resolve(name).normalize();
        if (name.startsWith("/") || !p.startsWith(dir) || p.equals(dir)) {
            throw new InvalidParameterException("invalid archive: entry " + name + " is outside the archive");
        }
        return p;
    }

}
