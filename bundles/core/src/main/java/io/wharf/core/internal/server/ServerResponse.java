package io.wharf.core.internal.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.HttpStream;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import io.wharf.core.internal.json.Json;
import io.wharf.core.spi.http.ApiResponse;
import io.wharf.core.spi.http.HijackedSession;

/**
 * An {@link ApiResponse} over a Jetty response. It owns the request's callback: a complete answer
 * (json, text, empty) hands the callback to the final write; a stream is closed and the callback
 * completed by {@link #finish()}.
 */
final class ServerResponse implements ApiResponse {

    private final Response response;
    private final Callback callback;
    private boolean completed;
    private OutputStream stream;
    private DisconnectWatch watch;

    ServerResponse(Response response, Callback callback) {
        this.response = response;
        this.callback = callback;
    }

    @Override
    public void status(int code) {
        response.setStatus(code);
    }

    @Override
    public void header(String name, String value) {
        response.getHeaders().put(name, value);
    }

    @Override
    public void json(int status, Object body) {
        send(status, "application/json", Json.bytes(body), true);
    }

    @Override
    public void text(int status, String body) {
        send(status, "text/plain; charset=utf-8", body.getBytes(StandardCharsets.UTF_8), false);
    }

    @Override
    public void empty(int status) {
        complete();
        response.setStatus(status);
        response.write(true, null, callback);
    }

    private void send(int status, String contentType, byte[] body, boolean newline) {
        complete();
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        // dockerd's JSON encoder ends every document with a newline; clients don't mind either way.
        ByteBuffer buf = ByteBuffer.allocate(body.length + (newline ? 1 : 0)).put(body);
        if (newline) {
            buf.put((byte) '\n');
        }
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, buf.position());
        response.write(true, buf.flip(), callback);
    }

    /**
     * Marks the answer complete before it is written. A complete answer may still replace a stream
     * that has sent nothing yet (an early error).
     */
    private void complete() {
        if (completed || (stream != null && response.isCommitted())) {
            throw new IllegalStateException("the response was already written");
        }
        completed = true;
        stopWatch();
    }

    @Override
    public OutputStream stream() {
        if (completed) {
            throw new IllegalStateException("the response was already written");
        }
        if (stream == null) {
            stream = Content.Sink.asOutputStream(response);
            watch = DisconnectWatch.start(response.getRequest());
        }
        return stream;
    }

    @Override
    public void hijack(String contentType, HijackedSession session) {
        complete();
        Request request = response.getRequest();
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        if (!request.getHeaders().contains(HttpHeader.UPGRADE)) {
            // A client that did not ask to upgrade gets the stream as a 200 body, without stdin.
            response.setStatus(200);
            try (OutputStream out = Content.Sink.asOutputStream(response)) {
                session.run(InputStream.nullInputStream(), out);
                callback.succeeded();
            } catch (IOException | RuntimeException e) {
                callback.failed(e);
            }
            return;
        }
        // Jetty writes the 101 and then hands the endpoint to the connection named by this attribute.
        EndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
        request.setAttribute(HttpStream.UPGRADE_CONNECTION_ATTRIBUTE,
                new HijackedConnection(endPoint, request.getComponents().getExecutor(), session));
        response.setStatus(101);
        response.getHeaders().put(HttpHeader.CONNECTION, "Upgrade");
        response.getHeaders().put(HttpHeader.UPGRADE, "tcp");
        response.write(true, null, callback);
    }

    @Override
    public boolean committed() {
        return completed || response.isCommitted();
    }

    /** Completes the exchange if the handler did not write a complete answer itself. */
    void finish() {
        if (completed) {
            return;
        }
        completed = true;
        if (stream != null) {
            stopWatch();
            try {
                stream.close();
                callback.succeeded();
            } catch (IOException e) {
                callback.failed(e);
            }
        } else {
            response.write(true, null, callback);
        }
    }

    /** Fails the exchange after part of a body went out: the connection is closed. */
    void abort(Throwable error) {
        if (!completed) {
            completed = true;
            stopWatch();
            callback.failed(error);
        }
    }

    private void stopWatch() {
        if (watch != null) {
            watch.stop();
        }
    }
}
