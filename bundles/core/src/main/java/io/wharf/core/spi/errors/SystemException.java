package io.wharf.core.spi.errors;

/** The daemon failed unexpectedly while serving a valid request (500). */
public class SystemException extends ApiException {

    private static final long serialVersionUID = 1L;

    public SystemException(String message) {
        super(message);
    }

    public SystemException(String message, Throwable cause) {
        super(message, cause);
    }
}
