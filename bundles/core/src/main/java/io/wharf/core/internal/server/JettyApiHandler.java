package io.wharf.core.internal.server;

import java.io.IOException;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The root Jetty handler: every request goes to the dispatcher; errors become dockerd's JSON
 * answer. Most routes block (they call containerd, disks and syscalls) and run on a worker
 * thread of the pool; routes marked non-blocking (such as /_ping) run on the thread that read
 * the request, which spares a thread hand-off and a selector wake-up per request. Hence the
 * handler is of type EITHER and hands blocking routes to the thread pool itself.
 */
final class JettyApiHandler extends Handler.Abstract {

    private static final Logger LOG = LoggerFactory.getLogger(JettyApiHandler.class);

    private final ApiDispatcher dispatcher;

    JettyApiHandler(ApiDispatcher dispatcher) {
        super(InvocationType.EITHER);
        this.dispatcher = dispatcher;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        ServerRequest req;
        try {
            req = new ServerRequest(request);
        } catch (RuntimeException e) {
            fail(request, new ServerResponse(response, callback), e);
            return true;
        }
        if (dispatcher.neverBlocks(req)) {
            serve(req, request, response, callback);
        } else {
            // Even when Jetty calls in blocking mode, the calling thread may be the one that also
            // reads this connection's input: a route reading its body there would wait for itself.
            request.getComponents().getThreadPool().execute(() -> serve(req, request, response, callback));
        }
        return true;
    }

    private void serve(ServerRequest req, Request request, Response response, Callback callback) {
        ServerResponse resp = new ServerResponse(response, callback);
        try {
            dispatcher.dispatch(req, resp);
            resp.finish();
        } catch (Throwable error) {
            fail(request, resp, error);
        }
    }

    private static void fail(Request request, ServerResponse resp, Throwable error) {
        if (resp.committed()) {
            // Part of the answer is out, so the connection is closed. A client that went away
            // (docker run -d leaves its wait request behind; DisconnectWatch interrupts a quiet
            // stream whose client left) is not the daemon's error.
            if (error instanceof IOException || error instanceof InterruptedException) {
                LOG.debug("{} {}: the client went away: {}", request.getMethod(), request.getHttpURI().getPathQuery(),
                        error.toString());
            } else {
                LOG.error("Handler for {} {} failed after answering", request.getMethod(),
                        request.getHttpURI().getPathQuery(), error);
            }
            resp.abort(error);
            return;
        }
        ErrorMapper.Answer answer = ErrorMapper.answer(error, request.getMethod(), request.getHttpURI().getPathQuery());
        resp.json(answer.status(), answer.body());
    }
}
