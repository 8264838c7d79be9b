package io.wharf.core.internal.server;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.wharf.core.spi.router.Route;

/**
 * An immutable snapshot of every router's routes. Literal paths are looked up by hash; templated
 * ones are tried in declaration order. A new snapshot replaces the old when routers come or go.
 */
final class RouteTable {

    static final RouteTable EMPTY = new RouteTable(List.of());

    private static final Pattern PARAM = Pattern.compile("\\{([a-zA-Z0-9_]+)(:[^}]*)?}");

    private final Map<String, Map<String, Route>> literal = new HashMap<>();
    private final List<Templated> templated = new ArrayList<>();

    private record Templated(Pattern pattern, List<String> names, Route route) {
    }

    /** A matched route and the values of its path parameters. */
    record Match(Route route, Map<String, String> params) {
    }

    RouteTable(List<Route> routes) {
        for (Route r : routes) {
            if (r.path().indexOf('{') < 0) {
                literal.computeIfAbsent(r.path(), p -> new HashMap<>()).putIfAbsent(r.method(), r);
            } else {
                List<String> names = new ArrayList<>();
                StringBuilder regex = new StringBuilder();
                Matcher m = PARAM.matcher(r.path());
                int last = 0;
                while (m.find()) {
                    regex.append(Pattern.quote(r.path().substring(last, m.start())));
                    names.add(m.group(1));
                    regex.append(m.group(2) == null ? "([^/]+)" : "(" + m.group(2).substring(1) + ")");
                    last = m.end();
                }
                regex.append(Pattern.quote(r.path().substring(last)));
                templated.add(new Templated(Pattern.compile(regex.toString()), List.copyOf(names), r));
            }
        }
    }

    /** The route for this method and path, or null (dockerd answers 404 for both kinds of miss). */
    Match match(String method, String path) {
        Map<String, Route> byMethod = literal.get(path);
        if (byMethod != null) {
            Route r = byMethod.get(method);
            if (r != null) {
                return new Match(r, Map.of());
            }
        }
        for (Templated t : templated) {
            if (!t.route().method().equals(method)) {
                continue;
            }
            Matcher m = t.pattern().matcher(path);
            if (m.matches()) {
                Map<String, String> params = new LinkedHashMap<>();
                for (int i = 0; i < t.names().size(); i++) {
                    params.put(t.names().get(i), m.group(i + 1));
                }
                return new Match(t.route(), params);
            }
        }
        return null;
    }
}
