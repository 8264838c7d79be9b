package io.wharf.core.internal.container;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.wharf.core.internal.container.logs.JsonFileLog;
import io.wharf.core.internal.container.logs.LogCopier;
import io.wharf.core.spi.runtime.TaskProcess;

/**
 * The streams of one running process (a container's or an exec's), as moby's StreamConfig keeps
 * them: a thread per output stream reads it to its end and hands every chunk to the log (when the
 * process has one) and to each attached client; attached clients write to its stdin.
 */
final class ProcessStreams {

    static final int STDOUT = 1;
    static final int STDERR = 2;
    private static final Logger LOG = LoggerFactory.getLogger(ProcessStreams.class);
    private static final int CHUNK = 32 * 1024;

    private final String name;
    private final TaskProcess process;
    private final boolean tty;
    private final JsonFileLog log;
    private final List<Attachment> attachments = new CopyOnWriteArrayList<>();
    private final CountDownLatch ended;

    /** @param log the container's log, or null for a process whose output is not logged (an exec) */
    ProcessStreams(String name, TaskProcess process, boolean tty, JsonFileLog log) {
        this.name = name;
        this.process = process;
        this.tty = tty;
        this.log = log;
        this.ended = new CountDownLatch(process.stderr() == null ? 1 : 2);
    }

    boolean tty() {
        return tty;
    }

    /** Starts copying; attachments made before this see all of the output. */
    ProcessStreams start() {
        copy(process.stdout(), STDOUT);
        if (process.stderr() != null) {
            copy(process.stderr(), STDERR);
        }
        Thread.ofVirtual().name("streams-end-" + name).start(this::finishWhenEnded);
        return this;
    }

    private void copy(InputStream in, int stream) {
        String streamName = stream == STDOUT ? "stdout" : "stderr";
        Thread.ofPlatform().daemon().name(streamName + "-" + name).start(() -> {
            try (InputStream tee = new ToAttachments(in, stream)) {
                if (log != null) {
                    LogCopier.copy(tee, streamName, log, InstantSource.system());
                } else {
                    tee.transferTo(OutputStream.nullOutputStream());
                }
            } catch (IOException e) {
                LOG.debug("{} of {} ended: {}", streamName, name, e.toString());
            } finally {
                ended.countDown();
            }
        });
    }

    /** Hands every chunk read to the attached clients on its way to the log. */
    private final class ToAttachments extends FilterInputStream {

        private final int stream;

        ToAttachments(InputStream in, int stream) {
            super(in);
            this.stream = stream;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                byte[] chunk = off == 0 ? b : Arrays.copyOfRange(b, off, off + n);
                for (Attachment a : attachments) {
                    if (!a.offer(stream, chunk, n)) {
                        attachments.remove(a);
                    }
                }
            }
            return n;
        }
    }

    private void finishWhenEnded() {
        try {
            ended.await();
        } catch (InterruptedException e) {
            return;
        }
        if (log != null) {
            try {
                log.close();
            } catch (IOException e) {
                LOG.warn("closing the log of {}: {}", name, e.toString());
            }
        }
        attachments.forEach(Attachment::end);
    }

    /** Attaches a client to what the process writes from now on. */
    Attachment attach(boolean stdout, boolean stderr) {
        return adopt(new Attachment(stdout, stderr, tty));
    }

    /** Takes an attachment made before the process started. */
    Attachment adopt(Attachment a) {
        attachments.add(a);
        a.bind(this);
        if (ended.getCount() == 0) {
            a.end();
        }
        return a;
    }

    /** The log the output goes to while the process runs, or null. */
    JsonFileLog log() {
        return log;
    }

    /** The process's stdin, or null when it has none. */
    OutputStream stdin() {
        return process.stdin();
    }

    /** Closes the daemon's end of stdin, so that the process reads EOF once the runtime closes its own. */
    void closeStdin() {
        OutputStream in = process.stdin();
        if (in != null) {
            try {
                in.close();
            } catch (IOException e) {
                LOG.debug("closing stdin of {}: {}", name, e.toString());
            }
        }
    }

    /** Waits until both output streams ended (the process exited and its output was delivered). */
    boolean awaitEnded(Duration timeout) throws InterruptedException {
        return ended.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
}
