package io.wharf.core.internal.container;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.wharf.core.spi.errors.InvalidParameterException;
import io.wharf.core.spi.http.HijackedSession;

/**
 * A hijacked attach (or exec start) connection: the process's output goes to the client through
 * its {@link Attachment}; the client's input goes to the process's stdin. On a terminal, the
 * detach keys (ctrl-p ctrl-q unless the client names others) end the session and leave the
 * process running. When the client's input ends, a stdin-once process gets EOF.
 */
final class AttachSession implements HijackedSession {

    private static final Logger LOG = LoggerFactory.getLogger(AttachSession.class);
    static final byte[] DEFAULT_DETACH_KEYS = {16, 17};
    private static final String CONTROL_KEYS = "abcdefghijklmnopqrstuvwxyz@[\\]^_";

    private final Attachment output;
    private final boolean withStdin;
    private final byte[] detachKeys;
    private final Consumer<ProcessStreams> onInputEnd;
    private final Duration exitWait;
    private final ExitWaiter exit;

    /** Blocks until the process's exit is recorded, so that the client asks for its exit code after that. */
    @FunctionalInterface
    interface ExitWaiter {
        void await(Duration timeout) throws InterruptedException;
    }

    /**
     * @param withStdin  whether the client's input goes to the process's stdin
     * @param detachKeys the sequence that detaches (terminal only), or null
     * @param onInputEnd what the end of the client's input does (close a stdin-once stdin), or null
     */
    AttachSession(Attachment output, boolean withStdin, byte[] detachKeys, Consumer<ProcessStreams> onInputEnd) {
        this(output, withStdin, detachKeys, onInputEnd, null);
    }

    /**
     * @param exit waited for (a few seconds at most) once the output ended and before the
     *             connection closes: docker exec asks for the exit code as soon as it sees the end
     */
    AttachSession(Attachment output, boolean withStdin, byte[] detachKeys, Consumer<ProcessStreams> onInputEnd,
            ExitWaiter exit) {
        this.output = output;
        this.withStdin = withStdin;
        this.detachKeys = detachKeys;
        this.onInputEnd = onInputEnd;
        this.exitWait = Duration.ofSeconds(5);
        this.exit = exit;
    }

    @Override
    public void run(InputStream fromClient, OutputStream toClient) throws IOException {
        if (withStdin) {
            Thread.ofPlatform().daemon().name("attach-stdin").start(() -> copyInput(fromClient));
        }
        output.pump(toClient);
        if (exit != null && !output.detachedByClient()) {
            try {
                exit.await(exitWait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void copyInput(InputStream fromClient) {
        ProcessStreams process;
        try {
            process = output.awaitStreams();
        } catch (InterruptedException e) {
            return;
        }
        OutputStream stdin = process == null ? null : process.stdin();
        if (stdin == null) {
            return;
        }
        byte[] buf = new byte[8192];
        byte[] pass = new byte[buf.length + (detachKeys == null ? 0 : detachKeys.length)];
        int matched = 0; // how much of the detach sequence the last bytes were, held back until it is clear
        try {
            for (int n; (n = fromClient.read(buf)) >= 0;) {
                int out = 0;
                for (int i = 0; i < n; i++) {
                    byte b = buf[i];
                    if (detachKeys != null && b == detachKeys[matched]) {
                        if (++matched == detachKeys.length) {
                            LOG.debug("client detached with its detach keys");
                            output.detach();
                            return;
                        }
                        continue;
                    }
                    if (matched > 0) {
                        System.arraycopy(detachKeys, 0, pass, out, matched);
                        out += matched;
                        matched = 0;
                        if (b == detachKeys[0]) {
                            matched = 1;
                            continue;
                        }
                    }
                    pass[out++] = b;
                }
                if (out > 0) {
                    stdin.write(pass, 0, out);
                    stdin.flush();
                }
            }
            if (onInputEnd != null) {
                onInputEnd.accept(process);
            }
        } catch (IOException e) {
            LOG.debug("attach input ended: {}", e.toString());
        }
    }

    /** Parses docker's detach-keys syntax ("ctrl-p,ctrl-q", "a,ctrl-@"); empty means the default. */
    static byte[] parseDetachKeys(String spec) {
        if (spec == null || spec.isEmpty()) {
            return DEFAULT_DETACH_KEYS;
        }
        String[] keys = spec.split(",");
        byte[] out = new byte[keys.length];
        for (int i = 0; i < keys.length; i++) {
            String k = keys[i];
            if (k.length() == 1) {
                out[i] = (byte) k.charAt(0);
            } else if (k.length() == 6 && k.startsWith("ctrl-") && CONTROL_KEYS.indexOf(Character.toLowerCase(k.charAt(5))) >= 0) {
                // ctrl-a..ctrl-z are 1..26; ctrl-@ is 0, ctrl-[ \ ] ^ _ are 27..31.
                char c = Character.toLowerCase(k.charAt(5));
                out[i] = (byte) (c >= 'a' ? c - 'a' + 1 : c == '@' ? 0 : 27 + "[\\]^_".indexOf(c));
            } else {
                throw new InvalidParameterException("Invalid detach keys (" + spec + ") provided");
            }
        }
        return out;
    }
}
