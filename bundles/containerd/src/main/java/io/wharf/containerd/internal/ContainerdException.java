package io.wharf.containerd.internal;

/** containerd could not be started or reached; the message is what the daemon fails with. */
final class ContainerdException extends Exception {

    private static final long serialVersionUID = 1L;

    ContainerdException(String message) {
        super(message);
    }
}
