package io.wharf.core.internal.distribution;

import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.wharf.core.internal.tls.Pem;
import io.wharf.core.spi.errors.InvalidParameterException;

/**
 * The HTTP clients registry connections use, with TLS as dockerd sets it up (moby's registry
 * newTLSConfig and ReadCertsDirectory): the system's trust store (the distribution's CA bundle, as
 * Go reads it); for a secure registry also the CA certificates ({@code *.crt}) and the client key
 * pairs ({@code *.cert} with the {@code *.key} of the same name) of {@code certs.d/<host:port>/};
 * for an insecure registry, no verification at all. A host's client is made again when the files
 * of its directory change, so certificates can be added without a restart, as dockerd reads them
 * at each pull.
 */
final class RegistryTls {

    private static final Logger LOG = LoggerFactory.getLogger(RegistryTls.class);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(15);
    /** Where Go's crypto/x509 looks for the system's CA bundle on Linux, first found wins. */
    private static final List<String> SYSTEM_BUNDLES = List.of("/etc/ssl/certs/ca-certificates.crt",
            "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/ca-bundle.pem", "/etc/pki/tls/cacert.pem",
            "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", "/etc/ssl/cert.pem");
    private static final char[] IN_MEMORY_PASSWORD = "wharf".toCharArray();

    private final Path certsDir;
    private volatile List<X509Certificate> systemRoots;
    /** Made at first use: a client and its TLS context cost a selector thread and ~350 classes. */
    private HttpClient system; // guarded by this
    private HttpClient unverified; // guarded by this
    private final Map<String, HostClient> hosts = new ConcurrentHashMap<>();

    /** {@code certsDir}: the certs.d directory, or null for none. */
    RegistryTls(Path certsDir) {
        this.certsDir = certsDir;
    }

    /** A host's client, made for the files its certs.d directory had then. */
    private record HostClient(String files, HttpClient client) {
    }

