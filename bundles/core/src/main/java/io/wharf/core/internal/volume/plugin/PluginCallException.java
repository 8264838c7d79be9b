package io.wharf.core.internal.volume.plugin;

import java.io.IOException;

/**
 * A plugin's answer with a status other than 200 (moby's statusError): the method, the status, and
 * the answer's "Err" or, when it has none, its body.
 */
final class PluginCallException extends IOException {

    private static final long serialVersionUID = 1L;

    private final String method;
    private final int status;
    private final String err;

    PluginCallException(String method, int status, String err) {
        super(method + ": " + err);
        this.method = method;
        this.status = status;
        this.err = err;
    }

    String method() {
        return method;
    }

    int status() {
        return status;
    }

    String err() {
        return err;
    }
}
