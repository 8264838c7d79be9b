package io.wharf.core.internal.events;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.wharf.core.spi.events.Event;
import io.wharf.core.spi.events.EventPublisher;

/**
 * Fans events out to subscribers and keeps the most recent ones for {@code since} queries, as
 * dockerd's events service does (256 of them). A subscriber that falls too far behind is dropped
 * rather than slowing the daemon.
 */
@Component(service = { EventPublisher.class, EventHub.class })
public final class EventHub implements EventPublisher {

    private static final Logger LOG = LoggerFactory.getLogger(EventHub.class);
    static final int RECENT_EVENTS = 256;
    private static final int SUBSCRIBER_BUFFER = 1024;
    private static final Event CLOSED = new Event("-", "-", "-", java.util.Map.of(), "local", 0);

    private final ArrayDeque<Event> recent = new ArrayDeque<>(RECENT_EVENTS);
    private final List<Subscription> subscribers = new CopyOnWriteArrayList<>();

    @Override
    public void publish(Event event) {
        synchronized (recent) {
            if (recent.size() == RECENT_EVENTS) {
                recent.removeFirst();
            }
            recent.addLast(event);
            for (Subscription s : subscribers) {
                if (!s.queue.offer(event)) {
                    LOG.warn("dropping an events subscriber that stopped reading");
                    s.close();
                }
            }
        }
    }

    /** Subscribes, with the recent events as they were at this instant (none missed, none twice). */
    public Subscription subscribe() {
        synchronized (recent) {
            Subscription s = new Subscription(List.copyOf(recent));
            subscribers.add(s);
            return s;
        }
    }

    public int listeners() {
        return subscribers.size();
    }

    /** Ends every stream, so that a stopping server need not wait for them. */
    @Deactivate
    public void closeSubscriptions() {
        subscribers.forEach(Subscription::close);
    }

    public final class Subscription implements AutoCloseable {

        private final List<Event> backlog;
        private final BlockingQueue<Event> queue = new LinkedBlockingQueue<>(SUBSCRIBER_BUFFER);
        private volatile boolean closed;

        private Subscription(List<Event> backlog) {
            this.backlog = backlog;
        }

        /** The events published before this subscription began, oldest first. */
        public List<Event> backlog() {
            return backlog;
        }

        /** The next event, or null when the wait ran out or the subscription was closed. */
        public Event next(Duration wait) throws InterruptedException {
            if (closed) {
                return null;
            }
            Event e = queue.poll(wait.toNanos(), TimeUnit.NANOSECONDS);
            return e == CLOSED ? null : e;
        }

        public boolean isClosed() {
            return closed;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                subscribers.remove(this);
                queue.clear();
                queue.offer(CLOSED);
            }
        }
    }
}
