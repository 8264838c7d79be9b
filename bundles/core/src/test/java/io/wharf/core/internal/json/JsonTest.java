package io.wharf.core.internal.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.wharf.core.spi.errors.InvalidParameterException;

class JsonTest {

    record Limits(long memory, List<Integer> cpus) {
    }

    @Test
    void aValueOfTheWrongTypeInARequestIsA400NamingTheField() throws Exception {
        InvalidParameterException e = assertThrows(InvalidParameterException.class,
                () -> Json.fromRequest(Json.MAPPER.readTree("{\"memory\":\"lots\"}"), Limits.class));
        assertEquals("invalid JSON: memory: expected a number", e.getMessage());
        e = assertThrows(InvalidParameterException.class,
                () -> Json.fromRequest(Json.MAPPER.readTree("{\"cpus\":[1,\"x\"]}"), Limits.class));
        assertEquals("invalid JSON: cpus.[1]: expected a number", e.getMessage());
        e = assertThrows(InvalidParameterException.class, () -> Json.fromRequest(Json.MAPPER.readTree("[1]"), Limits.class));
        assertEquals("invalid JSON: expected an object", e.getMessage(), "no word of the daemon's classes");
        assertEquals(new Limits(5, List.of(1)), Json.fromRequest(Json.MAPPER.readTree("{\"memory\":5,\"cpus\":[1]}"),
                Limits.class));
    }
}
