package io.wharf.containerd.internal;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.wharf.core.spi.errors.ApiException;
import io.wharf.core.spi.errors.ConflictException;
import io.wharf.core.spi.errors.NotFoundException;
import io.wharf.core.spi.errors.SystemException;
import io.wharf.core.spi.errors.UnavailableException;

/**
 * containerd's gRPC status codes as the daemon's typed errors, as moby's errdefs reads them: not
 * found, already exists (a conflict), unavailable; anything else is a system error carrying
 * containerd's own message.
 */
final class ContainerdErrors {

    private ContainerdErrors() {
    }

    static ApiException toApiException(StatusRuntimeException e) {
        Status status = e.getStatus();
        String message = status.getDescription() != null ? status.getDescription() : status.getCode().toString();
        return switch (status.getCode()) {
            case NOT_FOUND -> new NotFoundException(message, e);
            case ALREADY_EXISTS -> new ConflictException(message, e);
            case UNAVAILABLE -> new UnavailableException("containerd is not available: " + message, e);
            default -> new SystemException(message, e);
        };
    }
}
