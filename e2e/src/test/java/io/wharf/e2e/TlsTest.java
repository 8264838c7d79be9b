package io.wharf.e2e;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --tlsverify over TCP on 127.0.0.1 with certificates made the way Docker's documentation makes
 * them (openssl): the docker CLI with a client certificate gets in, without one the handshake fails.
 */
class TlsTest {

    @TempDir
    Path dir;

    private void makeCertificates() throws Exception {
        TestCertificates.ca(dir, "wharf-test-ca");
        // The server key in the traditional PKCS#1 form ("BEGIN RSA PRIVATE KEY") that older openssl writes.
        TestCertificates.signed(dir, "server-key.pem", true, "server-cert.pem", "127.0.0.1",
                "subjectAltName = IP:127.0.0.1,DNS:localhost\nextendedKeyUsage = serverAuth\n");
        TestCertificates.signed(dir, "key.pem", false, "cert.pem", "client", "extendedKeyUsage = clientAuth\n");
    }

    @Test
    void tlsVerifyNeedsAClientCertificate() throws Exception {
        makeCertificates();
        int port = FreePort.find();
        String host = "tcp://127.0.0.1:" + port;
        try (WharfDaemon d = new WharfDaemon(dir.resolve("daemon")).start("-H", host, "--tlsverify",
                "--tlscacert", dir.resolve("ca.pem").toString(), "--tlscert", dir.resolve("server-cert.pem").toString(),
                "--tlskey", dir.resolve("server-key.pem").toString())) {
            String ca = dir.resolve("ca.pem").toString();
            Cli.Result ok = Cli.docker(host, "--tlsverify", "--tlscacert", ca, "--tlscert", dir.resolve("cert.pem").toString(),
                    "--tlskey", dir.resolve("key.pem").toString(), "version").ok();
            assertTrue(ok.out().contains("Server: Wharf Engine"), ok.out());

            Cli.Result noCert = Cli.run(Map.of(), List.of("docker", "-H", host, "--tls", "--tlscacert", ca, "version"));
            assertNotEquals(0, noCert.exitCode(), "a client without a certificate must not get in: " + noCert.out());
            assertTrue(noCert.err().contains("tls") || noCert.err().contains("certificate"), noCert.err());

            Cli.Result plain = Cli.docker(host, "version");
            assertNotEquals(0, plain.exitCode(), "plain HTTP to a TLS port must fail");
            assertTrue(!d.logText().contains("Binding to IP address without --tlsverify"), d.logText());
        }
    }
}
