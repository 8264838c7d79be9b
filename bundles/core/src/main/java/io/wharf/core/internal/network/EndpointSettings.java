package io.wharf.core.internal.network;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * A container's settings on one network, as NetworkingConfig.EndpointsConfig carries them in and
 * NetworkSettings.Networks shows them: what the user asked for (addresses, aliases, links), and
 * while the container runs the endpoint it has (ids, address, gateway, MAC).
 */
@JsonNaming(PropertyNamingStrategies.UpperCamelCaseStrategy.class)
@JsonIgnoreProperties(ignoreUnknown = true)
public record EndpointSettings(@JsonProperty("IPAMConfig") EndpointIpam ipamConfig, List<String> links,
        List<String> aliases, @JsonProperty("NetworkID") String networkId, @JsonProperty("EndpointID") String endpointId,
        String gateway, @JsonProperty("IPAddress") String ipAddress, @JsonProperty("IPPrefixLen") int ipPrefixLen,
        @JsonProperty("IPv6Gateway") String ipv6Gateway, @JsonProperty("GlobalIPv6Address") String globalIPv6Address,
        @JsonProperty("GlobalIPv6PrefixLen") int globalIPv6PrefixLen, String macAddress,
        Map<String, String> driverOpts) {

    public EndpointSettings {
        networkId = networkId == null ? "" : networkId;
        endpointId = endpointId == null ? "" : endpointId;
        gateway = gateway == null ? "" : gateway;
        ipAddress = ipAddress == null ? "" : ipAddress;
        ipv6Gateway = ipv6Gateway == null ? "" : ipv6Gateway;
        globalIPv6Address = globalIPv6Address == null ? "" : globalIPv6Address;
        macAddress = macAddress == null ? "" : macAddress;
    }

    /** Settings with nothing asked for. */
    public static EndpointSettings empty() {
        return new EndpointSettings(null, null, null, "", "", "", "", 0, "", "", 0, "", null);
    }

    /** The address the user asked for (--ip), or "". */
    public String requestedAddress() {
        return ipamConfig == null || ipamConfig.ipv4Address() == null ? "" : ipamConfig.ipv4Address();
    }

    /** The same request with the endpoint a run has. */
    EndpointSettings active(String network, String endpoint, String gatewayAddress, String address, int prefix,
            String mac, List<String> allAliases) {
        return new EndpointSettings(ipamConfig, links, allAliases, network, endpoint, gatewayAddress, address, prefix,
                "", "", 0, mac, driverOpts);
    }

    /** The request alone, as a stopped container shows it. */
    public EndpointSettings inactive() {
        return new EndpointSettings(ipamConfig, links, aliases, networkId, "", "", "", 0, "", "", 0, "", driverOpts);
    }

    EndpointSettings withNetworkId(String id) {
        return new EndpointSettings(ipamConfig, links, aliases, id, endpointId, gateway, ipAddress, ipPrefixLen,
                ipv6Gateway, globalIPv6Address, globalIPv6PrefixLen, macAddress, driverOpts);
    }

    EndpointSettings withAliases(List<String> value) {
        return new EndpointSettings(ipamConfig, links, value, networkId, endpointId, gateway, ipAddress, ipPrefixLen,
                ipv6Gateway, globalIPv6Address, globalIPv6PrefixLen, macAddress, driverOpts);
    }

    /** IPAMConfig: the addresses the user asked for. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record EndpointIpam(@JsonProperty("IPv4Address") String ipv4Address,
            @JsonProperty("IPv6Address") String ipv6Address, @JsonProperty("LinkLocalIPs") List<String> linkLocalIps) {
    }
}
