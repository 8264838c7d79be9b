package io.wharf.core.spi.errors;

/** This daemon does not implement the request (501). */
public class NotImplementedException extends ApiException {

    private static final long serialVersionUID = 1L;

    public NotImplementedException(String message) {
        super(message);
    }

    public NotImplementedException(String message, Throwable cause) {
        super(message, cause);
    }
}
