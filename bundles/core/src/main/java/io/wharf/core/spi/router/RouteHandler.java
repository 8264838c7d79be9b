package io.wharf.core.spi.router;

import org.osgi.annotation.versioning.ConsumerType;

import io.wharf.core.spi.http.ApiRequest;
import io.wharf.core.spi.http.ApiResponse;

/**
 * Serves one route: parse the request, call the backend, write the answer. Errors are thrown as
 * {@link io.wharf.core.spi.errors.ApiException}s, never formatted here.
 */
@FunctionalInterface
@ConsumerType
public interface RouteHandler {

    void handle(ApiRequest request, ApiResponse response) throws Exception;
}
