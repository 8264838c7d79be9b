package io.wharf.containerd.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import org.junit.jupiter.api.Test;

import io.grpc.Status;
import io.wharf.core.spi.errors.ApiException;
import io.wharf.core.spi.errors.ConflictException;
import io.wharf.core.spi.errors.NotFoundException;
import io.wharf.core.spi.errors.SystemException;
import io.wharf.core.spi.errors.UnavailableException;

class ContainerdErrorsTest {

    private static ApiException map(Status status) {
        return ContainerdErrors.toApiException(status.asRuntimeException());
    }

    @Test
    void codesAsErrdefsReadsThem() {
        ApiException notFound = map(Status.NOT_FOUND.withDescription("task c2 not found"));
        assertInstanceOf(NotFoundException.class, notFound);
        assertEquals("task c2 not found", notFound.getMessage());
        assertInstanceOf(ConflictException.class, map(Status.ALREADY_EXISTS.withDescription("container \"c2\": already exists")));
        assertInstanceOf(UnavailableException.class, map(Status.UNAVAILABLE.withDescription("io exception")));
        ApiException other = map(Status.UNKNOWN.withDescription("cannot delete a running process"));
        assertInstanceOf(SystemException.class, other);
        assertEquals("cannot delete a running process", other.getMessage());
    }

    @Test
    void aStatusWithoutDescriptionIsNamedByItsCode() {
        assertEquals("DEADLINE_EXCEEDED", map(Status.DEADLINE_EXCEEDED).getMessage());
    }
}
