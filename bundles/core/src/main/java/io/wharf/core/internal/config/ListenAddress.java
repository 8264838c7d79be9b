package io.wharf.core.internal.config;

import java.net.URI;
import java.nio.file.Path;

/** One -H address: a unix socket path or a TCP host and port. */
public record ListenAddress(String scheme, String host, int port, Path socketPath) {

    static final int DEFAULT_HTTP_PORT = 2375;
    static final int DEFAULT_TLS_PORT = 2376;

    /** Parses an -H value as dockerd does; a bare path is taken as a unix socket. */
    static ListenAddress parse(String value, boolean tls) throws ConfigException {
        String v = value.trim();
        if (v.startsWith("/")) {
            v = "unix://" + v;
        }
        if (v.startsWith("unix://")) {
            String path = v.substring("unix://".length());
            if (path.isEmpty()) {
                path = DaemonConfig.DEFAULT_UNIX_SOCKET;
            }
            return new ListenAddress("unix", null, 0, Path.of(path));
        }
        if (v.startsWith("tcp://")) {
            try {
                URI uri = new URI(v);
                String host = uri.getHost() == null ? "127.0.0.1" : uri.getHost();
                if (host.equals("localhost")) {
                    host = "127.0.0.1";
                }
                if (uri.getPath() != null && !uri.getPath().isEmpty() && !uri.getPath().equals("/")) {
                    throw new ConfigException("Invalid bind address format: " + value);
                }
                int port = uri.getPort() >= 0 ? uri.getPort() : tls ? DEFAULT_TLS_PORT : DEFAULT_HTTP_PORT;
                return new ListenAddress("tcp", host, port, null);
            } catch (java.net.URISyntaxException e) {
                throw new ConfigException("Invalid bind address format: " + value);
            }
        }
        if (v.startsWith("fd://")) {
            throw new ConfigException("Invalid bind address format: " + value
                    + " (fd:// needs systemd socket activation, which wharfd does not support)");
        }
        throw new ConfigException("Invalid bind address format: " + value);
    }

    public boolean isUnix() {
        return scheme.equals("unix");
    }

    @Override
    public String toString() {
        return isUnix() ? "unix://" + socketPath : "tcp://" + host + ":" + port;
    }
}
