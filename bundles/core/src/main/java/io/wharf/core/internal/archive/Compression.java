package io.wharf.core.internal.archive;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;

/** Recognises a layer's compression from its magic bytes, as moby's {@code DecompressStream} does. */
final class Compression {

    private static final int BUFFER = 64 * 1024;
    private static final byte[] GZIP = {0x1f, (byte) 0x8b, 0x08};
    private static final byte[] BZIP2 = {'B', 'Z', 'h'};
    private static final byte[] XZ = {(byte) 0xfd, '7', 'z', 'X', 'Z', 0x00};
    private static final byte[] ZSTD = {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd};

    private Compression() {
    }

    /** The uncompressed tar stream. */
    static InputStream decompress(InputStream in) throws IOException {
        BufferedInputStream buffered = new BufferedInputStream(in, BUFFER);
        buffered.mark(XZ.length);
        byte[] magic = buffered.readNBytes(XZ.length);
        buffered.reset();
        if (startsWith(magic, GZIP)) {
            return new GZIPInputStream(buffered, BUFFER);
        }
        if (startsWith(magic, BZIP2)) {
            return new BZip2CompressorInputStream(buffered, true);
        }
        if (startsWith(magic, XZ)) {
            throw new IOException("unsupported compression: xz (use gzip or an uncompressed tar)");
        }
        if (startsWith(magic, ZSTD)) {
            throw new IOException("unsupported compression: zstd (use gzip or an uncompressed tar)");
        }
        return buffered;
    }

    private static boolean startsWith(byte[] data, byte[] prefix) {
        return data.length >= prefix.length && Arrays.equals(data, 0, prefix.length, prefix, 0, prefix.length);
    }
}
