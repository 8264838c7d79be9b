package io.wharf.core.internal.config;

/** A command line, daemon.json or combination of settings the daemon refuses to start with. */
public final class ConfigException extends Exception {

    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }
}
