package io.wharf.core.spi.errors;

/** The request changed nothing, such as starting a running container (304). */
public class NotModifiedException extends ApiException {

    private static final long serialVersionUID = 1L;

    public NotModifiedException(String message) {
        super(message);
    }

    public NotModifiedException(String message, Throwable cause) {
        super(message, cause);
    }
}
