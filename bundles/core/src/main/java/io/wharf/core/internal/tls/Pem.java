package io.wharf.core.internal.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * PEM files as openssl writes them: certificates, and private keys in PKCS#8, PKCS#1 ("RSA PRIVATE
 * KEY") or SEC1 ("EC PRIVATE KEY") form.
 */
public final class Pem {

    private static final String BEGIN = "-----BEGIN CERTIFICATE-----";
    private static final String END = "-----END CERTIFICATE-----";

    private Pem() {
    }

    /**
     * Every CERTIFICATE block of {@code pem}, in order; other blocks and text between them are
     * skipped, as Go's AppendCertsFromPEM skips them.
     */
    public static List<X509Certificate> certificates(byte[] pem) throws GeneralSecurityException {
        String text = new String(pem, StandardCharsets.US_ASCII);
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        List<X509Certificate> certs = new ArrayList<>();
        for (int begin = text.indexOf(BEGIN); begin >= 0; begin = text.indexOf(BEGIN, begin + 1)) {
            int end = text.indexOf(END, begin);
            if (end < 0) {
                break;
            }
            byte[] der = Base64.getMimeDecoder().decode(text.substring(begin + BEGIN.length(), end));
            certs.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der)));
        }
        return certs;
    }

    /** The certificates of a PEM file; a file without any is an error. */
    public static List<X509Certificate> certificates(Path pem) throws IOException, GeneralSecurityException {
        List<X509Certificate> certs = certificates(Files.readAllBytes(pem));
        if (certs.isEmpty()) {
            throw new GeneralSecurityException("no certificate in " + pem);
        }
        return certs;
    }

    /** The first private key of a PEM file. */
    public static PrivateKey privateKey(Path pem) throws IOException, GeneralSecurityException {
        try (Reader reader = Files.newBufferedReader(pem, StandardCharsets.US_ASCII); PEMParser parser = new PEMParser(reader)) {
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
                if (o instanceof PEMKeyPair pair) {
                    return converter.getKeyPair(pair).getPrivate();
                }
                if (o instanceof PrivateKeyInfo info) {
                    return converter.getPrivateKey(info);
                }
            }
        }
        throw new GeneralSecurityException("no private key in " + pem);
    }
}
