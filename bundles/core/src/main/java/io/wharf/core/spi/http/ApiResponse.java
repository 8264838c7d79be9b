package io.wharf.core.spi.http;

import java.io.OutputStream;

import org.osgi.annotation.versioning.ProviderType;

/** The response to an API request. Headers must be set before the body is written. */
@ProviderType
public interface ApiResponse {

    void status(int code);

    void header(String name, String value);

    /** Writes {@code body} as JSON with the given status and completes the response. */
    void json(int status, Object body);

    /** Writes a plain-text body with the given status and completes the response. */
    void text(int status, String body);

    /** Answers with a status and no body. */
    void empty(int status);

    /**
     * The body as a stream for long or streamed answers (events, logs); flush it to push what
     * was written to the client at once.
     */
    OutputStream stream();

    /**
     * Takes the connection over, as dockerd's attach and exec do: answers
     * {@code 101 UPGRADED} (or {@code 200} to a client that did not ask to upgrade) with the given
     * content type, and then runs {@code session} on a thread of its own with the connection's raw
     * streams. The handler returns at once; whatever it must not miss (a container's output) it
     * has to collect before calling this.
     */
    void hijack(String contentType, HijackedSession session);

    /** Whether the status line and headers have gone out; after that errors cannot be sent. */
    boolean committed();
}
