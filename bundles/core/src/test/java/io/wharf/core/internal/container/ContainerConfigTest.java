package io.wharf.core.internal.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.wharf.core.internal.json.Json;

/** The merge of a create's Config with its image's, as moby's merge and mergeAndVerifyConfig do it. */
class ContainerConfigTest {
    private static final ContainerConfig IMAGE = config("{\"Entrypoint\":[\"/entry\"],\"Cmd\":[\"serve\"]}");

    private static ContainerConfig config(String json) {
        try {
            return Json.MAPPER.readValue(json, ContainerConfig.class);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void nothingGivenTakesTheImagesEntrypointAndCommand() {
        ContainerConfig c = config("{}").withImageDefaults(IMAGE, "img");
        assertEquals(List.of("/entry"), c.entrypoint());
        assertEquals(List.of("serve"), c.cmd());
    }

    @Test
    void aCommandGivenKeepsTheImagesEntrypoint() {
        ContainerConfig c = config("{\"Cmd\":[\"other\"]}").withImageDefaults(IMAGE, "img");
        assertEquals(List.of("/entry"), c.entrypoint());
        assertEquals(List.of("other"), c.cmd());
    }

    @Test
    void anEntrypointGivenDropsTheImagesCommand() {
        ContainerConfig c = config("{\"Entrypoint\":[\"sh\"]}").withImageDefaults(IMAGE, "img");
        assertEquals(List.of("sh"), c.entrypoint());
        assertEquals(List.of(), c.cmd() == null ? List.of() : c.cmd());
    }

    @Test
    void anEmptyStringEntrypointMeansNoneAndKeepsTheCommandGiven() {
        ContainerConfig c = config("{\"Entrypoint\":[\"\"],\"Cmd\":[\"echo\",\"x\"]}").withImageDefaults(IMAGE, "img");
        assertNull(c.entrypoint(), "docker run --entrypoint '' runs the command alone");
        assertEquals(List.of("echo", "x"), c.cmd());
    }

    @Test
    void aCommandOrEntrypointGivenAsOneStringIsAListOfIt() {
        ContainerConfig c = config("{\"Entrypoint\":\"/bin/sh\",\"Cmd\":\"true\"}");
        assertEquals(List.of("/bin/sh"), c.entrypoint(), "moby's StrSlice takes a string too");
        assertEquals(List.of("true"), c.cmd());
    }

    @Test
    void anEmptyEntrypointTakesTheImagesCommand() {
        ContainerConfig c = config("{\"Entrypoint\":[]}").withImageDefaults(IMAGE, "img");
        assertEquals(List.of(), c.entrypoint());
        assertEquals(List.of("serve"), c.cmd());
    }
}
