package io.wharf.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.github.luben.zstd.ZstdOutputStream;

/**
 * Registries as dockerd reaches them, with the real docker CLI and Debian's docker-registry on this
 * machine's loopback: a registry behind TLS on [::1] (secure: only 127.0.0.0/8 is insecure by
 * default) with a CA the test makes, trusted through certs.d beside the daemon's config file, then
 * wanting a client certificate from there too; and registry mirrors serving docker.io's
 * library/busybox, so that `docker pull busybox` works without the internet, past a dead mirror
 * and one that lacks the image, with a zstd-compressed layer.
 */
class RegistryTlsTest {

    private static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    private static final String OCI_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
    private static final String OCI_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";

    @TempDir
    Path dir;

    /** A CA, a server certificate for [::1] and a client certificate with a PKCS#1 key, as Docker's docs make them. */
    private void makeCertificates() throws Exception {
        TestCertificates.ca(dir, "wharf-registry-test-ca");
        TestCertificates.signed(dir, "server-key.pem", false, "server-cert.pem", "::1",
                "subjectAltName = IP:::1\nextendedKeyUsage = serverAuth\n");
        TestCertificates.signed(dir, "client.key", true, "client.cert", "wharf-client", "extendedKeyUsage = clientAuth\n");
    }

    @Test
    void registryBehindTlsWithItsCaInCertsD() throws Exception {
        assumeTrue(Files.isExecutable(LocalRegistry.BINARY), "docker-registry is not installed");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")), "openssl is not installed");
        makeCertificates();
        byte[] rootfs = Files.readAllBytes(TestImages.busyboxRootfs(dir));
        Path registryDir = dir.resolve("registry");
        // Filled over plain http on 127.0.0.1; the same storage is then served over TLS on [::1].
        try (LocalRegistry plain = LocalRegistry.start(registryDir, null, null, null)) {
            push(plain, "test/busybox", "1", List.of(gzip(rootfs), gzip(hello("hello over TLS\n"))));
        }
        try (WharfDaemon d = new WharfDaemon(dir.resolve("daemon")).start("--storage-driver", "vfs")) {
            Path certsD = d.configFile().getParent().resolve("certs.d");

            try (LocalRegistry registry = LocalRegistry.startTls(registryDir, "::1", dir.resolve("server-cert.pem"),
                    dir.resolve("server-key.pem"), null)) {
                String ref = registry.host() + "/test/busybox:1";
                Cli.Result unknown = d.docker("pull", ref);
                assertNotEquals(0, unknown.exitCode(), unknown.out());
                assertTrue(unknown.err().contains("Get \"https://" + registry.host() + "/v2/\": tls: failed to verify "
                        + "certificate: x509: certificate signed by unknown authority"), unknown.err());
                assertTrue(unknown.err().contains(certsD.resolve(registry.host()).resolve("ca.crt").toString()), unknown.err());

                // --insecure-registry (reloaded with SIGHUP): TLS without verification.
                Files.writeString(d.configFile(), "{\"insecure-registries\": [\"" + registry.host() + "\"]}\n");
                reload(d, registry.host(), true);
                d.docker("pull", ref).ok();
                d.docker("rmi", ref).ok();
                Files.writeString(d.configFile(), "{}\n");
                reload(d, registry.host(), false);

                Path hostDir = Files.createDirectories(certsD.resolve(registry.host()));
                Files.copy(dir.resolve("ca.pem"), hostDir.resolve("ca.crt"));
                Cli.Result trusted = d.docker("pull", ref).ok();
                assertTrue(trusted.out().contains("Status: Downloaded newer image for " + ref), trusted.out());
                assertEquals("hello over TLS", d.docker("run", "--rm", ref, "cat", "/hello.txt").ok().out().trim());
                d.docker("rmi", ref).ok();
            }

            // The same registry wanting a client certificate signed by the CA: certs.d's *.cert and *.key.
            try (LocalRegistry registry = LocalRegistry.startTls(registryDir, "::1", dir.resolve("server-cert.pem"),
                    dir.resolve("server-key.pem"), dir.resolve("ca.pem"))) {
                String ref = registry.host() + "/test/busybox:1";
                Path hostDir = Files.createDirectories(certsD.resolve(registry.host()));
                Files.copy(dir.resolve("ca.pem"), hostDir.resolve("ca.crt"));
                Cli.Result noCert = d.docker("pull", ref);
                assertNotEquals(0, noCert.exitCode(), noCert.out());
                // TLS 1.3 asks for the client's certificate after the handshake: the registry's alert
                // ("certificate required") races its closing of the connection, and the JDK's client
                // sometimes reads the close first. Either way the pull fails on that request.
                String request = "Get \"https://" + registry.host() + "/v2/\": ";
                assertTrue(noCert.err().contains(request + "remote error: tls: ")
                        || noCert.err().contains(request + "HTTP/1.1 header parser received no bytes"), noCert.err());

                Files.copy(dir.resolve("client.cert"), hostDir.resolve("client.cert"));
                Cli.Result noKey = d.docker("pull", ref);
                assertNotEquals(0, noKey.exitCode(), noKey.out());
                assertTrue(noKey.err().contains("missing key client.key for client certificate client.cert. "
                        + "CA certificates must use the extension .crt"), noKey.err());

                Files.copy(dir.resolve("client.key"), hostDir.resolve("client.key"));
                Cli.Result pulled = d.docker("pull", ref).ok();
                assertTrue(pulled.out().contains("Status: Downloaded newer image for " + ref), pulled.out());
                assertEquals("hello over TLS", d.docker("run", "--rm", ref, "cat", "/hello.txt").ok().out().trim());
            }
        }
    }

