package io.wharf.core.internal.distribution;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

import com.github.luben.zstd.ZstdInputStreamNoFinalizer;

import io.wharf.core.spi.errors.SystemException;

/**
 * The compression of a layer blob, told by its first bytes as containerd's DetectCompression does
 * (the media type may lie or be a vendor's): gzip, zstd (application/vnd.oci.image.layer.v1.tar+zstd,
 * application/vnd.docker.image.rootfs.diff.tar.zstd, including zstd:chunked's skippable frames), or
 * else an uncompressed tar.
 */
final class LayerCompression {

    private static final int BUFFER = 1 << 16;

    private LayerCompression() {
    }

    /** The uncompressed content of {@code in}; closing it closes {@code in}. */
    static InputStream decompressed(InputStream in) throws IOException {
        BufferedInputStream b = new BufferedInputStream(in, BUFFER);
        b.mark(4);
        byte[] magic = b.readNBytes(4);
        b.reset();
        if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
            return new GZIPInputStream(b, BUFFER);
        }
        if (zstd(magic)) {
            try {
                return new ZstdInputStreamNoFinalizer(b);
            } catch (UnsatisfiedLinkError | ExceptionInInitializerError e) {
                b.close();
                throw new SystemException("zstd-compressed layers need the zstd library, which could not be loaded on "
                        + "this platform: " + e.getMessage(), e);
            }
        }
        return b;
    }

    /** A zstd frame (magic 0xFD2FB528) or a skippable frame (0x184D2A50 to 0x184D2A5F), little-endian. */
    static boolean zstd(byte[] magic) {
        if (magic.length < 4) {
            return false;
        }
        int m = (magic[0] & 0xff) | (magic[1] & 0xff) << 8 | (magic[2] & 0xff) << 16 | (magic[3] & 0xff) << 24;
        return m == 0xFD2FB528 || (m & 0xFFFFFFF0) == 0x184D2A50;
    }
}
