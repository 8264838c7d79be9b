package io.wharf.core.spi.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.wharf.core.spi.errors.InvalidParameterException;

class DigestTest {

    private static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    @Test
    void sha256OfNothing() {
        Digest d = Digest.sha256Of(new byte[0]);
        assertEquals("sha256", d.algorithm());
        assertEquals(EMPTY_SHA256, d.encoded());
        assertEquals("sha256:" + EMPTY_SHA256, d.toString());
    }

    @Test
    void parseRoundTrips() {
        Digest d = Digest.parse("sha256:" + EMPTY_SHA256);
        assertEquals(Digest.sha256Of(new byte[0]), d);
        assertEquals("sha256:" + EMPTY_SHA256, d.toString());
    }

    @Test
    void sha384AndSha512AreSupported() {
        assertEquals("sha384", Digest.parse("sha384:" + "a".repeat(96)).algorithm());
        assertEquals("sha512", Digest.parse("sha512:" + "0".repeat(128)).algorithm());
    }

    @Test
    void streamsDigestWhatPassesThrough() throws Exception {
        byte[] abc = "abc".getBytes(StandardCharsets.US_ASCII);
        String expected = "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assertEquals(expected, Digest.sha256Of(abc).toString());
        assertEquals(expected, Digest.sha256Of(new ByteArrayInputStream(abc)).toString());

        Digest.Digester reading = Digest.sha256Digester();
        try (InputStream in = reading.wrap(new ByteArrayInputStream(abc))) {
            in.readAllBytes();
        }
        assertEquals(expected, reading.digest().toString());

        Digest.Digester writing = Digest.digester("sha256");
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (OutputStream out = writing.wrap(sink)) {
            out.write(abc, 0, 1);
            out.write(abc, 1, 2);
        }
        assertEquals(expected, writing.digest().toString());
        assertEquals("abc", sink.toString(StandardCharsets.US_ASCII));
        // digest() starts the digester over.
        assertEquals("sha256:" + EMPTY_SHA256, writing.digest().toString());
    }

    @Test
    void sha512Digester() {
        Digest d = Digest.digester("sha512").update("abc".getBytes(StandardCharsets.US_ASCII)).digest();
        assertEquals("sha512", d.algorithm());
        assertEquals("ddaf35a193617aba", d.encoded().substring(0, 16));
        assertEquals(128, d.encoded().length());
    }

    @Test
    void unknownDigesterAlgorithm() {
        assertEquals("unsupported digest algorithm",
                assertThrows(InvalidParameterException.class, () -> Digest.digester("md5")).getMessage());
    }

    // go-digest v1.0.0's Validate, case by case.
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "sha256                                   | invalid checksum digest format",
        "sha256:                                  | invalid checksum digest format",
        ":" + EMPTY_SHA256 + "                    | invalid checksum digest format",
        "sha256:abc                               | invalid checksum digest length",
        "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855 | invalid checksum digest format",
        "sha256:g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 | invalid checksum digest format",
        "sha384:" + EMPTY_SHA256 + "              | invalid checksum digest length",
        "sha512:" + EMPTY_SHA256 + "              | invalid checksum digest length",
        "md5:d41d8cd98f00b204e9800998ecf8427e     | unsupported digest algorithm",
        "sha256+b64:abc                           | unsupported digest algorithm",
        "MD5:d41d8cd98f00b204e9800998ecf8427e     | invalid checksum digest format",
        "md5:not hex                              | invalid checksum digest format",
    })
    void invalidDigests(String text, String message) {
        assertEquals(message, assertThrows(InvalidParameterException.class, () -> Digest.parse(text)).getMessage());
    }

    @Test
    void constructorValidatesToo() {
        assertEquals("invalid checksum digest length",
                assertThrows(InvalidParameterException.class, () -> new Digest("sha256", "00")).getMessage());
    }
}
