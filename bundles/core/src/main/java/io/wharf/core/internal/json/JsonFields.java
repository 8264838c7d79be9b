package io.wharf.core.internal.json;

import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import io.wharf.core.spi.errors.InvalidParameterException;

/** Fields of a request body read with the API's rules: absent or null is empty, a wrong type is a 400. */
public final class JsonFields {

    private JsonFields() {
    }

    /** A string field; "" when absent or null. */
    public static String text(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return "";
        }
        if (!n.isTextual()) {
            throw new InvalidParameterException("invalid JSON: " + field + " must be a string");
        }
        return n.asText();
    }

    /** An object of strings (labels, options); empty when absent or null. */
    public static Map<String, String> strings(JsonNode body, String field) {
        JsonNode n = body.get(field);
        Map<String, String> out = new LinkedHashMap<>();
        if (n == null || n.isNull()) {
            return out;
        }
        if (!n.isObject()) {
            throw new InvalidParameterException("invalid JSON: " + field + " must be an object of strings");
        }
        n.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }
}
