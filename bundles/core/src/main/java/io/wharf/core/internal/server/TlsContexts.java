package io.wharf.core.internal.server;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;

import org.eclipse.jetty.util.ssl.SslContextFactory;

import io.wharf.core.internal.config.DaemonConfig;
import io.wharf.core.internal.tls.Pem;

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
        List<X509Certificate> chain = Pem.certificates(Path.of(config.string("tlscert")));
        keys.setKeyEntry("server", Pem.privateKey(Path.of(config.string("tlskey"))), IN_MEMORY_PASSWORD,
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
            for (Certificate ca : Pem.certificates(Path.of(config.string("tlscacert")))) {
                trust.setCertificateEntry("ca-" + i++, ca);
            }
            ssl.setTrustStore(trust);
            ssl.setNeedClientAuth(true);
        }
        return ssl;
    }
}
