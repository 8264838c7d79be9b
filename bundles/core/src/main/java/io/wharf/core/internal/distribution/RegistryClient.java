package io.wharf.core.internal.distribution;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import javax.net.ssl.SSLException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;

import io.wharf.core.internal.json.Json;
import io.wharf.core.spi.reference.Digest;
import io.wharf.core.spi.reference.Reference;

/**
 * A client of the registry HTTP API v2 (the OCI distribution API) for pulling: endpoint choice as
 * dockerd's (moby's lookupV2Endpoints: https verified with the system trust store and the host's
 * certs.d directory; for an insecure registry, https without verification and then plain http;
 * 127.0.0.0/8 is insecure by default; for Docker Hub, the --registry-mirror endpoints first), the
 * WWW-Authenticate challenge flow (anonymous, Basic, Bearer tokens fetched from the realm per scope
 * and cached until they expire; with an identity token, through OAuth's refresh_token grant), and
 * manifest and blob requests.
 */
public final class RegistryClient {

    private static final Logger LOG = LoggerFactory.getLogger(RegistryClient.class);
    static final String USER_AGENT = "wharf/registry-client";
    /** The client_id dockerd gives token servers (moby's registry.AuthClientID). */
    private static final String CLIENT_ID = "docker";

    private final RegistryTls tls;
    private final Supplier<List<String>> insecureRegistries;
    private final Supplier<List<String>> mirrors;
    private final Map<String, Token> tokens = new ConcurrentHashMap<>();
    private final Duration tlsProbeTimeout;

    /** {@code insecureRegistries}: --insecure-registry values (host[:port] or CIDR), read at each use. */
    public RegistryClient(Supplier<List<String>> insecureRegistries) {
        this(insecureRegistries, List::of, null);
    }

    /**
     * {@code mirrors}: --registry-mirror URLs, read at each use; {@code certsDir}: the certs.d
     * directory (dockerd's /etc/docker/certs.d), or null for none.
     */
    public RegistryClient(Supplier<List<String>> insecureRegistries, Supplier<List<String>> mirrors, Path certsDir) {
        this(insecureRegistries, mirrors, certsDir, Duration.ofSeconds(5));
    }

    RegistryClient(Supplier<List<String>> insecureRegistries, Duration tlsProbeTimeout) {
        this(insecureRegistries, List::of, null, tlsProbeTimeout);
    }

    /**
     * {@code tlsProbeTimeout}: how long the https ping of an insecure registry may take before plain
     * http is tried (a Go server answers TLS with an HTTP error at once; other servers may just wait).
     */
    RegistryClient(Supplier<List<String>> insecureRegistries, Supplier<List<String>> mirrors, Path certsDir,
            Duration tlsProbeTimeout) {
        this.insecureRegistries = insecureRegistries;
        this.mirrors = mirrors;
        this.tlsProbeTimeout = tlsProbeTimeout;
        this.tls = new RegistryTls(certsDir);
    }

    /** Wharf's certs.d: beside the daemon's configuration file (/etc/wharf/daemon.json → /etc/wharf/certs.d). */
    public static Path certsDir(Path configFile) {
        Path file = configFile != null ? configFile : Path.of("/etc/wharf/daemon.json");
        Path parent = file.toAbsolutePath().getParent();
        return (parent != null ? parent : Path.of("/")).resolve("certs.d");
    }

    RegistryTls tls() {
        return tls;
    }

    Duration tlsProbeTimeout() {
        return tlsProbeTimeout;
    }

    /** The host that serves a reference's domain: docker.io is served by registry-1.docker.io. */
    static String registryHost(String domain) {
        return domain.equals(Reference.DEFAULT_DOMAIN) ? "registry-1.docker.io" : domain;
    }

