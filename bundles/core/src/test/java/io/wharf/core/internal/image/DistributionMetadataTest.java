package io.wharf.core.internal.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.wharf.core.spi.reference.Digest;

class DistributionMetadataTest {

    @TempDir
    Path dir;

    private static Digest d(char c) {
        return Digest.parse("sha256:" + String.valueOf(c).repeat(64));
    }

    @Test
    void entriesByDiffIdAndDiffIdByDigestInMobysLayout() throws Exception {
        DistributionMetadata m = new DistributionMetadata(dir);
        Digest diffId = d('a');
        assertEquals(List.of(), m.get(diffId));
        DistributionMetadata.Entry pulled = new DistributionMetadata.Entry(d('1'), "127.0.0.1:5000/team/app", "");
        m.add(diffId, pulled);
        DistributionMetadata.Entry pushed = DistributionMetadata.Entry.tagged(d('2'), "127.0.0.1:5000/other/app",
                "sha256:key".getBytes(StandardCharsets.US_ASCII));
        m.add(diffId, pushed);
        assertEquals(List.of(pulled, pushed), m.get(diffId));
        assertEquals(Optional.of(diffId), m.diffId(d('2')));
        assertEquals("[{\"Digest\":\"" + d('1') + "\",\"SourceRepository\":\"127.0.0.1:5000/team/app\",\"HMAC\":\"\"},"
                + "{\"Digest\":\"" + d('2') + "\",\"SourceRepository\":\"127.0.0.1:5000/other/app\",\"HMAC\":\"" + pushed.hmac()
                + "\"}]", Files.readString(dir.resolve("v2metadata-by-diffid/sha256/" + "a".repeat(64))));
        assertEquals(diffId.toString(), Files.readString(dir.resolve("diffid-by-digest/sha256/" + "1".repeat(64))));

        // Known again: moved to the newest place; a new store reads the same.
        m.add(diffId, pulled);
        assertEquals(List.of(pushed, pulled), new DistributionMetadata(dir).get(diffId));
        m.remove(pushed);
        m.remove(pulled);
        assertEquals(List.of(), m.get(diffId));
        assertFalse(Files.exists(dir.resolve("v2metadata-by-diffid/sha256/" + "a".repeat(64))));
    }

    @Test
    void hmacTagsEntriesWithTheirCredentials() {
        byte[] key = "sha256:one".getBytes(StandardCharsets.US_ASCII);
        DistributionMetadata.Entry e = DistributionMetadata.Entry.tagged(d('1'), "r/x", key);
        assertEquals(64, e.hmac().length());
        assertTrue(e.taggedWith(key));
        assertFalse(e.taggedWith("sha256:two".getBytes(StandardCharsets.US_ASCII)));
        assertFalse(e.taggedWith(new byte[0]));
        assertTrue(new DistributionMetadata.Entry(d('1'), "r/x", "").taggedWith(new byte[0]));
    }

    @Test
    void atMostFiftyEntriesPerLayer() throws Exception {
        DistributionMetadata m = new DistributionMetadata(dir);
        for (int i = 0; i < 60; i++) {
            m.add(d('a'), new DistributionMetadata.Entry(d('1'), "127.0.0.1:5000/r" + i, ""));
        }
        List<DistributionMetadata.Entry> entries = m.get(d('a'));
        assertEquals(50, entries.size());
        assertEquals("127.0.0.1:5000/r10", entries.getFirst().sourceRepository());
    }
}
