package io.wharf.core.internal.volume;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.wharf.core.internal.fs.AtomicFiles;
import io.wharf.core.internal.json.Json;

/**
 * The volumes' metadata on disk: one JSON file per volume in {@code data-root/volumes/_metadata/},
 * each written atomically, so a daemon killed at any instant finds every volume as it was before
 * or after the last change. The directory's name is not a valid volume name, so it never meets a
 * local volume's directory beside it.
 */
final class VolumeStore {

    private static final Logger LOG = LoggerFactory.getLogger(VolumeStore.class);
    static final String DIR = "_metadata";
    private static final String SUFFIX = ".json";

    private final Path dir;
    private final Map<String, VolumeRecord> records = new ConcurrentHashMap<>();

    VolumeStore(Path volumesRoot) throws IOException {
        this.dir = volumesRoot.resolve(DIR);
        Files.createDirectories(dir);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path file : files) {
                String fileName = file.getFileName().toString();
                if (fileName.startsWith(".")) {
                    continue; // a temporary file of a write that never finished
                }
                try {
                    VolumeRecord r = Json.MAPPER.readValue(file.toFile(), VolumeRecord.class);
                    records.put(r.name(), r);
                } catch (IOException | RuntimeException e) {
                    LOG.warn("skipping unreadable volume metadata {}: {}", file, e.getMessage());
                }
            }
        }
    }

    VolumeRecord get(String name) {
        return records.get(name);
    }

    Collection<VolumeRecord> all() {
        return records.values();
    }

    void put(VolumeRecord record) throws IOException {
        AtomicFiles.write(file(record.name()), Json.bytes(record));
        records.put(record.name(), record);
    }

    void delete(String name) throws IOException {
        Files.deleteIfExists(file(name));
        AtomicFiles.syncDirectory(dir);
        records.remove(name);
    }

    private Path file(String name) {
        return dir.resolve(name + SUFFIX);
    }
}
