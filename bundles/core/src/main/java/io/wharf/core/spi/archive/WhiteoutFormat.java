package io.wharf.core.spi.archive;

/**
 * How deletions are represented on disk in a layer directory. In a layer tar they are always
 * AUFS-style entries: {@code .wh.<name>} deletes {@code <name>}, {@code .wh..wh..opq} makes its
 * directory opaque (hides everything lower layers have in it).
 */
public enum WhiteoutFormat {

    /**
     * A full-copy layer (vfs, the naive diff): applying a whiteout deletes the file, an opaque
     * marker deletes what the directory held before this layer. Written as-is.
     */
    AUFS,

    /**
     * Kernel overlayfs: a deleted path is a character device 0:0 with the same name, an opaque
     * directory carries the extended attribute {@code trusted.overlay.opaque=y}.
     */
    OVERLAY
}
