package io.wharf.core.internal.router.system;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import io.wharf.core.internal.events.EventHub;
import io.wharf.core.internal.json.Json;
import io.wharf.core.internal.time.Timestamps;
import io.wharf.core.spi.errors.InvalidParameterException;
import io.wharf.core.spi.events.Event;
import io.wharf.core.spi.http.ApiRequest;
import io.wharf.core.spi.http.ApiResponse;
import io.wharf.core.spi.http.Filters;

/**
 * GET /events: recent events since {@code since}, then live ones until {@code until} (or until the
 * client or daemon goes away), one JSON object per line, flushed as each happens.
 */
final class EventsHandler {

    private static final Duration POLL = Duration.ofMillis(500);

    private final SystemBackend backend;

    EventsHandler(SystemBackend backend) {
        this.backend = backend;
    }

    void handle(ApiRequest request, ApiResponse response) throws IOException, InterruptedException {
        long now = Timestamps.nanos(Instant.now());
        Long since = request.query("since").filter(s -> !s.isEmpty()).map(v -> Timestamps.nanos(Timestamps.parse("since", v)))
                .orElse(null);
        Long until = request.query("until").filter(s -> !s.isEmpty()).map(v -> Timestamps.nanos(Timestamps.parse("until", v)))
                .orElse(null);
        if (since != null && until != null && since > until) {
            throw new InvalidParameterException("`since` time (" + request.query("since").get()
                    + ") cannot be after `until` time (" + request.query("until").get() + ")");
        }
        EventFilter filter = new EventFilter(Filters.parse(request.query("filters").orElse(null)));

        try (EventHub.Subscription subscription = backend.subscribeEvents()) {
            response.status(200);
            response.header("Content-Type", "application/json");
            OutputStream out = response.stream();
            out.flush();
            if (since != null) {
                for (Event e : subscription.backlog()) {
                    if (e.timeNano() >= since && (until == null || e.timeNano() <= until) && filter.matches(e)) {
                        write(out, e);
                    }
                }
                out.flush();
            }
            if (until != null && until <= now) {
                return;
            }
            while (true) {
                Duration wait = POLL;
                if (until != null) {
                    long left = until - Timestamps.nanos(Instant.now());
                    if (left <= 0) {
                        return;
                    }
                    wait = Duration.ofNanos(Math.min(left, POLL.toNanos()));
                }
                Event e = subscription.next(wait);
                if (e == null) {
                    if (subscription.isClosed()) {
                        return;
                    }
                    continue;
                }
                if (until != null && e.timeNano() > until) {
                    return;
                }
                if (filter.matches(e)) {
                    write(out, e);
                    out.flush();
                }
            }
        }
    }

    private static void write(OutputStream out, Event e) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        if (e.type().equals("container") || e.type().equals("image")) {
            m.put("status", e.action());
            m.put("id", e.actorId());
            if (e.attributes().containsKey("image")) {
                m.put("from", e.attributes().get("image"));
            }
        }
        m.put("Type", e.type());
        m.put("Action", e.action());
        m.put("Actor", Map.of("ID", e.actorId(), "Attributes", e.attributes()));
        m.put("scope", e.scope());
        m.put("time", e.timeNano() / 1_000_000_000L);
        m.put("timeNano", e.timeNano());
        out.write(Json.bytes(m));
        out.write('\n');
    }
}
