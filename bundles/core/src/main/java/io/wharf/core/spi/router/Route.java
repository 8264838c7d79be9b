package io.wharf.core.spi.router;

import java.util.Objects;

/**
 * One route: an HTTP method and a path template such as {@code /containers/{name}/json} or
 * {@code /distribution/{name:.*}/json} (a parameter matches one segment unless it says
 * {@code :.*}). A route is served on a worker thread, where its handler may block, unless it is
 * marked {@link #nonBlocking()}.
 *
 * @param neverBlocks whether the handler never blocks (no disk, network, process or long lock), so
 *                    that the server may run it on the thread that read the request
 */
public record Route(String method, String path, RouteHandler handler, boolean neverBlocks) {

    public Route {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(handler, "handler");
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("route path must start with '/': " + path);
        }
    }

    public Route(String method, String path, RouteHandler handler) {
        this(method, path, handler, false);
    }

    /** This route, marked as one whose handler never blocks. */
    public Route nonBlocking() {
        return new Route(method, path, handler, true);
    }

    public static Route get(String path, RouteHandler handler) {
        return new Route("GET", path, handler);
    }

    public static Route head(String path, RouteHandler handler) {
        return new Route("HEAD", path, handler);
    }

    public static Route post(String path, RouteHandler handler) {
        return new Route("POST", path, handler);
    }

    public static Route put(String path, RouteHandler handler) {
        return new Route("PUT", path, handler);
    }

    public static Route delete(String path, RouteHandler handler) {
        return new Route("DELETE", path, handler);
    }
}
