package io.wharf.core.spi.errors;

/** The daemon cannot serve this now, such as a missing driver or no swarm (503). */
public class UnavailableException extends ApiException {

    private static final long serialVersionUID = 1L;

    public UnavailableException(String message) {
        super(message);
    }

    public UnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