    /** Whether dockerd would talk to {@code hostPort} without TLS verification (--insecure-registry, 127.0.0.0/8). */
    boolean insecure(String hostPort) {
        List<String> cidrs = new ArrayList<>(List.of("127.0.0.0/8"));
        for (String entry : insecureRegistries.get()) {
            // dockerd drops a scheme written in front of an insecure registry.
            entry = entry.replaceFirst("^(?i)https?://", "");
            if (entry.contains("/")) {
                cidrs.add(entry);
            } else if (entry.equalsIgnoreCase(hostPort)) {
                return true;
            }
        }
        String host = hostOf(hostPort);
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(host);
        } catch (UnknownHostException e) {
            return false;
        }
        for (InetAddress a : addresses) {
            for (String cidr : cidrs) {
                if (Cidr.contains(cidr, a)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String hostOf(String hostPort) {
        if (hostPort.startsWith("[")) {
            return hostPort.substring(1, hostPort.indexOf(']'));
        }
        int colon = hostPort.lastIndexOf(':');
        return colon < 0 ? hostPort : hostPort.substring(0, colon);
    }

    /**
     * Opens a repository of a registry: pings /v2/ on each of its endpoints in turn (the first that
     * answers wins) and learns how the registry wants to be authenticated. Mirrors are not among the
     * endpoints: this is the repository itself, as pushes and logins need it.
     */
    public Repository repository(Reference ref, RegistryCredentials credentials) throws IOException {
        return first(sources(registryHost(ref.domain()), ref.path(), credentials, false));
    }

    /**
     * Where a pull may read {@code ref} from, in the order dockerd tries them: for Docker Hub the
     * --registry-mirror endpoints, then the official registry; for another registry its https
     * endpoint and, when it is insecure, its plain http one. The caller opens each in turn and
     * falls back to the next as dockerd's pull does.
     */
    public List<Source> pullSources(Reference ref, RegistryCredentials credentials) throws IOException {
        return sources(registryHost(ref.domain()), ref.path(), credentials, true);
    }

    /**
     * Opens a repository for pushing: as {@link #repository}, with bearer tokens asked for
     * "repository:PATH:push,pull", as dockerd asks for a push.
     */
    public Repository pushRepository(Reference ref, RegistryCredentials credentials) throws IOException {
        Repository repo = repository(ref, credentials);
        repo.scope = "repository:" + ref.path() + ":push,pull";
        return repo;
    }

    /**
     * docker login: checks {@code credentials} against the registry at {@code hostPort} (its /v2/
     * with Basic, or a token from its token server), as dockerd's loginV2 does. Answers the
     * identity token for the client to keep instead of the password: the refresh token the token
     * server gave, else the one the credentials came with, else "".
     */
    public String login(String hostPort, RegistryCredentials credentials) throws IOException {
        return first(sources(registryHost(hostPort), "", credentials, false)).login();
    }

    private Repository first(List<Source> sources) throws IOException {
        IOException last = null;
        for (Source source : sources) {
            try {
                return source.open();
            } catch (RegistryException e) {
                throw e;
            } catch (IOException e) {
                LOG.debug("registry endpoint {} failed: {}", source.base(), e.toString());
                last = e;
            }
        }
        throw last;
    }

    /** moby's lookupV2Endpoints. */
    private List<Source> sources(String hostPort, String repositoryPath, RegistryCredentials credentials,
            boolean withMirrors) throws IOException {
        List<Source> sources = new ArrayList<>();
        if (hostPort.equals(registryHost(Reference.DEFAULT_DOMAIN))) {
            if (withMirrors) {
                for (String mirror : mirrors.get()) {
                    URI uri = URI.create(mirror.contains("://") ? mirror : "https://" + mirror);
                    String authority = uri.getRawAuthority();
                    boolean http = "http".equalsIgnoreCase(uri.getScheme());
                    HttpClient client = http ? tls.system() : insecure(authority) ? tls.unverified() : tls.secure(authority);
                    sources.add(new Source(new Endpoint(URI.create((http ? "http://" : "https://") + authority), client),
                            repositoryPath, credentials, true, null));
                }
            }
            // The official registry: the system's trust store, as dockerd (no certs.d).
            sources.add(new Source(new Endpoint(URI.create("https://" + hostPort), tls.system()), repositoryPath,
                    credentials, false, null));
            return sources;
        }
        if (!insecure(hostPort)) {
            sources.add(new Source(new Endpoint(URI.create("https://" + hostPort), tls.secure(hostPort)), repositoryPath,
                    credentials, false, null));
            return sources;
        }
        sources.add(new Source(new Endpoint(URI.create("https://" + hostPort), tls.unverified()), repositoryPath,
                credentials, false, tlsProbeTimeout));
        sources.add(new Source(new Endpoint(URI.create("http://" + hostPort), tls.system()), repositoryPath,
                credentials, false, null));
        return sources;
    }

    record Endpoint(URI base, HttpClient client) {
    }

    /** One endpoint a repository may be read from: a mirror or the registry itself. */
    public final class Source {

        private final Endpoint endpoint;
        private final String path;
        private final RegistryCredentials credentials;
        private final boolean mirror;
        private final Duration pingTimeout;

        private Source(Endpoint endpoint, String path, RegistryCredentials credentials, boolean mirror,
                Duration pingTimeout) {
            this.endpoint = endpoint;
            this.path = path;
            this.credentials = credentials;
            this.mirror = mirror;
            this.pingTimeout = pingTimeout;
        }

        /** Whether this is a --registry-mirror endpoint. */
        public boolean mirror() {
            return mirror;
        }

        public URI base() {
            return endpoint.base();
        }

        /** Pings the endpoint's /v2/ and learns how it wants to be authenticated. */
        public Repository open() throws IOException {
            Repository repo = new Repository(endpoint, path, credentials);
            try {
                repo.ping(pingTimeout);
            } catch (IOException e) {
                if (!(e instanceof RegistryException) && RegistryTls.unknownAuthority(e) && tls.certsDir() != null) {
                    String host = endpoint.base().getRawAuthority();
                    throw new IOException(e.getMessage() + " (a registry whose certificate a private CA signed needs "
                            + "that CA in " + tls.hostDir(host).resolve("ca.crt") + ", or --insecure-registry " + host
                            + ")", e);
                }
                throw e;
            }
            return repo;
        }

        @Override
        public String toString() {
            return (mirror ? "mirror " : "") + endpoint.base();
        }
    }

    /** A cached bearer token. */
    private record Token(String value, Instant expires) {
    }

    /** A parsed WWW-Authenticate challenge: scheme ("basic", "bearer") and its parameters. */
    record Challenge(String scheme, Map<String, String> params) {

        static Challenge parse(String header) {
            if (header == null || header.isBlank()) {
                return null;
            }
            header = header.trim();
            int space = header.indexOf(' ');
            String scheme = (space < 0 ? header : header.substring(0, space)).toLowerCase(Locale.ROOT);
            Map<String, String> params = new LinkedHashMap<>();
            String rest = space < 0 ? "" : header.substring(space + 1);
            int i = 0;
            while (i < rest.length()) {
                while (i < rest.length() && (rest.charAt(i) == ' ' || rest.charAt(i) == ',')) {
                    i++;
                }
                int eq = rest.indexOf('=', i);
                if (eq < 0) {
                    break;
                }
                String key = rest.substring(i, eq).trim().toLowerCase(Locale.ROOT);
                i = eq + 1;
                StringBuilder value = new StringBuilder();
                if (i < rest.length() && rest.charAt(i) == '"') {
                    i++;
                    while (i < rest.length() && rest.charAt(i) != '"') {
                        if (rest.charAt(i) == '\\' && i + 1 < rest.length()) {
                            i++;
                        }
                        value.append(rest.charAt(i++));
                    }
                    i++;
                } else {
                    while (i < rest.length() && rest.charAt(i) != ',') {
                        value.append(rest.charAt(i++));
                    }
                }
                params.put(key, value.toString().trim());
            }
            return new Challenge(scheme, params);
        }
    }

    /** A manifest as the registry served it. */
    record Manifest(byte[] bytes, String mediaType, Digest digest) {
    }

    /** A blob being served: its stream and its length (-1 when the registry did not say). */
    record Blob(InputStream content, long length) {
    }

    /** What a cross-repository mount came to: mounted, or the upload the registry opened instead. */
    record Mount(boolean mounted, URI upload) {
    }

    /** One repository on one endpoint, with the authorization learned for it. */
    public final class Repository {

        private final Endpoint endpoint;
        private final String path;
        private final RegistryCredentials credentials;
        private volatile Challenge challenge;
        private volatile String authorization;
        /** The bearer token scopes asked for, separated by spaces; null: pull access to this repository. */
        private volatile String scope;
        /** The refresh token the token server last gave, or null. */
        private volatile String refreshToken;

        private Repository(Endpoint endpoint, String path, RegistryCredentials credentials) {
            this.endpoint = endpoint;
            this.path = path;
            this.credentials = credentials;
        }

        URI base() {
            return endpoint.base();
        }

        private void ping(Duration timeout) throws IOException {
            URI uri = endpoint.base().resolve("/v2/");
            HttpResponse<InputStream> resp = send(HttpRequest.newBuilder(uri).GET(), uri, timeout);
            try (InputStream body = resp.body()) {
                body.transferTo(java.io.OutputStream.nullOutputStream());
            }
            if (resp.statusCode() == 401) {
                challenge = Challenge.parse(resp.headers().firstValue("WWW-Authenticate").orElse(null));
            }
        }

        /**
         * The login check: /v2/ answers 200 with the credentials (after a token, for a bearer
         * challenge); answers the identity token, as {@link RegistryClient#login}.
         */
        String login() throws IOException {
            if (challenge == null) {
                return credentials.identityToken(); // the registry asks for no authentication
            }
            URI uri = endpoint.base().resolve("/v2/");
            HttpRequest.Builder req = HttpRequest.newBuilder(uri).GET();
            String auth = authorization(true);
            if (auth != null) {
                req.header("Authorization", auth);
            }
            HttpResponse<InputStream> resp = send(req, uri);
            try (InputStream body = resp.body()) {
                body.transferTo(OutputStream.nullOutputStream());
            }
            if (resp.statusCode() != 200) {
                throw new RegistryException(resp.statusCode(), "UNAUTHORIZED", "login attempt to " + uri
                        + " failed with status: " + resp.statusCode() + " " + reason(resp.statusCode()));
            }
            String refreshed = refreshToken;
            return refreshed != null ? refreshed : credentials.identityToken();
        }

        /** GET /v2/NAME/manifests/REFERENCE with every manifest type this daemon reads. */
        Manifest manifest(String tagOrDigest) throws IOException {
            HttpResponse<InputStream> resp = get("/v2/" + path + "/manifests/" + tagOrDigest, Manifests.ACCEPT);
            byte[] bytes;
            try (InputStream body = resp.body()) {
                bytes = body.readAllBytes();
            }
            String mediaType = resp.headers().firstValue("Content-Type").orElse("");
            int semi = mediaType.indexOf(';');
            mediaType = semi < 0 ? mediaType.trim() : mediaType.substring(0, semi).trim();
            Digest digest = Digest.sha256Of(bytes);
            return new Manifest(bytes, mediaType, digest);
        }

        /** GET /v2/NAME/blobs/DIGEST; the caller verifies what it reads. */
        Blob blob(Digest digest) throws IOException {
            HttpResponse<InputStream> resp = get("/v2/" + path + "/blobs/" + digest, "*/*");
            return new Blob(resp.body(), resp.headers().firstValueAsLong("Content-Length").orElse(-1));
        }

        private HttpResponse<InputStream> get(String requestPath, String accept) throws IOException {
            URI uri = endpoint.base().resolve(requestPath);
            for (int attempt = 0;; attempt++) {
                HttpRequest.Builder req = HttpRequest.newBuilder(uri).GET().header("Accept", accept);
                String auth = authorization(false);
                if (auth != null) {
                    req.header("Authorization", auth);
                }
                HttpResponse<InputStream> resp = send(req, uri);
                if (resp.statusCode() == 401 && attempt == 0) {
                    // A token that expired, or a registry that challenges only here: learn and retry once.
                    Challenge c = Challenge.parse(resp.headers().firstValue("WWW-Authenticate").orElse(null));
                    resp.body().close();
                    if (c != null) {
                        challenge = c;
                        authorization = null;
                        if (authorization(true) != null) {
                            continue;
                        }
                    }
                    throw failure(401, errorBody(new byte[0]), c);
                }
                if (resp.statusCode() >= 300) {
                    byte[] body;
                    try (InputStream in = resp.body()) {
                        body = in.readNBytes(64 * 1024);
                    }
                    throw failure(resp.statusCode(), errorBody(body),
                            Challenge.parse(resp.headers().firstValue("WWW-Authenticate").orElse(null)));
                }
                return resp;
            }
        }

        private RegistryException failure(int status, String[] codeAndMessage, Challenge c) {
            if (codeAndMessage != null) {
                return new RegistryException(status, codeAndMessage[0], codeAndMessage[1]);
            }
            if (status == 401 && c != null && c.scheme().equals("basic") && !credentials.hasBasic()) {
                return new RegistryException(status, "UNAUTHORIZED", "no basic auth credentials");
            }
            if (status == 401) {
                return new RegistryException(status, "UNAUTHORIZED", "unauthorized: authentication required");
            }
            return new RegistryException(status, "", "received unexpected HTTP status: " + status + " " + reason(status));
        }

        /** The Authorization header for the challenge known now, fetching a token if needed. */
        private String authorization(boolean refresh) throws IOException {
            String known = authorization;
            if (known != null && !refresh) {
                return known;
            }
            Challenge c = challenge;
            if (c == null) {
                return null;
            }
            String auth = switch (c.scheme()) {
                case "basic" -> credentials.hasBasic() ? basic() : null;
                case "bearer" -> "Bearer " + token(c, refresh);
                default -> null;
            };
            authorization = auth;
            return auth;
        }

        private String basic() {
            return "Basic " + Base64.getEncoder().encodeToString(
                    (credentials.username() + ":" + credentials.password()).getBytes(StandardCharsets.UTF_8));
        }

        private String token(Challenge c, boolean refresh) throws IOException {
            if (!credentials.registryToken().isEmpty()) {
                return credentials.registryToken();
            }
            String realm = c.params().getOrDefault("realm", "");
            if (realm.isEmpty()) {
                throw new RegistryException(401, "UNAUTHORIZED", "bearer challenge without a realm from " + endpoint.base());
            }
            String service = c.params().getOrDefault("service", "");
            // A login asks for a token without a repository scope, as dockerd's does.
            String scope = path.isEmpty() ? "" : this.scope != null ? this.scope : "repository:" + path + ":pull";
            String key = realm + "\n" + service + "\n" + scope + "\n" + credentials.username() + "\n"
                    + credentials.identityToken();
            Token cached = tokens.get(key);
            if (cached != null && !refresh && cached.expires().isAfter(Instant.now())) {
                return cached.value();
            }
            List<String> scopes = Arrays.stream(scope.split(" ")).filter(s -> !s.isEmpty()).toList();
            HttpRequest.Builder req = credentials.identityToken().isEmpty() ? tokenGet(realm, service, scopes)
                    : tokenPost(realm, service, scopes);
            URI uri = req.build().uri();
            HttpResponse<InputStream> resp = send(req, uri);
            byte[] body;
            try (InputStream in = resp.body()) {
                body = in.readNBytes(1 << 20);
            }
            if (resp.statusCode() != 200) {
                String[] err = errorBody(body);
                throw new RegistryException(resp.statusCode(), err == null ? "UNAUTHORIZED" : err[0], err != null ? err[1]
                        : "getting a token from " + realm + ": " + resp.statusCode() + " " + reason(resp.statusCode()));
            }
            JsonNode json = Json.MAPPER.readTree(body);
            String token = json.path("token").asText(json.path("access_token").asText(""));
            if (token.isEmpty()) {
                throw new RegistryException(401, "UNAUTHORIZED", "the token server " + realm + " answered no token");
            }
            if (!json.path("refresh_token").asText("").isEmpty()) {
                refreshToken = json.path("refresh_token").asText();
            }
            long expiresIn = Math.max(60, json.path("expires_in").asLong(60));
            // Renew a little early, so a token never runs out in the middle of a request.
            tokens.put(key, new Token(token, Instant.now().plusSeconds(expiresIn - 10)));
            return token;
        }

        /**
         * docker/distribution's token GET: the scopes, Basic credentials and, for a login, an
         * offline token asked for (the token server may answer a refresh token with the token).
         */
        private HttpRequest.Builder tokenGet(String realm, String service, List<String> scopes) {
            StringBuilder query = new StringBuilder(realm).append(realm.contains("?") ? '&' : '?');
            if (!service.isEmpty()) {
                query.append("service=").append(URLEncoder.encode(service, StandardCharsets.UTF_8)).append('&');
            }
            for (String one : scopes) {
                query.append("scope=").append(URLEncoder.encode(one, StandardCharsets.UTF_8)).append('&');
            }
            if (path.isEmpty()) {
                query.append("offline_token=true&client_id=").append(CLIENT_ID).append('&');
            }
            if (credentials.hasBasic()) {
                query.append("account=").append(URLEncoder.encode(credentials.username(), StandardCharsets.UTF_8));
            }
            HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(query.toString())).GET();
            if (credentials.hasBasic()) {
                req.header("Authorization", basic());
            }
            return req;
        }

        /** docker/distribution's OAuth POST: the identity token as a refresh_token grant. */
        private HttpRequest.Builder tokenPost(String realm, String service, List<String> scopes) {
            String form = "grant_type=refresh_token&refresh_token=" + form(credentials.identityToken()) + "&service="
                    + form(service) + "&scope=" + form(String.join(" ", scopes)) + "&client_id=" + CLIENT_ID;
            return HttpRequest.newBuilder(URI.create(realm)).header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(form));
        }

        private static String form(String value) {
            return URLEncoder.encode(value, StandardCharsets.UTF_8);
        }

        private HttpResponse<InputStream> send(HttpRequest.Builder req, URI uri) throws IOException {
            return send(req, uri, null);
        }


        private HttpResponse<InputStream> send(HttpRequest.Builder req, URI uri, Duration timeout) throws IOException {
            req.header("User-Agent", USER_AGENT).timeout(timeout != null ? timeout : Duration.ofMinutes(10));
            try {
                return endpoint.client().send(req.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while talking to " + uri.getHost());
            } catch (IOException e) {
                throw networkError(uri, e);
            }
        }

        // ---------------------------------------------------------------- uploads (push)

        /** HEAD /v2/NAME/blobs/DIGEST: the blob's size when this repository has it, else empty. */
        OptionalLong blobSize(Digest digest) throws IOException {
            HttpResponse<InputStream> resp = exchange("HEAD", resolve("/v2/" + path + "/blobs/" + digest),
                    HttpRequest.BodyPublishers.noBody(), null, true, 404);
            resp.body().close();
            if (resp.statusCode() == 404) {
                return OptionalLong.empty();
            }
            return OptionalLong.of(resp.headers().firstValueAsLong("Content-Length").orElseThrow(() -> new RegistryException(
                    resp.statusCode(), "", "the registry answered HEAD of blob " + digest + " without its length")));
        }

        /** POST /v2/NAME/blobs/uploads/: opens an upload; its location. */
        URI startUpload() throws IOException {
            return location(exchange("POST", resolve("/v2/" + path + "/blobs/uploads/"), HttpRequest.BodyPublishers.noBody(),
                    null, true));
        }

        /**
         * POST /v2/NAME/blobs/uploads/?mount=DIGEST&from=FROM: links the blob from repository FROM
         * (a path at this registry) without uploading it; a registry that cannot (or will not) opens
         * an upload instead. A bearer token then also asks for pull access to FROM, as docker's does.
         */
        Mount mount(Digest digest, String from) throws IOException {
            Repository view = new Repository(endpoint, path, credentials);
            view.challenge = challenge;
            view.scope = (scope != null ? scope : "repository:" + path + ":push,pull") + " repository:" + from + ":pull";
            URI uri = resolve("/v2/" + path + "/blobs/uploads/?mount=" + URLEncoder.encode(digest.toString(),
                    StandardCharsets.UTF_8) + "&from=" + URLEncoder.encode(from, StandardCharsets.UTF_8));
            HttpResponse<InputStream> resp = view.exchange("POST", uri, HttpRequest.BodyPublishers.noBody(), null, true);
            if (resp.statusCode() == 201) {
                resp.body().close();
                return new Mount(true, null);
            }
            return new Mount(false, location(resp));
        }

        /**
         * PATCH: streams {@code content} (its length unknown, so chunked) into the upload at
         * {@code upload}; the location to go on with. Not retried: the stream is read once.
         */
        URI patch(URI upload, InputStream content) throws IOException {
            HttpRequest.BodyPublisher body = HttpRequest.BodyPublishers.ofInputStream(() -> content);
            return location(exchange("PATCH", upload, body, "application/octet-stream", false));
        }

        /** PUT UPLOAD?digest=: completes the upload with {@code last} (may be empty) as its last bytes. */
        void commit(URI upload, Digest digest, byte[] last) throws IOException {
            URI uri = URI.create(upload + (upload.getRawQuery() == null ? "?" : "&") + "digest="
                    + URLEncoder.encode(digest.toString(), StandardCharsets.UTF_8));
            exchange("PUT", uri, HttpRequest.BodyPublishers.ofByteArray(last), "application/octet-stream", true).body().close();
        }

        /** DELETE an upload that will not be completed; the registry drops it later anyway, so failures are only logged. */
        void cancel(URI upload) {
            try {
                exchange("DELETE", upload, HttpRequest.BodyPublishers.noBody(), null, true).body().close();
            } catch (IOException e) {
                LOG.debug("cancelling the upload {} failed: {}", upload, e.toString());
            }
        }

        /** PUT /v2/NAME/manifests/TAG with the manifest's media type. */
        void putManifest(String tag, String mediaType, byte[] manifest) throws IOException {
            exchange("PUT", resolve("/v2/" + path + "/manifests/" + tag), HttpRequest.BodyPublishers.ofByteArray(manifest),
                    mediaType, true).body().close();
        }

        private URI resolve(String requestPath) {
            return endpoint.base().resolve(requestPath);
        }

        private URI location(HttpResponse<InputStream> resp) throws IOException {
            resp.body().close();
            String location = resp.headers().firstValue("Location").orElseThrow(() -> new RegistryException(
                    resp.statusCode(), "", "the registry answered " + resp.request().method() + " " + resp.uri()
                            + " without a Location"));
            return resp.uri().resolve(location);
        }

        /**
         * One request of an upload: answers a 2xx (or one of {@code alsoExpected}) with its body
         * open; on 401 learns the challenge and, when the body can be sent again, retries once;
         * anything else is the registry's error.
         */
        private HttpResponse<InputStream> exchange(String method, URI uri, HttpRequest.BodyPublisher body, String contentType,
                boolean replayable, int... alsoExpected) throws IOException {
            for (int attempt = 0;; attempt++) {
                HttpRequest.Builder req = HttpRequest.newBuilder(uri).method(method, body);
                if (contentType != null) {
                    req.header("Content-Type", contentType);
                }
                String auth = authorization(false);
                if (auth != null) {
                    req.header("Authorization", auth);
                }
                HttpResponse<InputStream> resp;
                try {
                    // An upload may take long: the limit is on the answer to the whole request.
                    resp = send(req, uri, method.equals("PATCH") ? Duration.ofHours(12) : null);
                } catch (IOException e) {
                    throw asMethod(method, e);
                }
                int status = resp.statusCode();
                if ((status >= 200 && status < 300) || java.util.Arrays.stream(alsoExpected).anyMatch(s -> s == status)) {
                    return resp;
                }
                Challenge c = Challenge.parse(resp.headers().firstValue("WWW-Authenticate").orElse(null));
                byte[] error;
                try (InputStream in = resp.body()) {
                    error = in.readNBytes(64 * 1024);
                }
                if (status == 401 && c != null) {
                    // A token that expired, or a registry that challenges only here: learn it.
                    challenge = c;
                    authorization = null;
                    if (replayable && attempt == 0 && authorization(true) != null) {
                        continue;
                    }
                    if (c.scheme().equals("basic") && !credentials.hasBasic()) {
                        throw failure(status, null, c); // "no basic auth credentials", as docker says
                    }
                }
                throw failure(status, errorBody(error), c);
            }
        }
    }

    /** A network error of a request other than GET, named by its method as Go names it ("Put", "Patch"). */
    private static IOException asMethod(String method, IOException e) {
        String message = e.getMessage();
        if (e instanceof RegistryException || e instanceof java.io.InterruptedIOException || method.equals("GET")
                || message == null || !message.startsWith("Get \"")) {
            return e;
        }
        return new IOException(method.charAt(0) + method.substring(1).toLowerCase(Locale.ROOT) + message.substring(3),
                e.getCause() != null ? e.getCause() : e);
    }

    /** Go's wording for what went wrong on the way, naming the URL (and so the host). */
    static IOException networkError(URI uri, IOException e) {
        String prefix = "Get \"" + uri + "\": ";
        String hostPort = uri.getHost() + ":" + (uri.getPort() > 0 ? uri.getPort() : uri.getScheme().equals("https") ? 443 : 80);
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof UnresolvedAddressException || t instanceof UnknownHostException) {
                return new IOException(prefix + "dial tcp: lookup " + uri.getHost() + ": no such host", e);
            }
            if (t instanceof SSLException ssl) {
                String described = RegistryTls.describe(ssl, uri.getHost());
                return new IOException(prefix + (described != null ? described
                        : "tls: TLS handshake with " + hostPort + " failed: " + t.getMessage()), e);
            }
        }
        if (e instanceof HttpConnectTimeoutException) {
            return new IOException(prefix + "dial tcp " + hostPort + ": i/o timeout", e);
        }
        if (e instanceof ConnectException) {
            return new IOException(prefix + "dial tcp " + hostPort + ": connect: connection refused", e);
        }
        if (e instanceof HttpTimeoutException) {
            return new IOException(prefix + "net/http: timeout awaiting response headers", e);
        }
        return new IOException(prefix + (e.getMessage() == null ? e.toString() : e.getMessage()), e);
    }

