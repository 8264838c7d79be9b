package io.wharf.core.spi.graphdriver;

/** A driver declining to run on this host (wrong kernel, wrong backing filesystem, ...); the message says why. */
public class NotSupportedException extends Exception {

    private static final long serialVersionUID = 1L;

    public NotSupportedException(String reason) {
        super(reason);
    }
}
