package io.wharf.core.internal.middleware;

import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.wharf.core.spi.http.ApiRequest;
import io.wharf.core.spi.http.ApiResponse;
import io.wharf.core.spi.middleware.Middleware;

/**
 * Records the client's User-Agent for later stages (as {@value #ATTRIBUTE}) and logs each call
 * at debug level, as dockerd does ("Calling GET /v1.41/version").
 */
@Component(property = Middleware.ORDER + ":Integer=" + Middleware.ORDER_USER_AGENT)
public final class UserAgentMiddleware implements Middleware {

    public static final String ATTRIBUTE = "wharf.user-agent";
    private static final Logger LOG = LoggerFactory.getLogger(UserAgentMiddleware.class);

    @Override
    public void handle(ApiRequest request, ApiResponse response, Chain next) throws Exception {
        String agent = request.header("User-Agent").orElse("");
        request.setAttribute(ATTRIBUTE, agent);
        if (LOG.isDebugEnabled()) {
            LOG.debug("Calling {} {} (user agent \"{}\")", request.method(),
                    (request.versionGiven() ? "/v" + request.apiVersion() : "") + request.path(), agent);
        }
        next.proceed(request, response);
    }
}
