package io.wharf.core.spi.reference;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import java.util.regex.Pattern;

import io.wharf.core.spi.errors.InvalidParameterException;

/**
 * A content digest such as {@code sha256:e3b0c442...}. Construction validates as go-digest v1.0.0
 * (the version moby uses) does: sha256, sha384 or sha512, lowercase hex of exactly the hash's
 * length; anything else is an invalid parameter with go-digest's message.
 */
public record Digest(String algorithm, String encoded) {

    /** The canonical algorithm: image IDs, layer and manifest digests. */
    public static final String SHA256 = "sha256";

    // go-digest's DigestRegexpAnchored, only to tell a malformed digest from a well-formed one
    // with an algorithm we lack; possessive (*+) so that Java does not recurse per repetition.
    private static final Pattern WELL_FORMED = Pattern.compile("[a-z0-9]+(?:[.+_-][a-z0-9]+)*+:[a-zA-Z0-9=_-]+");
    private static final Pattern LOWER_HEX = Pattern.compile("[a-f0-9]*");

    public Digest {
        Objects.requireNonNull(algorithm, "algorithm");
        Objects.requireNonNull(encoded, "encoded");
        if (algorithm.isEmpty() || encoded.isEmpty()) {
            throw new InvalidParameterException("invalid checksum digest format");
        }
        int length = hexLength(algorithm);
        if (length < 0) {
            throw new InvalidParameterException(WELL_FORMED.matcher(algorithm + ":" + encoded).matches()
                    ? "unsupported digest algorithm" : "invalid checksum digest format");
        }
        // go-digest checks the length before the characters, so "sha256:ABC" is a length error.
        if (encoded.length() != length) {
            throw new InvalidParameterException("invalid checksum digest length");
        }
        if (!LOWER_HEX.matcher(encoded).matches()) {
            throw new InvalidParameterException("invalid checksum digest format");
        }
    }

    /** Parses "algorithm:hex", split at the first colon as go-digest does. */
    public static Digest parse(String text) {
        int colon = text.indexOf(':');
        if (colon < 0) {
            throw new InvalidParameterException("invalid checksum digest format");
        }
        return new Digest(text.substring(0, colon), text.substring(colon + 1));
    }

    /** The sha256 digest of {@code bytes}. */
    public static Digest sha256Of(byte[] bytes) {
        return sha256Digester().update(bytes).digest();
    }

    /** The sha256 digest of everything {@code in} still holds; does not close it. */
    public static Digest sha256Of(InputStream in) throws IOException {
        Digester digester = sha256Digester();
        digester.wrap(in).transferTo(OutputStream.nullOutputStream());
        return digester.digest();
    }

    /** A streaming sha256 digester. */
    public static Digester sha256Digester() {
        return new Digester(SHA256);
    }

    /** A streaming digester for {@code algorithm}, such as the one of a digest to verify. */
    public static Digester digester(String algorithm) {
        if (hexLength(algorithm) < 0) {
            throw new InvalidParameterException("unsupported digest algorithm");
        }
        return new Digester(algorithm);
    }

    @Override
    public String toString() {
        return algorithm + ":" + encoded;
    }

    /** Hex digits of each supported algorithm, or -1; the same set go-digest v1.0.0 registers. */
    private static int hexLength(String algorithm) {
        return switch (algorithm) {
            case "sha256" -> 64;
            case "sha384" -> 96;
            case "sha512" -> 128;
            default -> -1;
        };
    }

    /**
     * Hashes content as it streams past: feed it with {@link #update}, or read through
     * {@link #wrap(InputStream)} / write through {@link #wrap(OutputStream)}, then call
     * {@link #digest()}. Not thread-safe.
     */
    public static final class Digester {

        private final String algorithm;
        private final MessageDigest hash;

        private Digester(String algorithm) {
            this.algorithm = algorithm;
            try {
                // "sha256" -> "SHA-256", the JCA name every Java runtime provides.
                this.hash = MessageDigest.getInstance("SHA-" + algorithm.substring(3));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        public Digester update(byte[] bytes) {
            hash.update(bytes);
            return this;
        }

        public Digester update(byte[] bytes, int offset, int length) {
            hash.update(bytes, offset, length);
            return this;
        }

        /** A stream that hashes every byte read from {@code in}. */
        public InputStream wrap(InputStream in) {
            return new DigestInputStream(in, hash);
        }

        /** A stream that hashes every byte written through to {@code out}. */
        public OutputStream wrap(OutputStream out) {
            return new DigestOutputStream(out, hash);
        }

        /** The digest of everything seen so far; the digester starts over afterwards. */
        public Digest digest() {
            return new Digest(algorithm, HexFormat.of().formatHex(hash.digest()));
        }
    }
}
