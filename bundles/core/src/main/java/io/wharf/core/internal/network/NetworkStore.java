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

/** The networks on disk: one JSON file per network in data-root/network/networks/, each written atomically. */
final class NetworkStore {

    private static final Logger LOG = LoggerFactory.getLogger(NetworkStore.class);
    private static final String SUFFIX = ".json";

    private final Path dir;

    NetworkStore(Path dir) throws IOException {
        this.dir = dir;
        Files.createDirectories(dir);
    }

    List<NetworkRecord> load() throws IOException {
        List<NetworkRecord> out = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path file : files) {
                if (file.getFileName().toString().startsWith(".")) {
                    continue; // a temporary file of a write that never finished
                }
                try {
                    out.add(Json.MAPPER.readValue(file.toFile(), NetworkRecord.class));
                } catch (IOException | RuntimeException e) {
                    LOG.warn("skipping unreadable network {}: {}", file, e.getMessage());
                }
            }
        }
        return out;
    }

    void put(NetworkRecord network) throws IOException {
        AtomicFiles.write(dir.resolve(network.id() + SUFFIX), Json.bytes(network));
    }

    void remove(String id) throws IOException {
        Files.deleteIfExists(dir.resolve(id + SUFFIX));
        AtomicFiles.syncDirectory(dir);
    }
}
