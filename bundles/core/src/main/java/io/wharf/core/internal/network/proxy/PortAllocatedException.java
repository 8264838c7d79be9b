package io.wharf.core.internal.network.proxy;

import java.net.BindException;

/**
 * A host port another socket holds, in dockerd's words: "Bind for 0.0.0.0:8080 failed: port is
 * already allocated". The request is valid; the daemon cannot serve it (dockerd answers 500).
 */
public final class PortAllocatedException extends BindException {

    private static final long serialVersionUID = 1L;

    PortAllocatedException(String message) {
        super(message);
    }
}
