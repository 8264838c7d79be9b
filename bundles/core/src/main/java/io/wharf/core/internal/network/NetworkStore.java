package io.wharf.core.internal.network;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.wharf.core.internal.fs.AtomicFiles;
import io.wharf.core.internal.json.Json;

/**
 * The networks on disk, one JSON file per network in data-root/network/networks/, and the sandboxes
 * of running containers with their endpoints, one per container in data-root/network/sandboxes/;
 * each file written atomically.
 */
final class NetworkStore {

    private static final Logger LOG = LoggerFactory.getLogger(NetworkStore.class);
    private static final String SUFFIX = ".json";

    private final Path networks;
    private final Path sandboxes;

    /** A running container's sandbox as it is kept. */
    record StoredSandbox(String containerId, String containerName, SandboxState sandbox) {
    }

    NetworkStore(Path root) throws IOException {
        this.networks = root.resolve("networks");
        this.sandboxes = root.resolve("sandboxes");
        Files.createDirectories(networks);
        Files.createDirectories(sandboxes);
    }

    List<NetworkRecord> load() throws IOException {
        return load(networks, NetworkRecord.class);
    }

    List<StoredSandbox> loadSandboxes() throws IOException {
        return load(sandboxes, StoredSandbox.class);
    }

    private static <T> List<T> load(Path dir, Class<T> type) throws IOException {
        List<T> out = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path file : files) {
                if (file.getFileName().toString().startsWith(".")) {
                    continue; // a temporary file of a write that never finished
                }
                try {
                    out.add(Json.MAPPER.readValue(file.toFile(), type));
                } catch (IOException | RuntimeException e) {
                    LOG.warn("skipping unreadable {}: {}", file, e.getMessage());
                }
            }
        }
        return out;
    }

    void put(NetworkRecord network) throws IOException {
        AtomicFiles.write(networks.resolve(network.id() + SUFFIX), Json.bytes(network));
    }

    void remove(String id) throws IOException {
        delete(networks.resolve(id + SUFFIX));
    }

    void putSandbox(StoredSandbox sandbox) throws IOException {
        AtomicFiles.write(sandboxes.resolve(sandbox.containerId() + SUFFIX), Json.bytes(sandbox));
    }

    void removeSandbox(String containerId) throws IOException {
        delete(sandboxes.resolve(containerId + SUFFIX));
    }

    private static void delete(Path file) throws IOException {
        if (Files.deleteIfExists(file)) {
            AtomicFiles.syncDirectory(file.getParent());
        }
    }
}
