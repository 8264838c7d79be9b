package io.wharf.core.internal.server;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The root Jetty handler: every request goes to the dispatcher; errors become dockerd's JSON
 * answer. Blocking by design, since routes call containerd, disks and syscalls.
 */
final class JettyApiHandler extends Handler.Abstract {

    private final ApiDispatcher dispatcher;

    JettyApiHandler(ApiDispatcher dispatcher) {
        super(InvocationType.BLOCKING);
        this.dispatcher = dispatcher;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        ServerResponse resp = new ServerResponse(response, callback);
        try {
            dispatcher.dispatch(new ServerRequest(request), resp);
            resp.finish();
        } catch (Throwable error) {
            String method = request.getMethod();
            String uri = request.getHttpURI().getPathQuery();
            ErrorMapper.Answer answer = ErrorMapper.answer(error, method, uri);
            if (resp.committed()) {
                resp.abort(error);
            } else {
                resp.json(answer.status(), answer.body());
            }
        }
        return true;
    }
}
