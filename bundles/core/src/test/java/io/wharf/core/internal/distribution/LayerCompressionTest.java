package io.wharf.core.internal.distribution;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.github.luben.zstd.ZstdOutputStream;

/** Layer blobs told apart by their first bytes: gzip, zstd (as the zstd tool writes it), plain. */
class LayerCompressionTest {

    @TempDir
    Path dir;

    /** Compressible, tar-sized content: a few MB of repeated random lines. */
    private static byte[] content() {
        Random random = new Random(42);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[][] lines = new byte[64][];
        for (int i = 0; i < lines.length; i++) {
            lines[i] = new byte[80];
            random.nextBytes(lines[i]);
        }
        for (int i = 0; i < 40_000; i++) {
            out.writeBytes(lines[random.nextInt(lines.length)]);
        }
        return out.toByteArray();
    }

    private static byte[] decompress(byte[] blob) throws Exception {
        try (InputStream in = LayerCompression.decompressed(new ByteArrayInputStream(blob))) {
            return in.readAllBytes();
        }
    }

    @Test
    void zstdAsTheZstdToolWritesIt() throws Exception {
        Path zstd = Path.of("/usr/bin/zstd");
        assumeTrue(Files.isExecutable(zstd), "the zstd tool is not installed");
        byte[] content = content();
        Path plain = Files.write(dir.resolve("layer.tar"), content);
        Process p = new ProcessBuilder(zstd.toString(), "-q", "-19", "-o", dir.resolve("layer.tar.zst").toString(),
                plain.toString()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor() == 0, output);
        byte[] compressed = Files.readAllBytes(dir.resolve("layer.tar.zst"));
        assertTrue(compressed.length < content.length / 4, "zstd compressed " + compressed.length);
        assertArrayEquals(content, decompress(compressed));
    }

    @Test
    void zstdFramesAfterASkippableFrame() throws Exception {
        // zstd:chunked layers carry metadata in skippable frames; frames follow one another.
        byte[] first = "first frame ".repeat(1000).getBytes();
        byte[] second = "second frame".repeat(1000).getBytes();
        ByteArrayOutputStream blob = new ByteArrayOutputStream();
        blob.writeBytes(new byte[] {0x5e, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 'a', 'b', 'c'});
        blob.writeBytes(zstd(first));
        blob.writeBytes(zstd(second));
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.writeBytes(first);
        expected.writeBytes(second);
        assertArrayEquals(expected.toByteArray(), decompress(blob.toByteArray()));
    }

    @Test
    void gzipAndPlain() throws Exception {
        byte[] content = content();
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(content);
        }
        assertArrayEquals(content, decompress(gz.toByteArray()));
        assertArrayEquals(content, decompress(content));
        assertArrayEquals(new byte[] {1, 2}, decompress(new byte[] {1, 2}));
    }

    @Test
    void magic() {
        assertTrue(LayerCompression.zstd(new byte[] {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd}));
        assertTrue(LayerCompression.zstd(new byte[] {0x50, 0x2a, 0x4d, 0x18}));
        assertFalse(LayerCompression.zstd(new byte[] {0x1f, (byte) 0x8b, 8, 0}));
        assertFalse(LayerCompression.zstd(new byte[] {0x28, (byte) 0xb5}));
    }

    private static byte[] zstd(byte[] data) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZstdOutputStream out = new ZstdOutputStream(bytes)) {
            out.write(data);
        }
        return bytes.toByteArray();
    }
}
