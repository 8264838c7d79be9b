package io.wharf.core.spi.http;

import java.io.InputStream;
import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/** One API request, with its path parameters once a route has matched. */
@ProviderType
public interface ApiRequest {

    String method();

    /** The path without any /v1.NN prefix, e.g. {@code /containers/abc/json}. */
    String path();

    /** The version named in the URL prefix, or the highest the daemon serves when none. */
    ApiVersion apiVersion();

    /** Whether the URL carried a /v1.NN prefix. */
    boolean versionGiven();

    /** A path parameter declared by the matched route, e.g. {@code {name}}. */
    String pathParam(String name);

    /** The first value of a query parameter. */
    Optional<String> query(String name);

    List<String> queryValues(String name);

    /**
     * A boolean query parameter as dockerd reads one: absent, "", "0", "no", "false" and "none"
     * are false, anything else is true.
     */
    boolean boolQuery(String name);

    Optional<String> header(String name);

    /** The body as a stream; read it at most once. */
    InputStream body();

    /**
     * The body parsed as JSON into {@code type}; null when there is no body; a malformed body is
     * an invalid parameter.
     */
    <T> T bodyAs(Class<T> type);

    /** A value a middleware left for later stages, or null. */
    Object attribute(String name);

    void setAttribute(String name, Object value);
}
