package io.wharf.core.internal.server;

import java.io.InputStream;
import java.io.IOException;
import java.io.PushbackInputStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Fields;

import io.wharf.core.internal.json.Json;
import io.wharf.core.spi.errors.InvalidParameterException;
import io.wharf.core.spi.http.ApiRequest;
import io.wharf.core.spi.http.ApiVersion;

/** An {@link ApiRequest} over a Jetty request; the /v1.NN prefix is split off here. */
final class ServerRequest implements ApiRequest {

    private static final Pattern VERSIONED = Pattern.compile("/v([0-9.]+)(/.*)");

    private final Request request;
    private final String path;
    private final ApiVersion version;
    private final boolean versionGiven;
    private Map<String, String> pathParams = Map.of();
    private Fields query;
    private Map<String, Object> attributes;

    ServerRequest(Request request) {
        this.request = request;
        String full = request.getHttpURI().getDecodedPath();
        if (full.startsWith("/v")) {
            Matcher m = VERSIONED.matcher(full);
            if (m.matches()) {
                this.path = m.group(2);
                this.version = ApiVersion.parse(m.group(1));
                this.versionGiven = true;
                return;
            }
        }
        this.path = full;
        this.version = ApiVersions.MAX;
        this.versionGiven = false;
    }

    void setPathParams(Map<String, String> params) {
        this.pathParams = params;
    }

    @Override
    public String method() {
        return request.getMethod();
    }

    @Override
    public String path() {
        return path;
    }

    String uri() {
        return request.getHttpURI().getPathQuery();
    }

    @Override
    public ApiVersion apiVersion() {
        return version;
    }

    @Override
    public boolean versionGiven() {
        return versionGiven;
    }

    @Override
    public String pathParam(String name) {
        return pathParams.get(name);
    }

    private Fields query() {
        if (query == null) {
            query = Request.extractQueryParameters(request);
        }
        return query;
    }

    @Override
    public Optional<String> query(String name) {
        return Optional.ofNullable(query().getValue(name));
    }

    @Override
    public List<String> queryValues(String name) {
        List<String> values = query().getValues(name);
        return values == null ? List.of() : values;
    }

    @Override
    public boolean boolQuery(String name) {
        String v = query().getValue(name);
        if (v == null) {
            return false;
        }
        return switch (v.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "", "0", "no", "false", "none" -> false;
            default -> true;
        };
    }

    @Override
    public Optional<String> header(String name) {
        HttpField f = request.getHeaders().getField(name);
        return f == null ? Optional.empty() : Optional.of(f.getValue());
    }

    @Override
    public InputStream body() {
        return Request.asInputStream(request);
    }

    @Override
    public <T> T bodyAs(Class<T> type) {
        try (PushbackInputStream in = new PushbackInputStream(body())) {
            int first = in.read();
            if (first < 0) {
                return null;
            }
            in.unread(first);
            return Json.MAPPER.readValue(in, type);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw Json.requestError(e);
        } catch (IOException e) {
            throw new InvalidParameterException("cannot read the request body: " + e.getMessage(), e);
        }
    }

    @Override
    public Object attribute(String name) {
        return attributes == null ? null : attributes.get(name);
    }

    @Override
    public void setAttribute(String name, Object value) {
        if (attributes == null) {
            attributes = new HashMap<>();
        }
        attributes.put(name, value);
    }
}
