package io.wharf.core.internal.distribution;

import java.io.IOException;

/**
 * A registry said no: its HTTP status and, when it sent one, the first error of its body
 * ({@code {"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}}). The message is
 * distribution's errcode text, "manifest unknown: manifest unknown", as dockerd shows it.
 */
final class RegistryException extends IOException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final String code;

    RegistryException(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    /** The registry's error code (MANIFEST_UNKNOWN, NAME_UNKNOWN, UNAUTHORIZED, DENIED, ...), or "". */
    String code() {
        return code;
    }

    int status() {
        return status;
    }
}
