package io.wharf.core.internal.volume.plugin;

import java.io.IOException;

/** A plugin that cannot be reached: no socket, nobody listening, or the connection lost before an answer. */
final class PluginUnreachableException extends IOException {

    private static final long serialVersionUID = 1L;

    PluginUnreachableException(String message, Throwable cause) {
        super(message, cause);
    }
}
