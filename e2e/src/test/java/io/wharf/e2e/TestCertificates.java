package io.wharf.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Certificates for TLS tests, made with openssl in a test's directory as Docker's docs make them. */
final class TestCertificates {

    private TestCertificates() {
    }

    static void openssl(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new AssertionError("openssl " + String.join(" ", args) + " failed:\n" + out);
        }
    }

    /** A CA: ca.pem and ca-key.pem. */
    static void ca(Path dir, String commonName) throws Exception {
        openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca-key.pem", "-out", "ca.pem", "-days",
                "2", "-subj", "/CN=" + commonName);
    }

    /**
     * A key ({@code pkcs1}: the traditional "BEGIN RSA PRIVATE KEY" form, else PKCS#8) and a certificate
     * signed by the CA with the extensions {@code extensions} (an openssl extfile's lines).
     */
    static void signed(Path dir, String keyFile, boolean pkcs1, String certFile, String commonName, String extensions)
            throws Exception {
        if (pkcs1) {
            openssl(dir, "genrsa", "-traditional", "-out", keyFile, "2048");
        } else {
            openssl(dir, "genrsa", "-out", keyFile, "2048");
        }
        String csr = certFile + ".csr";
        String ext = certFile + ".ext";
        openssl(dir, "req", "-new", "-key", keyFile, "-out", csr, "-subj", "/CN=" + commonName);
        Files.writeString(dir.resolve(ext), extensions);
        openssl(dir, "x509", "-req", "-in", csr, "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial", "-out",
                certFile, "-days", "2", "-extfile", ext);
    }
}
