package io.wharf.core.internal.daemon;

/** A start-up step that failed: the daemon prints the message and exits 1. */
final class StartupException extends Exception {

    private static final long serialVersionUID = 1L;

    StartupException(String message) {
        super(message);
    }
}
