package io.wharf.core.internal.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.eclipse.jetty.util.ssl.SslContextFactory;

import io.wharf.core.internal.config.DaemonConfig;

/**
 * Jetty TLS settings from dockerd's PEM files: --tlscert/--tlskey for the server, and with
 * --tlsverify a client certificate signed by --tlscacert is required. TLS 1.2 at least, as dockerd.
 */
final class TlsContexts {

    private static final char[] IN_MEMORY_PASSWORD = "wharf".toCharArray();

    private TlsContexts() {
    }

    static SslContextFactory.Server server(DaemonConfig config) throws IOException, GeneralSecurityException {
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        Collection<? extends Certificate> chain = certificates(Path.of(config.string("tlscert")));
        keys.setKeyEntry("server", privateKey(Path.of(config.string("tlskey"))), IN_MEMORY_PASSWORD,
                chain.toArray(Certificate[]::new));
        ssl.setKeyStore(keys);
        ssl.setKeyStorePassword(new String(IN_MEMORY_PASSWORD));
        ssl.setKeyManagerPassword(new String(IN_MEMORY_PASSWORD));
        ssl.setIncludeProtocols("TLSv1.2", "TLSv1.3");
        ssl.setSniRequired(false);
        if (config.tlsVerify()) {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            int i = 0;
            for (Certificate ca : certificates(Path.of(config.string("tlscacert")))) {
                trust.setCertificateEntry("ca-" + i++, ca);
            }
            ssl.setTrustStore(trust);
            ssl.setNeedClientAuth(true);
        }
        return ssl;
    }

    private static Collection<? extends Certificate> certificates(Path pem) throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(pem)) {
            Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certs.isEmpty()) {
                throw new GeneralSecurityException("no certificate in " + pem);
            }
            return certs;
        }
    }

    /** PKCS#8, PKCS#1 ("RSA PRIVATE KEY") and SEC1 ("EC PRIVATE KEY") keys, as openssl writes them. */
    private static PrivateKey privateKey(Path pem) throws IOException, GeneralSecurityException {
        try (Reader reader = Files.newBufferedReader(pem); PEMParser parser = new PEMParser(reader)) {
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