    private static HttpClient.Builder builder() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NORMAL);
    }

    /** The certs.d directory, or null. */
    Path certsDir() {
        return certsDir;
    }

    /** The directory of {@code hostPort} under certs.d ("[::1]:5000", "registry.example:443", ...). */
    Path hostDir(String hostPort) {
        if (certsDir == null) {
            return null;
        }
        Path dir = certsDir.resolve(hostPort).normalize();
        if (!dir.startsWith(certsDir) || dir.equals(certsDir) || hostPort.contains("/")) {
            throw new InvalidParameterException("invalid registry host " + hostPort);
        }
        return dir;
    }

    /** Verifies with the system's trust store only (Docker Hub's official registry, plain http). */
    synchronized HttpClient system() throws IOException {
        if (system == null) {
            system = builder().sslContext(context(systemRoots(), List.of())).build();
        }
        return system;
    }

    /** For --insecure-registry: TLS without certificate or host name checks. */
    synchronized HttpClient unverified() {
        if (unverified == null) {
            unverified = builder().sslContext(trustAll()).build();
        }
        return unverified;
    }

    /**
     * The client for a secure registry at {@code hostPort}: the system's trust store plus what
     * certs.d/{@code hostPort}/ holds. A .cert without its .key (or a .key without its .cert) is an
     * error, as in dockerd.
     */
    HttpClient secure(String hostPort) throws IOException {
        Path dir = hostDir(hostPort);
        List<Path> files = dir == null ? List.of() : relevantFiles(dir);
        if (files.isEmpty()) {
            return system();
        }
        String signature = signature(files);
        HostClient known = hosts.get(hostPort);
        if (known != null && known.files().equals(signature)) {
            return known.client();
        }
        HttpClient client = builder().sslContext(readCertsDirectory(dir, files)).build();
        HostClient before = hosts.put(hostPort, new HostClient(signature, client));
        if (before != null) {
            before.client().shutdown(); // requests under way finish; the client takes no new ones
        }
        LOG.debug("registry {}: TLS from {}", hostPort, dir);
        return client;
    }

    private static List<Path> relevantFiles(Path dir) throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.filter(p -> {
                String name = p.getFileName().toString();
                return name.endsWith(".crt") || name.endsWith(".cert") || name.endsWith(".key");
            }).sorted().toList();
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new InvalidParameterException("reading " + dir + ": " + e.getMessage());
        }
    }

    private static String signature(List<Path> files) throws IOException {
        StringBuilder s = new StringBuilder();
        for (Path f : files) {
            s.append(f.getFileName()).append(' ').append(Files.size(f)).append(' ')
                    .append(Files.getLastModifiedTime(f).toMillis()).append('\n');
        }
        return s.toString();
    }

    /** moby's ReadCertsDirectory: *.crt are CAs added to the system's, *.cert and *.key client pairs. */
    private SSLContext readCertsDirectory(Path dir, List<Path> files) throws IOException {
        Set<String> names = files.stream().map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        List<X509Certificate> roots = new ArrayList<>(systemRoots());
        List<ClientPair> pairs = new ArrayList<>();
        for (String name : names.stream().sorted().toList()) {
            Path file = dir.resolve(name);
            try {
                if (name.endsWith(".crt")) {
                    roots.addAll(Pem.certificates(Files.readAllBytes(file)));
                } else if (name.endsWith(".cert")) {
                    String key = name.substring(0, name.length() - ".cert".length()) + ".key";
                    if (!names.contains(key)) {
                        throw new InvalidParameterException("missing key " + key + " for client certificate " + name
                                + ". CA certificates must use the extension .crt");
                    }
                    pairs.add(new ClientPair(name, Pem.certificates(file), Pem.privateKey(dir.resolve(key))));
                } else {
                    String cert = name.substring(0, name.length() - ".key".length()) + ".cert";
                    if (!names.contains(cert)) {
                        throw new InvalidParameterException("missing client certificate " + cert + " for key " + name);
                    }
                }
            } catch (GeneralSecurityException e) {
                throw new InvalidParameterException("reading " + file + ": " + e.getMessage());
            }
        }
        return context(roots, pairs);
    }

    private record ClientPair(String name, List<X509Certificate> chain, java.security.PrivateKey key) {
    }

    private static SSLContext context(List<X509Certificate> roots, List<ClientPair> pairs) throws IOException {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            int i = 0;
            for (X509Certificate root : roots) {
                trust.setCertificateEntry("ca-" + i++, root);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(trust);
            KeyManager[] keyManagers = null;
            if (!pairs.isEmpty()) {
                KeyStore keys = KeyStore.getInstance("PKCS12");
                keys.load(null, null);
                for (ClientPair pair : pairs) {
                    keys.setKeyEntry(pair.name(), pair.key(), IN_MEMORY_PASSWORD,
                            pair.chain().toArray(new java.security.cert.Certificate[0]));
                }
                KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
                kmf.init(keys, IN_MEMORY_PASSWORD);
                keyManagers = kmf.getKeyManagers();
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(keyManagers, tmf.getTrustManagers(), new SecureRandom());
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IOException("setting up TLS: " + e.getMessage(), e);
        }
    }

    /**
     * The system's CA certificates as Go finds them: $SSL_CERT_FILE, else the first CA bundle of
     * the usual places; the JDK's own trust store on a system that has none.
     */
    private List<X509Certificate> systemRoots() throws IOException {
        List<X509Certificate> roots = systemRoots;
        if (roots != null) {
            return roots;
        }
        List<String> candidates = new ArrayList<>();
        String env = System.getenv("SSL_CERT_FILE");
        if (env != null && !env.isBlank()) {
            candidates.add(env);
        }
        candidates.addAll(SYSTEM_BUNDLES);
        roots = List.of();
        for (String candidate : candidates) {
            Path bundle = Path.of(candidate);
            if (Files.isReadable(bundle)) {
                try {
                    roots = List.copyOf(Pem.certificates(Files.readAllBytes(bundle)));
                } catch (GeneralSecurityException e) {
                    LOG.warn("could not read the CA bundle {}: {}", bundle, e.toString());
                }
                if (!roots.isEmpty()) {
                    LOG.debug("system trust store: {} certificates from {}", roots.size(), bundle);
                    break;
                }
            }
        }
        if (roots.isEmpty()) {
            roots = jdkRoots();
        }
        systemRoots = roots;
        return roots;
    }

    private static List<X509Certificate> jdkRoots() throws IOException {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init((KeyStore) null);
            for (TrustManager tm : tmf.getTrustManagers()) {
                if (tm instanceof X509TrustManager x509) {
                    return Arrays.asList(x509.getAcceptedIssuers());
                }
            }
            return List.of();
        } catch (GeneralSecurityException e) {
            throw new IOException("reading the JDK's trust store: " + e.getMessage(), e);
        }
    }

    /**
     * What went wrong in a TLS handshake, in Go's words where there is an equivalent
     * ("tls: failed to verify certificate: x509: certificate signed by unknown authority").
     */
    static String describe(SSLException e, String host) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CertificateExpiredException || t instanceof CertificateNotYetValidException
                    || (t instanceof CertPathValidatorException v
                            && v.getReason() == CertPathValidatorException.BasicReason.EXPIRED)) {
                return "tls: failed to verify certificate: x509: certificate has expired or is not yet valid";
            }
            if (t instanceof CertPathBuilderException || t instanceof CertPathValidatorException) {
                return "tls: failed to verify certificate: x509: certificate signed by unknown authority";
            }
        }
        String message = String.valueOf(e.getMessage());
        if (message.contains("No subject alternative") || message.contains("No name matching")) {
            return "tls: failed to verify certificate: x509: certificate is not valid for " + host + " (" + message + ")";
        }
        String alert = "Received fatal alert: ";
        int at = message.indexOf(alert);
        if (at >= 0) {
            return "remote error: tls: " + message.substring(at + alert.length()).replace('_', ' ').toLowerCase(Locale.ROOT);
        }
        return null;
    }

    /** Whether a handshake failed because the server's certificate chain is not trusted. */
    static boolean unknownAuthority(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CertPathBuilderException) {
                return true;
            }
        }
        return false;
    }

    private static SSLContext trustAll() {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new X509ExtendedTrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType, java.net.Socket socket) {
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType, java.net.Socket socket) {
                }

                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
                }

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, new SecureRandom());
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
