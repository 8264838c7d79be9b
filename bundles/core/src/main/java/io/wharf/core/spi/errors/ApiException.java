package io.wharf.core.spi.errors;

/** Base of the typed errors; the subclass, not a field, says which kind it is. */
public abstract class ApiException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    protected ApiException(String message) {
        super(message);
    }

    protected ApiException(String message, Throwable cause) {
        super(message, cause);
    }
}