    /** The first error of a registry's error body as {code, "code text: message"}, or null. */
    static String[] errorBody(byte[] body) {
        try {
            JsonNode errors = Json.MAPPER.readTree(body).path("errors");
            if (errors.isArray() && !errors.isEmpty()) {
                String code = errors.get(0).path("code").asText("UNKNOWN");
                String message = errors.get(0).path("message").asText("");
                String text = code.toLowerCase(Locale.ROOT).replace('_', ' ');
                return new String[] {code, message.isEmpty() ? text : text + ": " + message};
            }
        } catch (IOException | RuntimeException e) {
            // not a registry error body
        }
        return null;
    }

    private static String reason(int status) {
        return switch (status) {
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 429 -> "Too Many Requests";
            case 500 -> "Internal Server Error";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            default -> "";
        };
    }

    /** CIDR matching for --insecure-registry ranges. */
    static final class Cidr {

        private Cidr() {
        }

        static boolean contains(String cidr, InetAddress address) {
            int slash = cidr.indexOf('/');
            try {
                byte[] net = InetAddress.getByName(cidr.substring(0, slash)).getAddress();
                byte[] addr = address.getAddress();
                if (net.length != addr.length) {
                    return false;
                }
                int bits = Integer.parseInt(cidr.substring(slash + 1));
                for (int i = 0; i < net.length && bits > 0; i++, bits -= 8) {
                    int mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
                    if ((net[i] & mask) != (addr[i] & mask)) {
                        return false;
                    }
                }
                return true;
            } catch (IOException | RuntimeException e) {
                return false;
            }
        }
    }
}
