package io.wharf.core.spi.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * What runs on a connection the API server handed over ({@link ApiResponse#hijack}): it reads
 * what the client sends and writes raw bytes back; the connection closes when it returns.
 */
@FunctionalInterface
@ConsumerType
public interface HijackedSession {

    /**
     * @param fromClient what the client writes after the request (ends when it closes its side)
     * @param toClient   the raw connection; each write goes out at once
     */
    void run(InputStream fromClient, OutputStream toClient) throws IOException;
}
