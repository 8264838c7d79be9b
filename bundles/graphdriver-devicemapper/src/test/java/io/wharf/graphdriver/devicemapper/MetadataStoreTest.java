package io.wharf.graphdriver.devicemapper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The driver's JSON metadata: moby's files and keys, atomic replacement, and what a crash can leave. */
class MetadataStoreTest {

    @TempDir
    Path dir;

    @Test
    void devicesRoundTripInMobysFilesAndKeys() throws Exception {
        MetadataStore store = new MetadataStore(dir);
        store.save(new Device("", 1, 10L << 30, 1, true));
        store.save(new Device("abc123", 2, 10L << 30, 2, false));

        assertEquals(Map.of("", new Device("", 1, 10L << 30, 1, true), "abc123", new Device("abc123", 2, 10L << 30, 2, false)),
                new MetadataStore(dir).loadDevices());
        assertEquals("{\"device_id\":1,\"size\":10737418240,\"transaction_id\":1,\"initialized\":true}",
                Files.readString(dir.resolve("base")), "the base device is in 'base', as moby keeps it");
        assertTrue(Files.exists(dir.resolve("abc123")));
    }

    @Test
    void deviceSetAndTransactionAreKeptBesideTheDevices() throws Exception {
        MetadataStore store = new MetadataStore(dir);
        assertEquals(new MetadataStore.DeviceSetState(0, "", ""), store.loadDeviceSet(), "nothing saved yet");
        assertEquals(Optional.empty(), store.loadTransaction());

        store.save(new MetadataStore.DeviceSetState(7, "5b3c-uuid", "ext4"));
        store.save(new MetadataStore.Transaction(8, "abc123", 7));
        store.save(new Device("abc123", 7, 1024, 8, false));

        MetadataStore again = new MetadataStore(dir);
        assertEquals(new MetadataStore.DeviceSetState(7, "5b3c-uuid", "ext4"), again.loadDeviceSet());
        assertEquals(Optional.of(new MetadataStore.Transaction(8, "abc123", 7)), again.loadTransaction());
        assertEquals(List.of("abc123"), List.copyOf(again.loadDevices().keySet()), "the set's own files are not devices");
        assertEquals("{\"open_transaction_id\":8,\"device_hash\":\"abc123\",\"device_id\":7}",
                Files.readString(dir.resolve("transaction-metadata")));
        assertEquals("{\"next_device_id\":7,\"BaseDeviceUUID\":\"5b3c-uuid\",\"BaseDeviceFilesystem\":\"ext4\"}",
                Files.readString(dir.resolve("deviceset-metadata")));

        again.removeTransaction();
        assertEquals(Optional.empty(), again.loadTransaction());
    }

    @Test
    void aWriteReplacesTheFileWholeAndLeavesNoTemporaryFile() throws Exception {
        MetadataStore store = new MetadataStore(dir);
        store.save(new Device("abc123", 2, 1024, 2, false));
        store.save(new Device("abc123", 2, 2048, 2, true));

        assertEquals(new Device("abc123", 2, 2048, 2, true), store.loadDevices().get("abc123"));
        assertEquals(List.of("abc123"), files());
    }

    @Test
    void aTemporaryFileLeftByACrashMidWriteIsIgnoredAndDeleted() throws Exception {
        MetadataStore store = new MetadataStore(dir);
        store.save(new Device("abc123", 2, 1024, 2, false));
        // What a daemon killed between writing the temporary file and renaming it leaves: the old
        // file, and a temporary one that may be torn.
        Files.writeString(dir.resolve(".tmp-abc123-0f1e2d"), "{\"device_id\":2,\"si");

        assertEquals(Map.of("abc123", new Device("abc123", 2, 1024, 2, false)), new MetadataStore(dir).loadDevices());
        assertEquals(List.of("abc123"), files(), "the torn temporary file is deleted");
    }

    @Test
    void removingADeviceRemovesItsFile() throws Exception {
        MetadataStore store = new MetadataStore(dir);
        store.save(new Device("abc123", 2, 1024, 2, false));
        store.remove("abc123");
        store.remove("never-there");
        assertEquals(Map.of(), store.loadDevices());
    }

    @Test
    void aFileThatIsNotADevicesIsAnErrorNamingIt() throws Exception {
        Files.writeString(dir.resolve("abc123"), "not json");
        IOException e = assertThrows(IOException.class, () -> new MetadataStore(dir).loadDevices());
        assertTrue(e.getMessage().contains(dir.resolve("abc123").toString()), e.getMessage());

        Files.writeString(dir.resolve("abc123"), "{\"hello\":1}");
        e = assertThrows(IOException.class, () -> new MetadataStore(dir).loadDevices());
        assertFalse(e.getMessage().isEmpty());
    }

    private List<String> files() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
