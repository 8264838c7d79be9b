package io.wharf.core.spi.errors;

/** The request is malformed or names an invalid value (400). */
public class InvalidParameterException extends ApiException {

    private static final long serialVersionUID = 1L;

    public InvalidParameterException(String message) {
        super(message);
    }

    public InvalidParameterException(String message, Throwable cause) {
        super(message, cause);
    }
}
