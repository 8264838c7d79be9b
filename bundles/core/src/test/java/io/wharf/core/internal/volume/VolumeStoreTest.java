package io.wharf.core.internal.volume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.wharf.core.internal.json.Json;

class VolumeStoreTest {

    @TempDir
    Path root;

    private static VolumeRecord record(String name, String... refs) {
        return new VolumeRecord(name, "local", Map.of("team", "a"), Map.of(), "2026-12-06T00:00:00Z", List.of(refs));
    }

    private Path log() {
        return root.resolve(VolumeStore.DIR).resolve(VolumeStore.LOG_FILE);
    }

    @Test
    void changesSurviveAReopen() throws Exception {
        VolumeStore store = new VolumeStore(root);
        store.put(record("a"));
        store.put(record("b"));
        store.put(record("a", "c1"));
        store.delete("b");
        store.delete("never-there");

        VolumeStore reopened = new VolumeStore(root);
        assertEquals(List.of("c1"), reopened.get("a").references());
        assertEquals(Map.of("team", "a"), reopened.get("a").labels());
        assertNull(reopened.get("b"));
        assertEquals(1, reopened.all().size());
    }

    @Test
    void aTornLastLineIsDroppedAndTheLogRewrittenWithoutIt() throws Exception {
        VolumeStore store = new VolumeStore(root);
        store.put(record("kept"));
        store.put(record("torn"));
        byte[] bytes = Files.readAllBytes(log());
        Files.write(log(), java.util.Arrays.copyOf(bytes, bytes.length - 7)); // power lost in the last append

        VolumeStore reopened = new VolumeStore(root);
        assertEquals("kept", reopened.get("kept").name());
        assertNull(reopened.get("torn"));
        reopened.put(record("after"));
        VolumeStore again = new VolumeStore(root);
        assertEquals(List.of("after", "kept"), again.all().stream().map(VolumeRecord::name).sorted().toList(),
                "a change appended after the dropped line is read back");
    }

    @Test
    void aLineWhoseChecksumFailsEndsTheReplay() throws Exception {
        VolumeStore store = new VolumeStore(root);
        store.put(record("good"));
        store.put(record("flipped"));
        String text = Files.readString(log()).replace("flipped", "flopped");
        Files.writeString(log(), text);

        VolumeStore reopened = new VolumeStore(root);
        assertEquals(List.of("good"), reopened.all().stream().map(VolumeRecord::name).toList());
    }

    @Test
    void theLogIsRewrittenWithTheLiveRecordsWhenItHasGrown() throws Exception {
        VolumeStore store = new VolumeStore(root);
        for (int i = 0; i < 1000; i++) {
            store.put(record("v" + i));
            store.delete("v" + i);
        }
        store.put(record("last"));
        long lines = Files.readAllLines(log()).size();
        assertTrue(lines <= 300, "the log was rewritten on the way: " + lines + " lines");
        assertEquals(List.of("last"), new VolumeStore(root).all().stream().map(VolumeRecord::name).toList());
    }

    @Test
    void recordsKeptAsAFileEachAreTakenIntoTheLog() throws Exception {
        Path dir = Files.createDirectories(root.resolve(VolumeStore.DIR));
        Files.write(dir.resolve("old.json"), Json.bytes(record("old", "c9")));
        Files.writeString(dir.resolve(".old.json123.tmp"), "{half", StandardOpenOption.CREATE);

        VolumeStore store = new VolumeStore(root);
        assertEquals(List.of("c9"), store.get("old").references());
        try (var files = Files.list(dir)) {
            assertEquals(List.of(VolumeStore.LOG_FILE), files.map(f -> f.getFileName().toString()).toList(),
                    "the record file and a temporary file left by a killed write are gone");
        }
        assertTrue(Files.readString(log(), StandardCharsets.UTF_8).contains("\"c9\""));
        assertEquals(List.of("c9"), new VolumeStore(root).get("old").references());
    }
}