    /** SIGHUP after a daemon.json change, until `docker info` shows {@code host} (in)secure. */
    private static void reload(WharfDaemon d, String host, boolean insecure) throws Exception {
        d.signal("HUP");
        String configs = "";
        for (int i = 0; i < 100; i++) {
            configs = d.docker("info", "--format", "{{json .RegistryConfig.IndexConfigs}}").ok().out();
            if (configs.contains("\"" + host + "\"") == insecure) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the daemon did not reload its registries: " + configs);
    }

    @Test
    void mirrorsServeDockerHubNames() throws Exception {
        assumeTrue(Files.isExecutable(LocalRegistry.BINARY), "docker-registry is not installed");
        byte[] rootfs = Files.readAllBytes(TestImages.busyboxRootfs(dir));
        int dead = FreePort.find();
        try (LocalRegistry empty = LocalRegistry.start(dir.resolve("empty"), null, null, null);
                LocalRegistry mirror = LocalRegistry.start(dir.resolve("mirror"), null, null, null)) {
            // docker.io/library/busybox as a mirror holds it; its second layer is zstd-compressed.
            String digest = push(mirror, "library/busybox", "latest", List.of(gzip(rootfs),
                    zstd(hello("hello through a mirror\n"))));
            List<String> mirrors = List.of("http://127.0.0.1:" + dead, "http://" + empty.host(), "http://" + mirror.host());
            List<String> args = new ArrayList<>(List.of("--storage-driver", "vfs"));
            mirrors.forEach(m -> args.addAll(List.of("--registry-mirror", m)));
            try (WharfDaemon d = new WharfDaemon(dir.resolve("daemon")).start(args.toArray(String[]::new))) {
                assertEquals("[\"" + String.join("/\",\"", mirrors) + "/\"]",
                        d.docker("info", "--format", "{{json .RegistryConfig.Mirrors}}").ok().out().trim());

                Cli.Result pulled = d.docker("pull", "busybox").ok();
                assertTrue(pulled.out().contains("latest: Pulling from library/busybox"), pulled.out());
                assertTrue(pulled.out().contains("Digest: " + digest), pulled.out());
                assertTrue(pulled.out().contains("Status: Downloaded newer image for busybox:latest"), pulled.out());
                assertEquals("[busybox@" + digest + "]",
                        d.docker("inspect", "--format", "{{.RepoDigests}}", "busybox").ok().out().trim());
                d.docker("run", "--rm", "--pull", "never", "busybox", "true").ok();
                assertEquals("hello through a mirror",
                        d.docker("run", "--rm", "--pull", "never", "busybox", "cat", "/hello.txt").ok().out().trim());
                // The empty mirror was asked and said it has no such manifest: the next one was tried.
                assertTrue(empty.logText().contains("GET /v2/library/busybox/manifests/latest"), empty.logText());
                assertTrue(mirror.logText().contains("GET /v2/library/busybox/manifests/latest"), mirror.logText());
                assertTrue(d.logText().contains("Attempting next endpoint"), d.logText());

                // docker-registry has no v1 search API: docker search says so.
                Cli.Result search = d.docker("search", mirror.host() + "/busybox");
                assertNotEquals(0, search.exitCode(), search.out());
                assertTrue(search.err().contains("unexpected status code 404 from http://" + mirror.host()
                        + "/v1/search: this registry does not offer the search API"), search.err());
            }
        }
    }

    /** A layer tar with /hello.txt. */
    private static byte[] hello(String text) throws Exception {
        return TestImages.tar(out -> TestImages.file(out, "hello.txt", text.getBytes(StandardCharsets.UTF_8), 0644));
    }

    private record Blob(byte[] tar, byte[] compressed, String mediaType) {
    }

    private static Blob gzip(byte[] tar) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write(tar);
        }
        return new Blob(tar, bytes.toByteArray(), OCI_GZIP);
    }

    private static Blob zstd(byte[] tar) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZstdOutputStream z = new ZstdOutputStream(bytes)) {
            z.write(tar);
        }
        return new Blob(tar, bytes.toByteArray(), OCI_ZSTD);
    }

    /** Pushes an OCI image of {@code layers} for linux/amd64 under {@code tag}; returns the manifest's digest. */
    private static String push(LocalRegistry registry, String repo, String tag, List<Blob> layers) throws Exception {
        StringBuilder diffIds = new StringBuilder();
        StringBuilder descriptors = new StringBuilder();
        for (Blob layer : layers) {
            String digest = registry.putBlob(repo, layer.compressed());
            diffIds.append(diffIds.isEmpty() ? "" : ",").append("\"sha256:").append(TestImages.sha256(layer.tar())).append('"');
            descriptors.append(descriptors.isEmpty() ? "" : ",").append("{\"mediaType\":\"").append(layer.mediaType())
                    .append("\",\"size\":").append(layer.compressed().length).append(",\"digest\":\"").append(digest)
                    .append("\"}");
        }
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"/bin/sh\"]},"
                + "\"created\":\"2026-01-02T03:04:05Z\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + diffIds + "]}}")
                .getBytes(StandardCharsets.UTF_8);
        String configDigest = registry.putBlob(repo, config);
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + OCI_MANIFEST + "\",\"config\":{\"mediaType\":"
                + "\"application/vnd.oci.image.config.v1+json\",\"size\":" + config.length + ",\"digest\":\"" + configDigest
                + "\"},\"layers\":[" + descriptors + "]}").getBytes(StandardCharsets.UTF_8);
        return registry.putManifest(repo, tag, OCI_MANIFEST, manifest);
    }
}
