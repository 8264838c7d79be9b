package io.wharf.core.spi.reference;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.wharf.core.spi.errors.InvalidParameterException;

/**
 * A normalized, named image reference: {@code domain/path[:tag][@digest]}, such as
 * {@code docker.io/library/busybox:latest}. Parsed as distribution/reference v0.6.0's
 * {@code ParseNormalizedNamed} parses (the version moby uses), errors included. Immutable.
 */
public final class Reference {

    public static final String DEFAULT_DOMAIN = "docker.io";
    public static final String DEFAULT_TAG = "latest";
    /** Longest repository path; the domain does not count. */
    public static final int PATH_MAX_LENGTH = 255;

    // Docker Hub's old "index" name, still typed by users and normalized away.
    private static final String LEGACY_DOMAIN = "index.docker.io";
    private static final String OFFICIAL_PREFIX = "library/";

    // The grammar of distribution/reference's regexp.go, built from the same parts. Repeated
    // groups are possessive (*+): that matches the same strings, since what follows a repetition
    // can never continue it, but Java then loops instead of recursing once per repetition, so a
    // long hostile name cannot overflow the stack.
    private static final String ALPHANUMERIC = "[a-z0-9]+";
    private static final String SEPARATOR = "(?:[._]|__|[-]+)";
    private static final String PATH_COMPONENT = ALPHANUMERIC + "(?:" + SEPARATOR + ALPHANUMERIC + ")*+";
    private static final String REMOTE_NAME = PATH_COMPONENT + "(?:/" + PATH_COMPONENT + ")*+";
    // distribution's "x|x[x-]*x" written as "x(?:[x-]*x)?": the same strings.
    private static final String DOMAIN_COMPONENT = "[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?";
    private static final String DOMAIN_NAME = DOMAIN_COMPONENT + "(?:\\." + DOMAIN_COMPONENT + ")*+";
    // Bracketed IPv6 without zone identifiers or embedded IPv4.
    private static final String IPV6 = "\\[[a-fA-F0-9:]+\\]";
    private static final String DOMAIN_AND_PORT = "(?:" + DOMAIN_NAME + "|" + IPV6 + ")(?::[0-9]+)?";
    private static final String TAG = "[\\w][\\w.-]{0,127}";
    // Looser than Digest itself: hex may be uppercase and any algorithm is allowed here, so that
    // go-digest's more precise errors reach the user.
    private static final String DIGEST = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*+:[0-9a-fA-F]{32,}";

    /**
     * reference := [domain "/"] path [":" tag] ["@" digest]; groups: domain, path, tag, digest.
     * distribution matches the name first and splits off the domain in a second pass; one pass
     * splits the same way, as a domain cannot contain "/".
     */
    private static final Pattern REFERENCE = Pattern.compile(
            "(?:(" + DOMAIN_AND_PORT + ")/)?(" + REMOTE_NAME + ")(?::(" + TAG + "))?(?:@(" + DIGEST + "))?");
    private static final Pattern TAG_PATTERN = Pattern.compile(TAG);
    // A bare image ID would be ambiguous with a repository of that name.
    private static final Pattern IDENTIFIER = Pattern.compile("[a-f0-9]{64}");

    private final String domain;
    private final String path;
    private final String tag;
    private final Digest digest;

    private Reference(String domain, String path, String tag, Digest digest) {
        this.domain = domain;
        this.path = path;
        this.tag = tag;
        this.digest = digest;
    }

    /**
     * Parses what a user typed ({@code busybox}, {@code user/repo:tag},
     * {@code localhost:5000/x@sha256:...}) into its normalized form.
     *
     * @throws InvalidParameterException with dockerd's message when {@code text} is not a reference
     */
    public static Reference parseNormalized(String text) {
        if (IDENTIFIER.matcher(text).matches()) {
            throw new InvalidParameterException(
                    "invalid repository name (" + text + "), cannot specify 64-byte hexadecimal strings");
        }
        String[] split = splitDockerDomain(text);
        String remainder = split[1];
        int colon = remainder.indexOf(':');
        // Checked before the grammar so the message can name the offending repository.
        String remote = colon < 0 ? remainder : remainder.substring(0, colon);
        if (!remote.toLowerCase(Locale.ROOT).equals(remote)) {
            throw new InvalidParameterException(
                    "invalid reference format: repository name (" + remote + ") must be lowercase");
        }
        return parse(split[0] + "/" + remainder);
    }

