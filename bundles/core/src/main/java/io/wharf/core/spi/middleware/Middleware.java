package io.wharf.core.spi.middleware;

import org.osgi.annotation.versioning.ConsumerType;

import io.wharf.core.spi.http.ApiRequest;
import io.wharf.core.spi.http.ApiResponse;

/**
 * A step every request passes before its route; it may answer itself or throw instead. A
 * middleware must not block unless it is registered with {@link #BLOCKING}=true.
 */
@ConsumerType
public interface Middleware {

    /** Service property (an Integer) placing a middleware in the chain: lower runs first. */
    String ORDER = "wharf.middleware.order";

    /**
     * Service property (a Boolean): true for a middleware that may block (e.g. one that calls an
     * authorization plugin); then every request is served on a worker thread.
     */
    String BLOCKING = "wharf.middleware.blocking";

    int ORDER_VERSION = 100;
    int ORDER_CORS = 200;
    int ORDER_USER_AGENT = 300;
    int ORDER_AUTHORIZATION = 400;

    void handle(ApiRequest request, ApiResponse response, Chain next) throws Exception;

    /** The rest of the chain, ending in the matched route. */
    @FunctionalInterface
    interface Chain {
        void proceed(ApiRequest request, ApiResponse response) throws Exception;
    }
}
