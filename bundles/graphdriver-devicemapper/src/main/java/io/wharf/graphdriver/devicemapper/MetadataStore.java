package io.wharf.graphdriver.devicemapper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The driver's own metadata, as moby keeps it in home/metadata: one JSON file per device (named by
 * its hash, "base" for the base device), "deviceset-metadata" for the set, and
 * "transaction-metadata" for the pool transaction under way. Every write goes to a hidden temporary
 * file that is synced and renamed over the old one, and the directory is synced: a crash at any point
 * leaves the old or the new file, never a torn one. Temporary files a crash left are deleted on load.
 */
final class MetadataStore {

    static final String DEVICE_SET = "deviceset-metadata";
    static final String TRANSACTION = "transaction-metadata";
    private static final String TEMP_PREFIX = ".tmp-";

    /** The set's own state: where device id allocation goes on from, and what the base device is. */
    record DeviceSetState(int nextDeviceId, String baseDeviceUuid, String baseDeviceFilesystem) {
    }

    /** The pool transaction under way: the pool's transaction id becomes {@code openTransactionId} when it ends. */
    record Transaction(long openTransactionId, String deviceHash, int deviceId) {
    }

    private final ObjectMapper json = new ObjectMapper();
    private final Path dir;

    MetadataStore(Path dir) {
        this.dir = dir;
    }

    Path dir() {
        return dir;
    }

    /** Every device file, by hash; deletes temporary files an interrupted write left. */
    Map<String, Device> loadDevices() throws IOException {
        Map<String, Device> out = new LinkedHashMap<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (name.startsWith(TEMP_PREFIX)) {
                    Files.delete(f);
                } else if (!name.startsWith(".") && !name.equals(DEVICE_SET) && !name.equals(TRANSACTION)
                        && Files.isRegularFile(f)) {
                    String hash = name.equals("base") ? "" : name;
                    JsonNode n = read(f);
                    if (!n.has("device_id") || !n.has("size")) {
                        throw new IOException("devmapper: metadata file " + f + " is not a device's: " + n);
                    }
                    out.put(hash, new Device(hash, n.path("device_id").asInt(), n.path("size").asLong(),
                            n.path("transaction_id").asLong(), n.path("initialized").asBoolean()));
                }
            }
        }
        return out;
    }

    void save(Device d) throws IOException {
        ObjectNode n = json.createObjectNode();
        n.put("device_id", d.deviceId());
        n.put("size", d.size());
        n.put("transaction_id", d.transactionId());
        n.put("initialized", d.initialized());
        write(fileName(d.hash()), n);
    }

    void remove(String hash) throws IOException {
        Files.deleteIfExists(dir.resolve(fileName(hash)));
        syncDirectory();
    }

    DeviceSetState loadDeviceSet() throws IOException {
        Path f = dir.resolve(DEVICE_SET);
        if (!Files.exists(f)) {
            return new DeviceSetState(0, "", "");
        }
        JsonNode n = read(f);
        return new DeviceSetState(n.path("next_device_id").asInt(), n.path("BaseDeviceUUID").asText(""),
                n.path("BaseDeviceFilesystem").asText(""));
    }

    void save(DeviceSetState s) throws IOException {
        ObjectNode n = json.createObjectNode();
        n.put("next_device_id", s.nextDeviceId());
        n.put("BaseDeviceUUID", s.baseDeviceUuid());
        n.put("BaseDeviceFilesystem", s.baseDeviceFilesystem());
        write(DEVICE_SET, n);
    }

    Optional<Transaction> loadTransaction() throws IOException {
        Path f = dir.resolve(TRANSACTION);
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        JsonNode n = read(f);
        return Optional.of(new Transaction(n.path("open_transaction_id").asLong(), n.path("device_hash").asText(""),
                n.path("device_id").asInt()));
    }

    void save(Transaction t) throws IOException {
        ObjectNode n = json.createObjectNode();
        n.put("open_transaction_id", t.openTransactionId());
        n.put("device_hash", t.deviceHash());
        n.put("device_id", t.deviceId());
        write(TRANSACTION, n);
    }

    void removeTransaction() throws IOException {
        Files.deleteIfExists(dir.resolve(TRANSACTION));
        syncDirectory();
    }

    private static String fileName(String hash) {
        return hash.isEmpty() ? "base" : hash;
    }

    private JsonNode read(Path f) throws IOException {
        try {
            return json.readTree(Files.readAllBytes(f));
        } catch (IOException e) {
            throw new IOException("devmapper: cannot read metadata file " + f + ": " + e.getMessage(), e);
        }
    }

    private void write(String name, ObjectNode content) throws IOException {
        Path temp = dir.resolve(TEMP_PREFIX + name + "-" + UUID.randomUUID());
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer bytes = ByteBuffer.wrap(json.writeValueAsBytes(content));
                while (bytes.hasRemaining()) {
                    ch.write(bytes);
                }
                ch.force(true);
            }
            Files.move(temp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
        syncDirectory();
    }

    /** Makes a rename or a deletion in the directory durable. */
    private void syncDirectory() throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