    /**
     * distribution's splitDockerDomain: the first component is a domain only if it is
     * "localhost", contains "." or ":", or has uppercase letters (which a path may not);
     * Docker Hub names without a namespace go to "library/".
     */
    private static String[] splitDockerDomain(String name) {
        int slash = name.indexOf('/');
        if (slash < 0) {
            return new String[] {DEFAULT_DOMAIN, OFFICIAL_PREFIX + name};
        }
        String first = name.substring(0, slash);
        String domain;
        String remote;
        if (first.equals(LEGACY_DOMAIN)) {
            domain = DEFAULT_DOMAIN;
            remote = name.substring(slash + 1);
        } else if (first.equals("localhost") || first.contains(".") || first.contains(":")
                || !first.toLowerCase(Locale.ROOT).equals(first)) {
            domain = first;
            remote = name.substring(slash + 1);
        } else {
            domain = DEFAULT_DOMAIN;
            remote = name;
        }
        if (domain.equals(DEFAULT_DOMAIN) && remote.indexOf('/') < 0) {
            remote = OFFICIAL_PREFIX + remote;
        }
        return new String[] {domain, remote};
    }

    /** distribution's Parse: the grammar, then the path length, then the digest. */
    private static Reference parse(String text) {
        Matcher m = REFERENCE.matcher(text);
        if (!m.matches()) {
            String lower = text.toLowerCase(Locale.ROOT);
            if (!lower.equals(text) && REFERENCE.matcher(lower).matches()) {
                throw new InvalidParameterException("repository name must be lowercase");
            }
            throw new InvalidParameterException("invalid reference format");
        }
        String path = m.group(2);
        if (path.length() > PATH_MAX_LENGTH) {
            throw new InvalidParameterException(
                    "repository name must not be more than " + PATH_MAX_LENGTH + " characters");
        }
        // A name that looks like a domain but is not one (such as "a_b.c/d") stays one path with
        // no domain, as in distribution.
        String domain = Objects.requireNonNullElse(m.group(1), "");
        return new Reference(domain, path, m.group(3), m.group(4) == null ? null : Digest.parse(m.group(4)));
    }

    /** The registry, such as "docker.io" or "localhost:5000"; empty only for lookalikes such as "a_b.c/d". */
    public String domain() {
        return domain;
    }

    /** The repository path within the registry, such as "library/busybox". */
    public String path() {
        return path;
    }

    /** The full repository name, such as "docker.io/library/busybox". */
    public String name() {
        return domain.isEmpty() ? path : domain + "/" + path;
    }

    /** The repository name as docker shows it: "busybox", "user/repo", "localhost:5000/x". */
    public String familiarName() {
        if (!domain.equals(DEFAULT_DOMAIN)) {
            return name();
        }
        // Only single-level official names drop "library/": "library/a/b" stays as it is.
        if (path.startsWith(OFFICIAL_PREFIX) && path.indexOf('/', OFFICIAL_PREFIX.length()) < 0) {
            return path.substring(OFFICIAL_PREFIX.length());
        }
        return path;
    }

    public Optional<String> tag() {
        return Optional.ofNullable(tag);
    }

    public Optional<Digest> digest() {
        return Optional.ofNullable(digest);
    }

    /** This reference with {@code tag} in place of its tag; a digest is kept. */
    public Reference withTag(String tag) {
        if (!TAG_PATTERN.matcher(tag).matches()) {
            throw new InvalidParameterException("invalid tag format");
        }
        return new Reference(domain, path, tag, digest);
    }

    /** This reference with {@code digest} in place of its digest; a tag is kept. */
    public Reference withDigest(Digest digest) {
        return new Reference(domain, path, tag, Objects.requireNonNull(digest, "digest"));
    }

    /** distribution's TagNameOnly: adds the tag "latest" when there is neither tag nor digest. */
    public Reference withDefaultTag() {
        return tag == null && digest == null ? new Reference(domain, path, DEFAULT_TAG, null) : this;
    }

    /** The reference as docker shows it, such as "busybox:latest" or "user/repo@sha256:...". */
    public String familiarString() {
        return withSuffix(familiarName());
    }

    /** The full reference, such as "docker.io/library/busybox:latest". */
    @Override
    public String toString() {
        return withSuffix(name());
    }

    private String withSuffix(String name) {
        return name + (tag == null ? "" : ":" + tag) + (digest == null ? "" : "@" + digest);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Reference r && domain.equals(r.domain) && path.equals(r.path)
                && Objects.equals(tag, r.tag) && Objects.equals(digest, r.digest);
    }

    @Override
    public int hashCode() {
        return Objects.hash(domain, path, tag, digest);
    }
}
