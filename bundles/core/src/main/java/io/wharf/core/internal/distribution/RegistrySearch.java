package io.wharf.core.internal.distribution;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import io.wharf.core.internal.json.Json;
import io.wharf.core.spi.errors.InvalidParameterException;
import io.wharf.core.spi.errors.SystemException;
import io.wharf.core.spi.http.Filters;
import io.wharf.core.spi.reference.Reference;

/**
 * docker search (moby's registry/search.go): the v1 search API ({@code GET /v1/search?q=&n=}) of
 * the index a term names, Docker Hub's (https://index.docker.io/v1/) when it names none, reached
 * as dockerd reaches a v1 endpoint (https verified with certs.d, or for an insecure registry https
 * without verification and then http); its results filtered by is-official, is-automated and
 * stars. Registries without the v1 API (distribution's registry among them) answer 404, which is
 * reported as dockerd reports any status but 200.
 */
final class RegistrySearch {

    static final Set<String> FILTERS = Set.of("is-automated", "is-official", "stars");
    private static final String OFFICIAL_INDEX = "https://index.docker.io/v1/";
    private static final int DEFAULT_LIMIT = 25;
    private static final int MAX_RESULT_BYTES = 8 << 20;

    private final RegistryClient registry;

    RegistrySearch(RegistryClient registry) {
        this.registry = registry;
    }

    /** The filtered results, each as the Engine API writes a SearchResult. */
    List<Map<String, Object>> search(String term, int limit, Filters filters, RegistryCredentials credentials)
            throws IOException {
        filters.validate(FILTERS);
        Boolean automated = bool(filters, "is-automated");
        Boolean official = bool(filters, "is-official");
        int stars = 0;
        for (String value : filters.get("stars")) {
            try {
                stars = Math.max(stars, Integer.parseInt(value));
            } catch (NumberFormatException e) {
                throw new InvalidParameterException("invalid filter 'stars=" + value + "'");
            }
        }
        // Docker Hub no longer has automated builds: dockerd answers nothing for is-automated=true.
        if (Boolean.TRUE.equals(automated)) {
            return List.of();
        }
        List<Map<String, Object>> results = new ArrayList<>();
        for (JsonNode r : searchUnfiltered(term, limit, credentials)) {
            boolean isOfficial = r.path("is_official").asBoolean(false);
            int starCount = r.path("star_count").asInt(0);
            if ((automated != null && automated != r.path("is_automated").asBoolean(false))
                    || (official != null && official != isOfficial) || (filters.has("stars") && starCount < stars)) {
                continue;
            }
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("star_count", starCount);
            result.put("is_official", isOfficial);
            result.put("name", r.path("name").asText(""));
            result.put("is_automated", false);
            result.put("description", r.path("description").asText(""));
            results.add(result);
        }
        return results;
    }

    /** dockerd's GetBoolOrDefault: absent is null; "1"/"true" or "0"/"false", not both. */
    private static Boolean bool(Filters filters, String key) {
        if (!filters.has(key)) {
            return null;
        }
        Set<String> values = filters.get(key);
        boolean isTrue = values.contains("1") || values.contains("true");
        boolean isFalse = values.contains("0") || values.contains("false");
        if (isTrue == isFalse) {
            throw new InvalidParameterException("invalid filter '" + key + "=" + String.join(",", values) + "'");
        }
        return isTrue;
    }

