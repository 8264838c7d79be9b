package io.wharf.core.internal.container.spec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.StreamSupport;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import io.wharf.core.internal.container.ContainerConfig;
import io.wharf.core.internal.container.HostConfig;
import io.wharf.core.internal.json.Json;

/**
 * Containers described as the API describes them (Config and HostConfig JSON), a fixed platform,
 * and the spec's JSON read back as a tree, so tests assert on what containerd would receive.
 */
final class SpecFixtures {

    static final String ID = "0123456789ab";

    /** Every known capability but CAP_SYS_RESOURCE, which root lacks on this machine. */
    static final List<String> CAPABILITIES = Capabilities.ALL.stream().filter(c -> !c.equals("CAP_SYS_RESOURCE"))
            .toList();

    private SpecFixtures() {
    }

    /** A Config from JSON with single quotes for readability; Cmd defaults to ["sh"]. */
    static ContainerConfig config(String json) {
        ContainerConfig c = read(json, ContainerConfig.class);
        return c.cmd() == null && c.entrypoint() == null
                ? read(json.replaceFirst("\\{", json.strip().equals("{}") ? "{'Cmd':['sh']" : "{'Cmd':['sh'],"),
                        ContainerConfig.class)
                : c;
    }

    /** A HostConfig from JSON (single quotes allowed), adapted as create stores it. */
    static HostConfig host(String json) {
        return ContainerSettings.adapt(rawHost(json));
    }

    /** A HostConfig with one field set to a value awkward to write in JSON, adapted. */
    static HostConfig hostWith(String field, Object value) {
        return ContainerSettings.adapt(Json.MAPPER.convertValue(Map.of(field, value), HostConfig.class));
    }

    /** A HostConfig from JSON as the request carries it, not adapted. */
    static HostConfig rawHost(String json) {
        return read(json, HostConfig.class);
    }

    private static <T> T read(String json, Class<T> type) {
        try {
            return Json.MAPPER.readValue(json.replace('\'', '"'), type);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(json, e);
        }
    }

    /**
     * Two CPUs, a hard nofile limit of 20000 and no CAP_SYS_RESOURCE (as on this machine), kernel
     * 5.10, both network sysctls.
     */
    static SpecPlatform platform(Path initBinary) {
        return new SpecPlatform("/wharf", "5.10.0-21-amd64", 2, "0-1", "0",
                Map.of("RLIMIT_NOFILE", 20000L, "RLIMIT_NPROC", -1L), List.of(),
                Map.of("net.ipv4.ping_group_range", "0 2147483647", "net.ipv4.ip_unprivileged_port_start", "0"),
                initBinary, false, false, CAPABILITIES);
    }

    /** A container with no network files, shm directory or namespaces to join. */
    static SpecInput input(Path rootfs, ContainerConfig config, HostConfig host) {
        return new SpecInput(ID, config, host, rootfs, null, null, null, null, null, null, null, Map.of(), Set.of());
    }

    /** The spec's JSON bytes, parsed. */
    static JsonNode json(OciSpec spec) {
        try {
            return Json.MAPPER.readTree(spec.json());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The texts of a JSON array; none for a missing or null one. */
    static List<String> strings(JsonNode array) {
        return array == null || array.isMissingNode() || array.isNull() ? List.of()
                : StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
    }

    /** A root file system with /etc/passwd and /etc/group. */
    static Path rootfs(Path dir, String passwd, String group) {
        try {
            Files.createDirectories(dir.resolve("etc"));
            Files.writeString(dir.resolve("etc/passwd"), passwd);
            Files.writeString(dir.resolve("etc/group"), group);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
