package io.wharf.core.internal.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;

import io.wharf.core.internal.tls.Pem;
import io.wharf.core.spi.errors.InvalidParameterException;
import io.wharf.core.spi.reference.Reference;

/**
 * certs.d as dockerd reads it, against a registry served over TLS by the JDK's HTTPS server on
 * [::1] (secure: only 127.0.0.0/8 is insecure by default) that asks for a client certificate, with
 * a CA and certificates the test makes with openssl.
 */
class RegistryTlsTest {

    @TempDir
    Path dir;
    private HttpsServer server;
    private String host;
    private Path certsDir;

    private void openssl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new AssertionError("openssl " + String.join(" ", args) + " failed:\n" + out);
        }
    }

    @BeforeEach
    void start() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")), "openssl is not installed");
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca-key.pem", "-out", "ca.pem", "-days", "2",
                "-subj", "/CN=wharf-test-ca");
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server-key.pem", "-out", "server.csr", "-subj", "/CN=::1");
        Files.writeString(dir.resolve("server-ext.cnf"), "subjectAltName = IP:::1\nextendedKeyUsage = serverAuth\n");
        openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial",
                "-out", "server-cert.pem", "-days", "2", "-extfile", "server-ext.cnf");
        // The client key as an EC key in SEC1 form ("BEGIN EC PRIVATE KEY").
        openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "client.key");
        openssl("req", "-new", "-key", "client.key", "-out", "client.csr", "-subj", "/CN=wharf-client");
        Files.writeString(dir.resolve("client-ext.cnf"), "extendedKeyUsage = clientAuth\n");
        openssl("x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial",
                "-out", "client.cert", "-days", "2", "-extfile", "client-ext.cnf");

        char[] password = "test".toCharArray();
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("server", Pem.privateKey(dir.resolve("server-key.pem")), password,
                Pem.certificates(dir.resolve("server-cert.pem")).toArray(Certificate[]::new));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
        kmf.init(keys, password);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", Pem.certificates(dir.resolve("ca.pem")).get(0));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);

        server = HttpsServer.create(new InetSocketAddress(InetAddress.getByName("::1"), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(ctx) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters p = ctx.getDefaultSSLParameters();
                p.setNeedClientAuth(true);
                params.setSSLParameters(p);
            }
        });
        server.createContext("/v2/", ex -> {
            byte[] body = ex.getRequestURI().getPath().equals("/v2/") ? "{}".getBytes(StandardCharsets.UTF_8)
                    : "{\"schemaVersion\":2}".getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", Manifests.DOCKER_MANIFEST);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        host = "[::1]:" + server.getAddress().getPort();
        certsDir = dir.resolve("certs.d");
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private RegistryClient.Manifest pull(RegistryClient client) throws IOException {
        return client.repository(Reference.parseNormalized(host + "/team/app:1"), RegistryCredentials.NONE).manifest("1");
    }

    @Test
    void certsDirectoryAsDockerdReadsIt() throws Exception {
        RegistryClient client = new RegistryClient(List::of, List::of, certsDir, Duration.ofSeconds(2));
        assertTrue(!client.insecure(host), "::1 is not in 127.0.0.0/8");

        IOException unknown = assertThrows(IOException.class, () -> pull(client));
        assertTrue(unknown.getMessage().startsWith("Get \"https://" + host + "/v2/\": tls: failed to verify certificate: "
                + "x509: certificate signed by unknown authority"), unknown.getMessage());
        assertTrue(unknown.getMessage().contains(certsDir.resolve(host).resolve("ca.crt").toString()), unknown.getMessage());

        Path hostDir = Files.createDirectories(certsDir.resolve(host));
        Files.copy(dir.resolve("ca.pem"), hostDir.resolve("ca.crt"));
        IOException noClientCert = assertThrows(IOException.class, () -> pull(client));
        assertEquals("Get \"https://" + host + "/v2/\": remote error: tls: certificate required", noClientCert.getMessage());

        Files.copy(dir.resolve("client.cert"), hostDir.resolve("client.cert"));
        InvalidParameterException missingKey = assertThrows(InvalidParameterException.class, () -> pull(client));
        assertEquals("missing key client.key for client certificate client.cert. CA certificates must use the extension .crt",
                missingKey.getMessage());

        Files.copy(dir.resolve("client.key"), hostDir.resolve("client.key"));
        assertEquals(Manifests.DOCKER_MANIFEST, pull(client).mediaType());

        Files.copy(dir.resolve("client.key"), hostDir.resolve("other.key"));
        assertEquals("missing client certificate other.cert for key other.key",
                assertThrows(InvalidParameterException.class, () -> pull(client)).getMessage());
    }

    @Test
    void anInsecureRegistryIsNotVerified() throws Exception {
        // No CA: --insecure-registry skips verification (the server still wants a client certificate,
        // which dockerd does not send to an insecure registry: the handshake fails on that instead).
        RegistryClient client = new RegistryClient(() -> List.of(host), List::of, certsDir, Duration.ofSeconds(2));
        IOException e = assertThrows(IOException.class, () -> pull(client));
        assertTrue(!e.getMessage().contains("unknown authority"), e.getMessage());
    }
}
