package io.wharf.core.internal.image;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;

import io.wharf.core.internal.fs.AtomicFiles;
import io.wharf.core.internal.json.Json;
import io.wharf.core.spi.reference.Digest;

/**
 * What the daemon knows of its layers at registries, in moby's layout under
 * image/DRIVER/distribution: v2metadata-by-diffid/sha256/DIFFID holds the compressed blobs a
 * layer is known as, each with the repository it was pulled from or pushed to
 * ({@code [{"Digest":"sha256:...","SourceRepository":"127.0.0.1:5000/team/app","HMAC":""}]},
 * oldest first, at most 50), and diffid-by-digest/sha256/DIGEST the layer a blob is. A push uses
 * it to skip blobs the registry has and to mount them from another repository there instead of
 * uploading them; every file is written atomically.
 */
public final class DistributionMetadata {

    private static final Logger LOG = LoggerFactory.getLogger(DistributionMetadata.class);
    private static final int MAX_ENTRIES = 50;

    /**
     * One blob a layer is known as: its digest, the repository (full name, with its domain) and the
     * HMAC of both keyed by the credentials used then (empty for a pull or anonymous push), which
     * lets a push prefer what it did with the same credentials.
     */
    public record Entry(Digest digest, String sourceRepository, String hmac) {

        /** An entry tagged with the HMAC of {@code key} (none for an empty key), as moby's TagAndAdd. */
        public static Entry tagged(Digest digest, String sourceRepository, byte[] key) {
            return new Entry(digest, sourceRepository, hmac(key, digest, sourceRepository));
        }

        /** Whether this entry was tagged with {@code key} (an untagged entry matches an empty key). */
        public boolean taggedWith(byte[] key) {
            if (hmac.isEmpty() || key.length == 0) {
                return hmac.isEmpty() && key.length == 0;
            }
            return java.security.MessageDigest.isEqual(hmac.getBytes(StandardCharsets.US_ASCII),
                    hmac(key, digest, sourceRepository).getBytes(StandardCharsets.US_ASCII));
        }

        private static String hmac(byte[] key, Digest digest, String sourceRepository) {
            if (key.length == 0) {
                return "";
            }
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(key, "HmacSHA256"));
                mac.update(digest.toString().getBytes(StandardCharsets.UTF_8));
                mac.update(sourceRepository.getBytes(StandardCharsets.UTF_8));
                return HexFormat.of().formatHex(mac.doFinal());
            } catch (NoSuchAlgorithmException | InvalidKeyException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private final Path byDiffId;
    private final Path byDigest;

    public DistributionMetadata(Path root) {
        this.byDiffId = root.resolve("v2metadata-by-diffid");
        this.byDigest = root.resolve("diffid-by-digest");
    }

    /** The blobs layer {@code diffId} is known as, oldest first; none when nothing is known. */
    public synchronized List<Entry> get(Digest diffId) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file(byDiffId, diffId));
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            LOG.warn("cannot read the distribution metadata of layer {}: {}", diffId, e.toString());
            return List.of();
        }
        List<Entry> out = new ArrayList<>();
        try {
            for (JsonNode n : Json.MAPPER.readTree(bytes)) {
                out.add(new Entry(Digest.parse(n.path("Digest").asText()), n.path("SourceRepository").asText(""),
                        n.path("HMAC").asText("")));
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("ignoring unreadable distribution metadata of layer {}: {}", diffId, e.toString());
            return List.of();
        }
        return out;
    }

    /** The layer blob {@code digest} is, when known. */
    public synchronized Optional<Digest> diffId(Digest digest) {
        try {
            return Optional.of(Digest.parse(Files.readString(file(byDigest, digest), StandardCharsets.US_ASCII).trim()));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Records that layer {@code diffId} is {@code entry} (moved to the newest place when it was known already). */
    public synchronized void add(Digest diffId, Entry entry) throws IOException {
        List<Entry> entries = new ArrayList<>(get(diffId));
        if (!entries.isEmpty() && entries.getLast().equals(entry)) {
            return; // known, and the newest already: nothing to write
        }
        entries.remove(entry);
        entries.add(entry);
        if (entries.size() > MAX_ENTRIES) {
            entries = entries.subList(entries.size() - MAX_ENTRIES, entries.size());
        }
        write(byDiffId, diffId, Json.bytes(entries.stream().map(DistributionMetadata::json).toList()));
        write(byDigest, entry.digest(), diffId.toString().getBytes(StandardCharsets.US_ASCII));
    }

    /** Forgets {@code entry} (a registry that no longer has the blob there). */
    public synchronized void remove(Entry entry) throws IOException {
        Optional<Digest> diffId = diffId(entry.digest());
        if (diffId.isEmpty()) {
            return;
        }
        List<Entry> entries = new ArrayList<>(get(diffId.get()));
        if (!entries.remove(entry)) {
            return;
        }
        if (entries.isEmpty()) {
            Files.deleteIfExists(file(byDiffId, diffId.get()));
        } else {
            write(byDiffId, diffId.get(), Json.bytes(entries.stream().map(DistributionMetadata::json).toList()));
        }
    }

    private static Map<String, String> json(Entry e) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("Digest", e.digest().toString());
        m.put("SourceRepository", e.sourceRepository());
        m.put("HMAC", e.hmac());
        return m;
    }

    private static Path file(Path namespace, Digest key) {
        return namespace.resolve(key.algorithm()).resolve(key.encoded());
    }

    private static void write(Path namespace, Digest key, byte[] content) throws IOException {
        Path target = file(namespace, key);
        Files.createDirectories(target.getParent());
        AtomicFiles.write(target, content);
    }
}
