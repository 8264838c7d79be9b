package io.wharf.core.spi.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.wharf.core.spi.errors.InvalidParameterException;

class ReferenceTest {

    private static final String HEX = "dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c";
    private static final String DIGEST = "sha256:" + HEX;

    private static String error(String text) {
        return assertThrows(InvalidParameterException.class, () -> Reference.parseNormalized(text)).getMessage();
    }

    // input | domain | path | familiar name; cases from distribution's normalize_test.go.
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "busybox                         | docker.io        | library/busybox   | busybox",
        "library/busybox                 | docker.io        | library/busybox   | busybox",
        "docker.io/busybox               | docker.io        | library/busybox   | busybox",
        "docker.io/library/busybox       | docker.io        | library/busybox   | busybox",
        "index.docker.io/busybox         | docker.io        | library/busybox   | busybox",
        "index.docker.io/user/repo       | docker.io        | user/repo         | user/repo",
        "user/repo                       | docker.io        | user/repo         | user/repo",
        "docker.io/library/foo/bar       | docker.io        | library/foo/bar   | library/foo/bar",
        "store/foo/bar                   | docker.io        | store/foo/bar     | store/foo/bar",
        "test_com/foo                    | docker.io        | test_com/foo      | test_com/foo",
        "ubuntu-12.04-base               | docker.io        | library/ubuntu-12.04-base | ubuntu-12.04-base",
        "localhost/fooo                  | localhost        | fooo              | localhost/fooo",
        "localhost:5000/x                | localhost:5000   | x                 | localhost:5000/x",
        "example.com/private/moonbase    | example.com      | private/moonbase  | example.com/private/moonbase",
        "example.com:8000/privatebase    | example.com:8000 | privatebase       | example.com:8000/privatebase",
        "127.0.0.1:8000/private/moonbase | 127.0.0.1:8000   | private/moonbase  | 127.0.0.1:8000/private/moonbase",
        "test-com:8080/foo               | test-com:8080    | foo               | test-com:8080/foo",
        "xn--n3h.com:18080/foo           | xn--n3h.com:18080 | foo              | xn--n3h.com:18080/foo",
        "[::1]:5000/x                    | [::1]:5000       | x                 | [::1]:5000/x",
        "[fc00:1:2:3:4:5:6:7]:5000/library/debian | [fc00:1:2:3:4:5:6:7]:5000 | library/debian | [fc00:1:2:3:4:5:6:7]:5000/library/debian",
        "[fc00::1]/docker                | [fc00::1]        | docker            | [fc00::1]/docker",
        // An uppercase first component cannot be a path, so it is taken as a domain.
        "Foo/bar                         | Foo              | bar               | Foo/bar",
        "LOCALDOMAIN/library/debian      | LOCALDOMAIN      | library/debian    | LOCALDOMAIN/library/debian",
        // Four-component paths and separators the grammar allows.
        "a/b/c/d                         | docker.io        | a/b/c/d           | a/b/c/d",
        "dock__er/do-c---k.er_x          | docker.io        | dock__er/do-c---k.er_x | dock__er/do-c---k.er_x",
    })
    void normalizes(String input, String domain, String path, String familiarName) {
        Reference r = Reference.parseNormalized(input);
        assertEquals(domain, r.domain());
        assertEquals(path, r.path());
        assertEquals(domain + "/" + path, r.name());
        assertEquals(r.name(), r.toString());
        assertEquals(familiarName, r.familiarName());
        assertEquals(familiarName, r.familiarString());
        assertEquals(Optional.empty(), r.tag());
        assertEquals(Optional.empty(), r.digest());
        // The familiar and the full form parse back to the same reference.
        assertEquals(r, Reference.parseNormalized(r.familiarString()));
        assertEquals(r, Reference.parseNormalized(r.toString()));
    }

    @Test
    void tag() {
        Reference r = Reference.parseNormalized("busybox:1.36");
        assertEquals(Optional.of("1.36"), r.tag());
        assertEquals("docker.io/library/busybox:1.36", r.toString());
        assertEquals("busybox:1.36", r.familiarString());
        assertEquals("busybox", r.familiarName());
        assertEquals("docker.io/library/busybox", r.name());
    }

    @Test
    void portIsNotATag() {
        Reference r = Reference.parseNormalized("localhost:5000/x:v1");
        assertEquals("localhost:5000", r.domain());
        assertEquals(Optional.of("v1"), r.tag());
        assertEquals("localhost:5000/x:v1", r.familiarString());
        // Without a slash "name:5000" is a tag, as in distribution.
        Reference bare = Reference.parseNormalized("localhost:5000");
        assertEquals("docker.io/library/localhost:5000", bare.toString());
    }

    @Test
    void digest() {
        Reference r = Reference.parseNormalized("user/repo@" + DIGEST);
        assertEquals(Optional.empty(), r.tag());
        assertEquals(Optional.of(Digest.parse(DIGEST)), r.digest());
        assertEquals("docker.io/user/repo@" + DIGEST, r.toString());
        assertEquals("user/repo@" + DIGEST, r.familiarString());
    }

    @Test
    void tagAndDigestTogether() {
        Reference r = Reference.parseNormalized("busybox:latest@" + DIGEST);
        assertEquals(Optional.of("latest"), r.tag());
        assertEquals(DIGEST, r.digest().orElseThrow().toString());
        assertEquals("docker.io/library/busybox:latest@" + DIGEST, r.toString());
        assertEquals("busybox:latest@" + DIGEST, r.familiarString());

        Reference ipv6 = Reference.parseNormalized("[::1]:5000/a/b:v2@" + DIGEST);
        assertEquals("[::1]:5000", ipv6.domain());
        assertEquals("a/b", ipv6.path());
        assertEquals(Optional.of("v2"), ipv6.tag());
        assertEquals("[::1]:5000/a/b:v2@" + DIGEST, ipv6.familiarString());
    }

    @Test
    void withTagWithDigestAndDefaultTag() {
        Reference name = Reference.parseNormalized("busybox");
        Reference latest = name.withDefaultTag();
        assertEquals("docker.io/library/busybox:latest", latest.toString());
        assertSame(latest, latest.withDefaultTag());

        Reference tagged = name.withTag("1.0");
        assertEquals("busybox:1.0", tagged.familiarString());
        assertEquals("busybox:2", tagged.withTag("2").familiarString());
        assertSame(tagged, tagged.withDefaultTag());

        Digest d = Digest.parse(DIGEST);
        Reference both = tagged.withDigest(d);
        assertEquals("busybox:1.0@" + DIGEST, both.familiarString());
        assertEquals("busybox:x@" + DIGEST, both.withTag("x").familiarString());
        Reference digested = name.withDigest(d);
        assertEquals("busybox@" + DIGEST, digested.familiarString());
        // A digest alone pins the image: no default tag is added.
        assertSame(digested, digested.withDefaultTag());

        assertEquals("invalid tag format",
                assertThrows(InvalidParameterException.class, () -> name.withTag("-foo")).getMessage());
        assertEquals("invalid tag format",
                assertThrows(InvalidParameterException.class, () -> name.withTag("a".repeat(129))).getMessage());
        assertEquals(128, name.withTag("_" + "a".repeat(127)).tag().orElseThrow().length());
    }

    @Test
    void equality() {
        assertEquals(Reference.parseNormalized("busybox"), Reference.parseNormalized("docker.io/library/busybox"));
        assertEquals(Reference.parseNormalized("busybox").hashCode(),
                Reference.parseNormalized("index.docker.io/library/busybox").hashCode());
        assertNotEquals(Reference.parseNormalized("busybox"), Reference.parseNormalized("busybox:latest"));
    }

    @Test
    void uppercaseRepositoryIsRejectedByName() {
        assertEquals("invalid reference format: repository name (library/Busybox) must be lowercase",
                error("Busybox"));
        assertEquals("invalid reference format: repository name (docker/Docker) must be lowercase",
                error("docker/Docker"));
        assertEquals("invalid reference format: repository name (Foo) must be lowercase",
                error("localhost:5000/Foo:tag"));
        assertEquals("invalid reference format: repository name (Uppercase/lowercase) must be lowercase",
                error("test:5000/Uppercase/lowercase:tag"));
        // Taken for a domain (it has uppercase) that is not one, and lowercase only as a path:
        // distribution's Parse has a shorter message for that.
        assertEquals("repository name must be lowercase", error("Foo_bar/baz"));
    }

    @Test
    void hexIdentifierIsAmbiguous() {
        assertEquals("invalid repository name (" + HEX + "), cannot specify 64-byte hexadecimal strings",
                error(HEX));
        // A domain makes it unambiguous, though its familiar form is the ambiguous hex again.
        Reference withDomain = Reference.parseNormalized("docker.io/" + HEX);
        assertEquals("library/" + HEX, withDomain.path());
        assertEquals(HEX, withDomain.familiarString());
        // One digit short, it is an ordinary name.
        assertEquals("docker.io/library/" + HEX.substring(1),
                Reference.parseNormalized(HEX.substring(1)).toString());
    }

    @Test
    void pathLength() {
        String longest = "a".repeat(Reference.PATH_MAX_LENGTH - "library/".length());
        assertEquals(255, Reference.parseNormalized(longest).path().length());
        assertEquals("repository name must not be more than 255 characters", error(longest + "a"));
        // The domain does not count.
        String path = "a".repeat(255);
        assertEquals(path, Reference.parseNormalized("registry.example.com:5000/" + path).path());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", ":", "/", "busybox:", "busybox@", "busybox:-tag",
        "https://github.com/docker/docker", "-docker", "-docker/docker", "docker-/docker", "-docker.io/docker/docker",
        "docker///docker", "docker/", "____/____", "_docker/_docker", "dock..er/docker", "dock_.er/docker",
        "dock-.er/docker", "dock___er/docker", "[fc00::1]", "[fc00::1]:5000", "fc00::1:5000/debian",
        "[fe80::1%eth0]:5000/debian", "[2001:db8:3:4::192.0.2.33]:5000/debian", "localhost:port/x",
        "busybox@sha256:abc", "busybox@sha256:" + HEX + "x", "a b", "busybox:tag:tag", ":justtag",
        "@" + DIGEST, "aa/asdf$$^/aa", "[2001:db8::1]:tag", "[fe80::1%@invalidzone]:5000/repo",
    })
    void grammarFailures(String text) {
        assertEquals("invalid reference format", error(text));
    }

    @Test
    void tagLength() {
        assertEquals(128, Reference.parseNormalized("busybox:" + "t".repeat(128)).tag().orElseThrow().length());
        assertEquals("invalid reference format", error("busybox:" + "t".repeat(129)));
    }

    @Test
    void digestErrorsAreGoDigests() {
        assertEquals("invalid checksum digest length", error("busybox@sha256:" + HEX.substring(0, 32)));
        assertEquals("invalid checksum digest format", error("busybox@sha256:" + HEX.toUpperCase()));
        assertEquals("unsupported digest algorithm", error("busybox@md5:" + HEX.substring(0, 32)));
        assertEquals("invalid checksum digest length", error("busybox:v1@sha512:" + HEX));
        assertEquals("unsupported digest algorithm", error("validname@invaliddigest:" + HEX));
    }

    @Test
    void lookalikeDomainStaysInThePath() {
        // "a_b.c" contains a dot but is no valid host name: distribution keeps it as a path
        // with an empty domain rather than failing.
        Reference r = Reference.parseNormalized("a_b.c/d");
        assertEquals("", r.domain());
        assertEquals("a_b.c/d", r.path());
        assertEquals("a_b.c/d", r.name());
        assertEquals("a_b.c/d:latest", r.withDefaultTag().familiarString());
    }

    @Test
    void hostileInputFailsFast() {
        assertTimeoutPreemptively(Duration.ofSeconds(2), () -> {
            for (String s : new String[] {"a".repeat(50_000) + "!", "a-".repeat(25_000) + "!",
                    "a.".repeat(25_000) + "/!", "a/".repeat(25_000) + "!", "a__".repeat(25_000) + "!",
                    "x/y:" + "a".repeat(50_000), "x@" + "a.".repeat(25_000) + "a:" + HEX}) {
                assertThrows(InvalidParameterException.class, () -> Reference.parseNormalized(s));
            }
            // Valid grammar, so it gets as far as the length check.
            assertEquals("repository name must not be more than 255 characters", error("a-".repeat(25_000) + "a"));
            assertEquals("invalid checksum digest format",
                    assertThrows(InvalidParameterException.class,
                            () -> Digest.parse("a.".repeat(25_000) + "a:x!")).getMessage());
        });
    }
}
