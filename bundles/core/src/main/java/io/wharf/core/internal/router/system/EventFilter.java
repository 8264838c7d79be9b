package io.wharf.core.internal.router.system;

import java.util.Map;
import java.util.Set;

import io.wharf.core.spi.events.Event;
import io.wharf.core.spi.http.Filters;

/** dockerd's event filters: each given filter must match; values within one filter are alternatives. */
final class EventFilter {

    static final Set<String> ACCEPTED = Set.of("config", "container", "daemon", "event", "image", "label", "network",
            "node", "plugin", "scope", "secret", "service", "type", "volume");

    /** Filters naming the actor by ID (prefix) or name. */
    private static final Set<String> BY_ACTOR = Set.of("config", "container", "daemon", "network", "node", "plugin",
            "secret", "service", "volume");

    private final Filters filters;

    EventFilter(Filters filters) {
        filters.validate(ACCEPTED);
        this.filters = filters;
    }

    boolean matches(Event e) {
        if (filters.isEmpty()) {
            return true;
        }
        Map<String, String> attrs = e.attributes();
        if (!filters.matchesAny("type", e.type()::equals)
                || !filters.matchesAny("scope", e.scope()::equals)
                || !filters.matchesAny("event", a -> e.action().equals(a) || e.action().startsWith(a + ":"))
                || !filters.matchesLabels("label", attrs)) {
            return false;
        }
        for (String key : BY_ACTOR) {
            if (filters.has(key) && !filters.matchesAny(key, v -> e.actorId().startsWith(v) || v.equals(attrs.get("name")))) {
                return false;
            }
        }
        return !filters.has("image") || filters.matchesAny("image", v -> v.equals(e.actorId()) || v.equals(attrs.get("image"))
                || v.equals(attrs.get("name")));
    }
}
