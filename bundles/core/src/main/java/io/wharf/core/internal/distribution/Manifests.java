package io.wharf.core.internal.distribution;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;

import io.wharf.core.internal.json.Json;
import io.wharf.core.spi.errors.InvalidParameterException;
import io.wharf.core.spi.errors.NotFoundException;
import io.wharf.core.spi.reference.Digest;

/**
 * The manifest formats a pull reads: Docker schema 2 manifests and manifest lists, OCI image
 * manifests and indexes; and the choice of one platform's manifest from a list or index.
 */
final class Manifests {

    static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    static final String DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    static final String ACCEPT = String.join(", ", DOCKER_MANIFEST, DOCKER_LIST, OCI_MANIFEST, OCI_INDEX);
    static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
    static final String DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip";
    static final String OCI_GZIP_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";
    /** The layer media types of gzip-compressed blobs. */
    static final java.util.Set<String> GZIP_LAYERS = java.util.Set.of(DOCKER_LAYER, OCI_GZIP_LAYER);

    private Manifests() {
    }

    /** A content descriptor: media type, digest, size, and the platform of an index entry. */
    record Descriptor(String mediaType, Digest digest, long size, Platform platform) {

        static Descriptor of(JsonNode node) {
            JsonNode p = node.path("platform");
            Platform platform = p.isMissingNode() ? null
                    : new Platform(p.path("os").asText(""), p.path("architecture").asText(""), p.path("variant").asText(""));
            String digest = node.path("digest").asText("");
            if (digest.isEmpty()) {
                throw new InvalidParameterException("invalid manifest: a descriptor has no digest");
            }
            return new Descriptor(node.path("mediaType").asText(""), Digest.parse(digest), node.path("size").asLong(-1),
                    platform);
        }
    }

    /** An image manifest: its config and its layers, base first. */
    record ImageManifest(Descriptor config, List<Descriptor> layers) {
    }

    /** What a manifest's bytes are: an index (list) or an image manifest, by media type, else by shape. */
    static boolean isIndex(String mediaType, JsonNode json) {
        if (mediaType.equals(DOCKER_LIST) || mediaType.equals(OCI_INDEX)) {
            return true;
        }
        if (mediaType.equals(DOCKER_MANIFEST) || mediaType.equals(OCI_MANIFEST)) {
            return false;
        }
        String inner = json.path("mediaType").asText("");
        return inner.equals(DOCKER_LIST) || inner.equals(OCI_INDEX) || (json.has("manifests") && !json.has("layers"));
    }

    static JsonNode parse(byte[] bytes) throws IOException {
        JsonNode json;
        try {
            json = Json.MAPPER.readTree(bytes);
        } catch (IOException e) {
            throw new InvalidParameterException("invalid manifest: " + e.getMessage());
        }
        if (json == null || !json.isObject()) {
            throw new InvalidParameterException("invalid manifest: not a JSON object");
        }
        if (json.path("schemaVersion").asInt(0) == 1) {
            throw new InvalidParameterException("Docker Image Format v1 and Docker Image manifest version 2, schema 1 "
                    + "support has been removed. Suggest the author of the image to upgrade it.");
        }
        return json;
    }

    static ImageManifest image(JsonNode json) {
        if (!json.has("config")) {
            throw new InvalidParameterException("invalid manifest: it has no config");
        }
        List<Descriptor> layers = new ArrayList<>();
        for (JsonNode l : json.path("layers")) {
            layers.add(Descriptor.of(l));
        }
        return new ImageManifest(Descriptor.of(json.get("config")), layers);
    }

    /** The entry of an index for {@code wanted}; dockerd's error when there is none. */
    static Descriptor select(JsonNode index, Platform wanted) {
        Descriptor best = null;
        for (JsonNode m : index.path("manifests")) {
            Descriptor d = Descriptor.of(m);
            if (d.platform() == null || !wanted.matches(d.platform())) {
                continue;
            }
            // An entry naming exactly the variant asked for beats one that leaves it open.
            if (best == null || (!wanted.variant().isEmpty() && d.platform().variant().equals(wanted.variant())
                    && !best.platform().variant().equals(wanted.variant()))) {
                best = d;
            }
        }
        if (best == null) {
            throw new NotFoundException("no matching manifest for " + wanted + " in the manifest list entries");
        }
        return best;
    }

    /** An OS/architecture/variant, as containerd's platforms package normalizes them. */
    record Platform(String os, String architecture, String variant) {

        /** Parses "os/arch[/variant]" (or "arch", or "os"), normalizing x86_64, aarch64 and friends. */
        static Platform parse(String text) {
            String[] parts = text.trim().toLowerCase(Locale.ROOT).split("/");
            if (parts.length == 0 || parts.length > 3 || text.isBlank()) {
                throw new InvalidParameterException("\"" + text + "\": unknown operating system or architecture: "
                        + "invalid argument");
            }
            if (parts.length == 1) {
                return parts[0].equals("linux") || parts[0].equals("windows") || parts[0].equals("darwin")
                        ? new Platform(parts[0], host().architecture(), host().variant())
                        : normalized("linux", parts[0], "");
            }
            return normalized(parts[0], parts[1], parts.length == 3 ? parts[2] : "");
        }

        private static Platform normalized(String os, String arch, String variant) {
            switch (arch) {
                case "x86_64", "x86-64" -> arch = "amd64";
                case "aarch64" -> arch = "arm64";
                case "armhf" -> {
                    arch = "arm";
                    variant = "v7";
                }
                case "armel" -> {
                    arch = "arm";
                    variant = "v6";
                }
                case "i386" -> arch = "386";
                default -> {
                }
            }
            if (arch.equals("arm64") && variant.equals("8")) {
                variant = "v8";
            }
            return new Platform(os, arch, variant);
        }

        /** The platform this daemon runs containers for: linux and the JVM's architecture. */
        static Platform host() {
            String arch = System.getProperty("os.arch");
            return normalized("linux", arch, "");
        }

        boolean matches(Platform other) {
            Platform o = normalized(other.os().toLowerCase(Locale.ROOT), other.architecture().toLowerCase(Locale.ROOT),
                    other.variant().toLowerCase(Locale.ROOT));
            if (!os.equals(o.os()) || !architecture.equals(o.architecture())) {
                return false;
            }
            if (variant.isEmpty() || variant.equals(o.variant())) {
                return true;
            }
            // arm64's only variant is v8, written or not.
            return architecture.equals("arm64") && variant.equals("v8") && o.variant().isEmpty();
        }

        @Override
        public String toString() {
            return os + "/" + architecture + (variant.isEmpty() ? "" : "/" + variant);
        }
    }
}
