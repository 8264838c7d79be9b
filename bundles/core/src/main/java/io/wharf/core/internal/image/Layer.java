package io.wharf.core.internal.image;

import io.wharf.core.spi.reference.Digest;

/**
 * A read-only layer as the layer store keeps it: its chain ID (identity of the layer with all its
 * parents), its diff ID (digest of its uncompressed tar), the graph driver's cache ID, its parent's
 * chain ID (null for a base layer) and the size of its content.
 */
public record Layer(Digest chainId, Digest diffId, String cacheId, Digest parent, long size) {

    /** moby's chain ID: the diff ID for a base layer, else sha256 of "parentChainID diffID". */
    public static Digest chainId(Digest parent, Digest diffId) {
        if (parent == null) {
            return diffId;
        }
        return Digest.sha256Of((parent + " " + diffId).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }
}
