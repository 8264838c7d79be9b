package io.wharf.core.spi.events;

import java.util.Map;
import java.util.Objects;

/**
 * One event as {@code docker events} shows it: type (container, image, volume, network, daemon,
 * plugin, ...), action, the actor's ID and attributes, scope, and the time in nanoseconds.
 */
public record Event(String type, String action, String actorId, Map<String, String> attributes, String scope,
        long timeNano) {

    public Event {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(actorId, "actorId");
        attributes = Map.copyOf(attributes);
        scope = scope == null ? "local" : scope;
    }

    /** A local event happening now. */
    public static Event now(String type, String action, String actorId, Map<String, String> attributes) {
        java.time.Instant t = java.time.Instant.now();
        return new Event(type, action, actorId, attributes, "local", t.getEpochSecond() * 1_000_000_000L + t.getNano());
    }
}
