package io.wharf.core.internal.json;

import java.util.Collection;
import java.util.stream.Collectors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import io.wharf.core.spi.errors.InvalidParameterException;

/** The core's one JSON mapper: thread-safe, shared, configured once. */
public final class Json {

    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private Json() {
    }

    /**
     * A part of a request's body as {@code type}: a value of the wrong type is the request's
     * mistake (400, naming the field), not the daemon's.
     */
    public static <T> T fromRequest(JsonNode node, Class<T> type) {
        try {
            return MAPPER.treeToValue(node, type);
        } catch (JsonProcessingException e) {
            throw requestError(e);
        }
    }

    /**
     * A request body that cannot be read, as the client should see it: the field it failed at and
     * the JSON kind that field takes ("invalid JSON: Cmd: expected an array"), not Jackson's
     * words about the daemon's classes; a syntax error keeps the parser's message.
     */
    public static InvalidParameterException requestError(JsonProcessingException e) {
        String field = e instanceof JsonMappingException m ? m.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining(".")) : "";
        String what = e instanceof MismatchedInputException m && m.getTargetType() != null
                ? "expected " + kind(m.getTargetType()) : e.getOriginalMessage();
        return new InvalidParameterException("invalid JSON: " + (field.isEmpty() ? "" : field + ": ") + what, e);
    }

    private static String kind(Class<?> type) {
        if (type.isArray() || Collection.class.isAssignableFrom(type)) {
            return "an array";
        }
        if (type == String.class || type == char.class || type == Character.class || type.isEnum()) {
            return "a string";
        }
        if (type == boolean.class || type == Boolean.class) {
            return "a boolean";
        }
        if (type.isPrimitive() || Number.class.isAssignableFrom(type)) {
            return "a number";
        }
        return "an object";
    }

    public static byte[] bytes(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write JSON for " + value.getClass().getName(), e);
        }
    }
}
