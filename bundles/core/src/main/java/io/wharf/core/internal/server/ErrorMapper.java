package io.wharf.core.internal.server;

import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.wharf.core.spi.errors.ConflictException;
import io.wharf.core.spi.errors.ForbiddenException;
import io.wharf.core.spi.errors.InvalidParameterException;
import io.wharf.core.spi.errors.NotFoundException;
import io.wharf.core.spi.errors.NotImplementedException;
import io.wharf.core.spi.errors.NotModifiedException;
import io.wharf.core.spi.errors.UnauthorizedException;
import io.wharf.core.spi.errors.UnavailableException;

/**
 * The one place errors become HTTP answers (moby's httpstatus.FromError): the first typed error
 * along the cause chain picks the status; anything else is a 500. Only 5xx are logged as errors.
 */
final class ErrorMapper {

    private static final Logger LOG = LoggerFactory.getLogger(ErrorMapper.class);

    private ErrorMapper() {
    }

    record Answer(int status, Map<String, String> body) {
    }

    static Answer answer(Throwable error, String method, String uri) {
        int status = statusOf(error);
        String message = error.getMessage() == null ? error.toString() : error.getMessage();
        if (status == 500) {
            LOG.error("Handler for {} {} returned error: {}", method, uri, message, error);
        } else if (status > 500) {
            LOG.error("Handler for {} {} returned error: {}", method, uri, message);
        } else {
            LOG.debug("Handler for {} {} returned error: {}", method, uri, message);
        }
        return new Answer(status, Map.of("message", message));
    }

    static int statusOf(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            Integer status = switch (t) {
                case NotFoundException e -> 404;
                case InvalidParameterException e -> 400;
                case ConflictException e -> 409;
                case UnauthorizedException e -> 401;
                case ForbiddenException e -> 403;
                case UnavailableException e -> 503;
                case NotImplementedException e -> 501;
                case NotModifiedException e -> 304;
                default -> null;
            };
            if (status != null) {
                return status;
            }
        }
        return 500;
    }
}