    private JsonNode searchUnfiltered(String term, int limit, RegistryCredentials credentials) throws IOException {
        if (term.contains("://")) {
            throw new InvalidParameterException("invalid repository name: repository name (" + term
                    + ") should not have a scheme");
        }
        if (limit == 0) {
            limit = DEFAULT_LIMIT;
        }
        if (limit < 1 || limit > 100) {
            throw new InvalidParameterException("limit " + limit + " is outside the range of [1, 100]");
        }
        String[] split = split(term);
        String index = split[0];
        String remote = split[1];
        if (index.startsWith("-") || index.endsWith("-")) {
            throw new InvalidParameterException("invalid index name (" + index + "). Cannot begin or end with a hyphen.");
        }
        boolean official = index.equals(Reference.DEFAULT_DOMAIN);
        Endpoint endpoint;
        if (official) {
            remote = remote.startsWith("library/") ? remote.substring("library/".length()) : remote;
            endpoint = new Endpoint(URI.create(OFFICIAL_INDEX), registry.tls().system());
        } else {
            endpoint = v1Endpoint(index);
        }
        URI uri = URI.create(endpoint.base() + "search?q=" + URLEncoder.encode(remote, StandardCharsets.UTF_8) + "&n="
                + limit);
        HttpRequest.Builder req = HttpRequest.newBuilder(uri).GET().header("X-Docker-Token", "true");
        if (!official && credentials.hasBasic()) {
            req.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                    (credentials.username() + ":" + credentials.password()).getBytes(StandardCharsets.UTF_8)));
        }
        HttpResponse<InputStream> resp = send(endpoint.client(), req, uri, Duration.ofMinutes(1));
        byte[] body;
        try (InputStream in = resp.body()) {
            body = in.readNBytes(MAX_RESULT_BYTES);
        }
        if (resp.statusCode() != 200) {
            throw new SystemException("unexpected status code " + resp.statusCode() + (resp.statusCode() == 404
                    ? " from " + uri.getScheme() + "://" + uri.getRawAuthority() + "/v1/search: this registry does not offer "
                            + "the search API"
                    : " from " + uri));
        }
        JsonNode results;
        try {
            results = Json.MAPPER.readTree(body).path("results");
        } catch (IOException e) {
            throw new SystemException("error decoding registry search results: " + e.getMessage(), e);
        }
        return results.isArray() ? results : Json.MAPPER.createArrayNode();
    }

    /** moby's splitReposSearchTerm: a first component with a dot or a colon, or localhost, names the index. */
    static String[] split(String term) {
        int slash = term.indexOf('/');
        if (slash < 0) {
            return new String[] {Reference.DEFAULT_DOMAIN, term};
        }
        String first = term.substring(0, slash);
        if (!first.contains(".") && !first.contains(":") && !first.equals("localhost")) {
            return new String[] {Reference.DEFAULT_DOMAIN, term};
        }
        return new String[] {first.equals("index.docker.io") ? Reference.DEFAULT_DOMAIN : first, term.substring(slash + 1)};
    }

    private record Endpoint(URI base, HttpClient client) {
    }

    /** moby's newV1Endpoint: https, and for an insecure registry plain http when https cannot be reached. */
    private Endpoint v1Endpoint(String index) throws IOException {
        boolean insecure = registry.insecure(index);
        Endpoint https = new Endpoint(URI.create("https://" + index + "/v1/"),
                insecure ? registry.tls().unverified() : registry.tls().secure(index));
        IOException httpsError;
        try {
            ping(https, insecure ? registry.tlsProbeTimeout() : Duration.ofSeconds(15));
            return https;
        } catch (InterruptedIOException e) {
            throw e;
        } catch (IOException e) {
            httpsError = e;
        }
        if (!insecure) {
            throw new InvalidParameterException("invalid registry endpoint " + https.base() + ": " + httpsError.getMessage()
                    + ". If this private registry supports only HTTP or HTTPS with an unknown CA certificate, please add "
                    + "`--insecure-registry " + index + "` to the daemon's arguments. In the case of HTTPS, if you have "
                    + "access to the registry's CA certificate, no need for the flag; simply place the CA certificate at "
                    + (registry.tls().certsDir() != null ? registry.tls().hostDir(index) : Path.of(index)).resolve("ca.crt"));
        }
        Endpoint http = new Endpoint(URI.create("http://" + index + "/v1/"), registry.tls().system());
        try {
            ping(http, Duration.ofSeconds(15));
            return http;
        } catch (InterruptedIOException e) {
            throw e;
        } catch (IOException e) {
            throw new InvalidParameterException("invalid registry endpoint \"" + http.base() + "\". HTTPS attempt: "
                    + httpsError.getMessage() + ". HTTP attempt: " + e.getMessage());
        }
    }

    /** GET /v1/_ping: any answer will do (dockerd reads it only for hints); failing to connect will not. */
    private static void ping(Endpoint endpoint, Duration timeout) throws IOException {
        URI uri = endpoint.base().resolve("_ping");
        HttpResponse<InputStream> resp = send(endpoint.client(), HttpRequest.newBuilder(uri).GET(), uri, timeout);
        try (InputStream body = resp.body()) {
            body.transferTo(OutputStream.nullOutputStream());
        }
    }

    private static HttpResponse<InputStream> send(HttpClient client, HttpRequest.Builder req, URI uri, Duration timeout)
            throws IOException {
        req.header("User-Agent", RegistryClient.USER_AGENT).timeout(timeout);
        try {
            return client.send(req.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while talking to " + uri.getHost());
        } catch (IOException e) {
            throw RegistryClient.networkError(uri, e);
        }
    }
}
