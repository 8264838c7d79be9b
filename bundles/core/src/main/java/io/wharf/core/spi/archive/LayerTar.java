package io.wharf.core.spi.archive;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;

import io.wharf.core.internal.archive.LayerExtractor;
import io.wharf.core.internal.archive.LayerWriter;

/**
 * Reads and writes image layers: tar streams in PAX format with ownership, all mode bits, times,
 * extended attributes ({@code SCHILY.xattr.*}), hard links, devices, and AUFS-style whiteouts.
 * Follows moby's {@code pkg/archive} ({@code ApplyLayer}, {@code TarWithOptions},
 * {@code ExportChanges}).
 */
public final class LayerTar {

    private LayerTar() {
    }

    /**
     * Extracts a layer into {@code root}, reading {@code layer} to its end and closing it. The
     * stream may be a plain tar or gzip or bzip2 compressed (detected from its first bytes); xz
     * and zstd are refused. Whiteouts become what {@code format} says. An existing file at an
     * entry's path is replaced, unless both are directories; symbolic links are never followed
     * when writing, and are followed within {@code root} only when an entry's parent path goes
     * through a relative one that stays inside.
     *
     * @return the size of the unpacked content: the sum of the regular files' sizes
     * @throws UnsafeEntryException for an entry reaching outside {@code root}, before anything is
     *         written for it
     */
    public static long apply(InputStream layer, Path root, WhiteoutFormat format) throws IOException {
        try (layer) {
            return new LayerExtractor(root, format).apply(layer);
        }
    }

    /**
     * Writes the whole tree under {@code root} (not {@code root} itself) as a layer tar, in sorted,
     * deterministic order; {@code out} is not closed. With {@link WhiteoutFormat#OVERLAY}, 0:0
     * character devices become {@code .wh.<name>} entries and opaque directories get a
     * {@code .wh..wh..opq} entry.
     */
    public static void write(Path root, OutputStream out, WhiteoutFormat format) throws IOException {
        LayerWriter writer = new LayerWriter(out, format);
        writer.addTree(root);
        writer.finish();
    }

    /**
     * Writes {@code changes} (as {@link Changes#between} computes them, with {@code root} the upper
     * tree) as a layer tar: each added or modified path as it is in {@code root}, without its
     * children, each deleted one as a {@code .wh.<name>} entry; {@code out} is not closed. Paths
     * that vanished meanwhile are left out.
     */
    public static void writeChanges(Path root, List<Change> changes, OutputStream out) throws IOException {
        LayerWriter writer = new LayerWriter(out, WhiteoutFormat.AUFS);
        writer.addChanges(root, changes);
        writer.finish();
    }
}
