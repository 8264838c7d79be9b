package io.wharf.core.internal.image;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;

import io.wharf.core.internal.fs.AtomicFiles;
import io.wharf.core.internal.json.Json;
import io.wharf.core.spi.errors.InvalidParameterException;
import io.wharf.core.spi.linux.Trees;
import io.wharf.core.spi.reference.Digest;

/**
 * Images as their config JSON, stored by digest in moby's layout: imagedb/content/sha256/ID and
 * imagedb/metadata/sha256/ID/{parent,lastUpdated}. The image ID is the digest of the config bytes,
 * which are kept exactly as given so that the ID never changes.
 */
public final class ImageStore {

    /** A stored image: its ID, its config bytes and their parsed form. */
    public record Image(Digest id, byte[] config, JsonNode json) {

        /** The diff IDs of the image's layers, base first (rootfs.diff_ids). */
        public List<Digest> diffIds() {
            List<Digest> out = new ArrayList<>();
            json.path("rootfs").path("diff_ids").forEach(d -> out.add(Digest.parse(d.asText())));
            return out;
        }

        /** The chain ID of the top layer, or null for an image without layers. */
        public Digest topChainId() {
            Digest chain = null;
            for (Digest diffId : diffIds()) {
                chain = Layer.chainId(chain, diffId);
            }
            return chain;
        }
    }

    private final Path content;
    private final Path metadata;
    private final Map<Digest, Image> images = new ConcurrentHashMap<>();

    public ImageStore(Path root) throws IOException {
        this.content = root.resolve("content").resolve("sha256");
        this.metadata = root.resolve("metadata").resolve("sha256");
        Files.createDirectories(content);
        Files.createDirectories(metadata);
        try (Stream<Path> files = Files.list(content)) {
            for (Path f : files.filter(p -> !p.getFileName().toString().startsWith(".")).toList()) {
                byte[] bytes = Files.readAllBytes(f);
                Digest id = Digest.sha256Of(bytes);
                if (id.encoded().equals(f.getFileName().toString())) {
                    images.put(id, new Image(id, bytes, Json.MAPPER.readTree(bytes)));
                }
            }
        }
    }

    /** Stores a config; the same bytes twice give the same image. */
    public Image put(byte[] config) throws IOException {
        JsonNode json;
        try {
            json = Json.MAPPER.readTree(config);
        } catch (IOException e) {
            throw new InvalidParameterException("invalid image config: " + e.getMessage());
        }
        if (!json.path("rootfs").path("type").asText().equals("layers")) {
            throw new InvalidParameterException("invalid image config: rootfs.type must be \"layers\"");
        }
        Digest id = Digest.sha256Of(config);
        Image existing = images.get(id);
        if (existing != null) {
            return existing;
        }
        AtomicFiles.write(content.resolve(id.encoded()), config);
        Image image = new Image(id, config, json);
        images.put(id, image);
        touch(id);
        return image;
    }

    public void touch(Digest id) throws IOException {
        Path meta = metadata.resolve(id.encoded());
        Files.createDirectories(meta);
        AtomicFiles.write(meta.resolve("lastUpdated"), Instant.now().toString().getBytes(StandardCharsets.US_ASCII));
    }

    public Optional<Image> get(Digest id) {
        return Optional.ofNullable(images.get(id));
    }

    public List<Image> all() {
        return List.copyOf(images.values());
    }

    public void delete(Digest id) throws IOException {
        if (images.remove(id) != null) {
            Files.deleteIfExists(content.resolve(id.encoded()));
            Trees.delete(metadata.resolve(id.encoded()));
            AtomicFiles.syncDirectory(content);
        }
    }
}
