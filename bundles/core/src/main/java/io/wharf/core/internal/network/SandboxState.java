package io.wharf.core.internal.network;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * A running container's networking, kept in its record so that a restarted daemon can release or
 * re-adopt it: the network namespace, the endpoints by network name, the published ports by
 * container port ("80/tcp"; null for a port only exposed) and whether it has the embedded DNS.
 */
@JsonNaming(PropertyNamingStrategies.UpperCamelCaseStrategy.class)
@JsonIgnoreProperties(ignoreUnknown = true)
public record SandboxState(@JsonProperty("SandboxID") String sandboxId, String sandboxKey,
        Map<String, EndpointSettings> networks, Map<String, List<PublishedPort>> ports, boolean embeddedDns) {

    public SandboxState {
        networks = networks == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(networks));
        ports = ports == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(ports));
    }

    SandboxState withNetworks(Map<String, EndpointSettings> value) {
        return new SandboxState(sandboxId, sandboxKey, value, ports, embeddedDns);
    }
}
