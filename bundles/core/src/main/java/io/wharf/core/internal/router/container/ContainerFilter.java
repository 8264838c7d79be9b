package io.wharf.core.internal.router.container;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import io.wharf.core.internal.container.Container;
import io.wharf.core.internal.container.ContainerService;
import io.wharf.core.internal.container.ContainerState;
import io.wharf.core.internal.container.ContainerViews;
import io.wharf.core.internal.image.ImageStore;
import io.wharf.core.spi.errors.InvalidParameterException;
import io.wharf.core.spi.http.Filters;
import io.wharf.core.spi.reference.Digest;

/** The filters of docker ps (moby's foldFilter and includeContainerInList). */
final class ContainerFilter implements Predicate<Container> {

    private static final Set<String> STATUSES = Set.of("created", "restarting", "running",
            "removing", "paused", "exited", "dead");

    private final Filters filters;
    private final Container before;
    private final Container since;
    private final ContainerService containers;

    ContainerFilter(Filters filters, ContainerService containers) {
        this.filters = filters;
        this.containers = containers;
        for (String s : filters.get("status")) {
            if (!STATUSES.contains(s)) {
                throw new InvalidParameterException("invalid filter 'status=" + s + "'");
            }
        }
        for (String h : filters.get("health")) {
            if (!Set.of("starting", "healthy", "unhealthy", "none").contains(h)) {
                throw new InvalidParameterException("Unrecognised filter value for health: " + h);
            }
        }
        for (String e : filters.get("exited")) {
            try {
                Integer.parseInt(e);
            } catch (NumberFormatException x) {
                throw new InvalidParameterException("invalid filter 'exited=" + e + "'");
            }
        }
        this.before = filters.has("before") ? containers.get(filters.get("before").iterator().next()) : null;
        this.since = filters.has("since") ? containers.get(filters.get("since").iterator().next()) : null;
    }

    /**
     * moby's name filter: a regular expression found anywhere in the name, with or without its
     * leading "/"; one that does not compile matches nothing.
     */
    static boolean nameMatches(String expression, String name) {
        try {
            Pattern p = Pattern.compile(expression);
            return p.matcher(name).find() || p.matcher(name.substring(1)).find();
        } catch (PatternSyntaxException e) {
            return false;
        }
    }

    /** Filters on status or exit code list stopped containers even without --all. */
    boolean selectsStopped() {
        return filters.has("status") || filters.has("exited");
    }

    @Override
    public boolean test(Container c) {
        ContainerState s = c.state();
        if (!filters.matchesAny("id", v -> c.id().startsWith(v))
                || !filters.matchesAny("name", v -> nameMatches(v, c.name()))
                || !filters.matchesLabels("label", c.config().labels())
                || !filters.matchesAny("status", v -> v.equals(s.status()))
                || !filters.matchesAny("health", v -> v.equals(s.health() == null ? "none" : s.health().status()))
                || (filters.has("exited") && (s.running() || !filters.matchesAny("exited", v -> Integer.parseInt(v) == s.exitCode())
                        || s.startedAt().equals(ContainerState.NEVER)))
                || !filters.matchesAny("ancestor", v -> isAncestor(v, c))
                || !filters.matchesAny("network", v -> c.networks().containsKey(v)
                        || c.networks().values().stream().anyMatch(e -> !v.isEmpty() && e.networkId().startsWith(v)))
                || !filters.matchesAny("expose", v -> hasPort(c.config().exposedPorts(), v))
                || !filters.matchesAny("publish", v -> hasPort(c.hostConfig().portBindings(), v))
                || !filters.matchesAny("volume", v -> ContainerViews.mounts(c).stream()
                        .anyMatch(m -> v.equals(m.get("Name")) || v.equals(m.get("Source")) || v.equals(m.get("Destination"))))
                || !filters.matchesAny("is-task", v -> v.equals("false"))
                || !filters.matchesAny("isolation", v -> v.equals("default") || v.isEmpty())) {
            return false;
        }
        if (before != null && !c.created().isBefore(before.created())) {
            return false;
        }
        return since == null || c.created().isAfter(since.created());
    }

    /** Whether {@code ports} ("80/tcp" keys) has the port a filter names: "80", "80/udp" or a range "8000-8080". */
    private static boolean hasPort(Map<String, ?> ports, String wanted) {
        if (ports == null || ports.isEmpty()) {
            return false;
        }
        String proto = wanted.contains("/") ? wanted.substring(wanted.indexOf('/') + 1) : "tcp";
        String range = wanted.contains("/") ? wanted.substring(0, wanted.indexOf('/')) : wanted;
        int dash = range.indexOf('-');
        try {
            int low = Integer.parseInt(dash < 0 ? range : range.substring(0, dash));
            int high = dash < 0 ? low : Integer.parseInt(range.substring(dash + 1));
            for (String key : ports.keySet()) {
                String[] f = key.split("/");
                int port = Integer.parseInt(f[0]);
                if ((f.length > 1 ? f[1] : "tcp").equals(proto) && port >= low && port <= high) {
                    return true;
                }
            }
        } catch (NumberFormatException e) {
            throw new InvalidParameterException("invalid port filter: " + wanted);
        }
        return false;
    }

    /** The image the container runs is the named one, or a descendant of it. */
    private boolean isAncestor(String ref, Container c) {
        ImageStore.Image image;
        try {
            image = containers.images().resolve(ref);
        } catch (RuntimeException e) {
            return false;
        }
        String wanted = image.id().toString();
        Optional<ImageStore.Image> current = containers.images().images().get(Digest.parse(c.image()));
        while (current.isPresent()) {
            if (current.get().id().toString().equals(wanted)) {
                return true;
            }
            String parent = current.get().json().path("parent").asText("");
            current = parent.isEmpty() ? Optional.empty()
                    : containers.images().images().get(Digest.parse(parent));
        }
        return false;
    }
}
