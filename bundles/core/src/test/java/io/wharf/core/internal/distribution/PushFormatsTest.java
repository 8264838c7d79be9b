package io.wharf.core.internal.distribution;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;

import org.junit.jupiter.api.Test;

import io.wharf.core.spi.reference.Digest;

/** What a push writes: the schema 2 manifest as dockerd writes it, and gzip made in parallel blocks. */
class PushFormatsTest {

    @Test
    void manifestAsDistributionsBuilderWritesIt() {
        Digest config = Digest.parse("sha256:" + "c".repeat(64));
        Digest layer1 = Digest.parse("sha256:" + "1".repeat(64));
        Digest layer2 = Digest.parse("sha256:" + "2".repeat(64));
        String expected = """
                {
                   "schemaVersion": 2,
                   "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                   "config": {
                      "mediaType": "application/vnd.docker.container.image.v1+json",
                      "size": 1469,
                      "digest": "sha256:CCC"
                   },
                   "layers": [
                      {
                         "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                         "size": 2479,
                         "digest": "sha256:111"
                      },
                      {
                         "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                         "size": 7,
                         "digest": "sha256:222"
                      }
                   ]
                }""".replace("CCC", "c".repeat(64)).replace("111", "1".repeat(64)).replace("222", "2".repeat(64));
        assertEquals(expected, new String(PushService.manifest(new PushService.Blob(config, 1469),
                List.of(new PushService.Blob(layer1, 2479), new PushService.Blob(layer2, 7))), StandardCharsets.UTF_8));
        assertTrue(new String(PushService.manifest(new PushService.Blob(config, 2), List.of()), StandardCharsets.UTF_8)
                .endsWith("\"layers\": []\n}"));
    }

    @Test
    void hmacKeyIsTheDigestOfTheCredentialsJson() {
        assertEquals(Digest.sha256Of("{}".getBytes(StandardCharsets.UTF_8)).toString(),
                new String(PushService.hmacKey(RegistryCredentials.NONE), StandardCharsets.US_ASCII));
        assertEquals(Digest.sha256Of("{\"username\":\"a\",\"password\":\"b\"}".getBytes(StandardCharsets.UTF_8)).toString(),
                new String(PushService.hmacKey(new RegistryCredentials("a", "b", "", "")), StandardCharsets.US_ASCII));
        assertEquals(Digest.sha256Of("{\"username\":\"a\",\"identitytoken\":\"t\"}".getBytes(StandardCharsets.UTF_8))
                .toString(), new String(PushService.hmacKey(new RegistryCredentials("a", "", "", "t")),
                        StandardCharsets.US_ASCII));
    }

    @Test
    void parallelGzipRoundTripsAndIsDeterministic() throws Exception {
        try (ParallelGzip gzip = new ParallelGzip(3, Deflater.DEFAULT_COMPRESSION)) {
            Random random = new Random(7);
            int block = ParallelGzip.BLOCK;
            for (int size : new int[] {0, 1, 1000, block - 1, block, block + 1, 3 * block + block / 2}) {
                byte[] data = new byte[size];
                // Half random, half repetitive: stored and compressed blocks, and matches across block edges.
                random.nextBytes(data);
                for (int i = size / 2; i < size; i++) {
                    data[i] = (byte) ("wharf ".charAt(i % 6) + (i / 4096 % 3));
                }
                List<Long> progress = new ArrayList<>();
                byte[] first = readAll(gzip.compress(new ByteArrayInputStream(data), progress::add));
                byte[] second = readAll(gzip.compress(new ByteArrayInputStream(data), p -> { }));
                assertArrayEquals(first, second, "the same bytes for the same input, size " + size);
                try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(first))) {
                    assertArrayEquals(data, in.readAllBytes(), "round trip of " + size + " bytes");
                }
                if (size > 0) {
                    assertEquals((long) size, progress.getLast());
                }
            }
            // Random blocks are stored: they come back whole and barely grow.
            byte[] noise = new byte[2 * block + 12345];
            random.nextBytes(noise);
            byte[] stored = readAll(gzip.compress(new ByteArrayInputStream(noise), p -> { }));
            assertTrue(stored.length < noise.length + noise.length / 1000, "random data grew to " + stored.length);
            try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(stored))) {
                assertArrayEquals(noise, in.readAllBytes());
            }
            // The dictionary keeps the ratio of one stream: repetitive data across many blocks stays small.
            byte[] text = "the same line, again and again\n".repeat(200_000).getBytes(StandardCharsets.UTF_8);
            assertTrue(readAll(gzip.compress(new ByteArrayInputStream(text), p -> { })).length < text.length / 100);
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        try (in) {
            // Small reads, as an HTTP client's buffers take them.
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            byte[] buf = new byte[5000];
            for (int n; (n = in.read(buf)) >= 0;) {
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        }
    }
}
