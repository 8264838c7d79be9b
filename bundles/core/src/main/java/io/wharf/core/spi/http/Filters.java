package io.wharf.core.spi.http;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.wharf.core.spi.errors.InvalidParameterException;

/**
 * The {@code filters} query parameter of list and event endpoints: a JSON object from filter
 * name to values, as {@code {"type":["daemon"]}} or the older {@code {"type":{"daemon":true}}}.
 */
public final class Filters {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Filters NONE = new Filters(Map.of());

    private final Map<String, Set<String>> values;

    private Filters(Map<String, Set<String>> values) {
        this.values = values;
    }

    /** Parses the parameter; absent or empty means no filter. */
    public static Filters parse(String json) {
        if (json == null || json.isBlank()) {
            return NONE;
        }
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new InvalidParameterException("invalid filter: " + e.getOriginalMessage());
        }
        if (!root.isObject()) {
            throw new InvalidParameterException("invalid filter: expected a JSON object");
        }
        Map<String, Set<String>> out = new LinkedHashMap<>();
        for (var it = root.fields(); it.hasNext();) {
            var field = it.next();
            Set<String> set = new LinkedHashSet<>();
            JsonNode v = field.getValue();
            if (v.isArray()) {
                v.forEach(item -> set.add(item.asText()));
            } else if (v.isObject()) {
                v.fields().forEachRemaining(e -> {
                    if (e.getValue().asBoolean()) {
                        set.add(e.getKey());
                    }
                });
            } else {
                throw new InvalidParameterException("invalid filter '" + field.getKey() + "'");
            }
            out.put(field.getKey(), Collections.unmodifiableSet(set));
        }
        return new Filters(Collections.unmodifiableMap(out));
    }

    public boolean isEmpty() {
        return values.isEmpty();
    }

    public Set<String> keys() {
        return values.keySet();
    }

    public Set<String> get(String key) {
        return values.getOrDefault(key, Set.of());
    }

    public boolean has(String key) {
        return values.containsKey(key);
    }

    /** Refuses filter names outside {@code accepted} with dockerd's message. */
    public void validate(Set<String> accepted) {
        for (String key : values.keySet()) {
            if (!accepted.contains(key)) {
                throw new InvalidParameterException("invalid filter '" + key + "'");
            }
        }
    }

    /** True when the filter is absent or any of its values satisfies {@code test}. */
    public boolean matchesAny(String key, Predicate<String> test) {
        Set<String> wanted = values.get(key);
        return wanted == null || wanted.stream().anyMatch(test);
    }

    /**
     * dockerd's label filter: every value, "key" or "key=value", must be found in {@code labels}.
     */
    public boolean matchesLabels(String key, Map<String, String> labels) {
        for (String wanted : get(key)) {
            int eq = wanted.indexOf('=');
            if (eq < 0 ? !labels.containsKey(wanted) : !wanted.substring(eq + 1).equals(labels.get(wanted.substring(0, eq)))) {
                return false;
            }
        }
        return true;
    }
}
