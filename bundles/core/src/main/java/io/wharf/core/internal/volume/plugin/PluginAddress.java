package io.wharf.core.internal.volume.plugin;

import java.net.URI;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a legacy plugin listens: {@code unix:///path/to.sock} or {@code tcp://host:port}, as a
 * plugin's socket, .spec or .json file names it (moby's pkg/plugins discovery).
 *
 * @param name   the plugin's name (its file's name without the extension)
 * @param uri    the address
 * @param source the file it was found in, for messages
 */
record PluginAddress(String name, URI uri, Path source) {

    PluginAddress {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(uri, "uri");
    }

    boolean unix() {
        return "unix".equals(uri.getScheme());
    }

    /** The socket file of a unix address. */
    Path socket() {
        return Path.of(uri.getPath());
    }
}
