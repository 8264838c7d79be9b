package io.wharf.core.internal.config;

import java.util.List;

/**
 * One daemon setting as dockerd has it: its key in daemon.json, its command-line names, its type
 * and default, and whether SIGHUP may change it while the daemon runs.
 */
record Directive(String key, List<String> flags, Kind kind, Object defaultValue, boolean reloadable,
        String description) {

    enum Kind {
        STRING, BOOLEAN, INTEGER, LIST
    }

    /** The long flag name as users type it, for messages. */
    String longFlag() {
        return flags.getLast();
    }
}
