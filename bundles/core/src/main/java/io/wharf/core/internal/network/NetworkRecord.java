package io.wharf.core.internal.network;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * One network as data-root/network/networks/ID.json keeps it and {@code docker network inspect}
 * shows it (less "Containers", which the controller adds from the live endpoints).
 */
@JsonNaming(PropertyNamingStrategies.UpperCamelCaseStrategy.class)
@JsonIgnoreProperties(ignoreUnknown = true)
public record NetworkRecord(String name, String id, String created, String scope, String driver,
        @JsonProperty("EnableIPv6") boolean enableIPv6, @JsonProperty("IPAM") Ipam ipam, boolean internal,
        boolean attachable, boolean ingress, Map<String, String> configFrom, boolean configOnly,
        Map<String, String> options, Map<String, String> labels) {

    public NetworkRecord {
        options = options == null ? Map.of() : Map.copyOf(options);
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        configFrom = Map.of("Network", "");
    }

    NetworkRecord withOptions(Map<String, String> value) {
        return new NetworkRecord(name, id, created, scope, driver, enableIPv6, ipam, internal, attachable, ingress,
                configFrom, configOnly, value, labels);
    }

    NetworkRecord withIpam(Ipam value) {
        return new NetworkRecord(name, id, created, scope, driver, enableIPv6, value, internal, attachable, ingress,
                configFrom, configOnly, options, labels);
    }

    /** The IPAM section: the driver ("default"), its options and one config per subnet. */
    @JsonNaming(PropertyNamingStrategies.UpperCamelCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Ipam(String driver, Map<String, String> options, List<IpamConfig> config) {

        public Ipam {
            driver = driver == null || driver.isEmpty() ? "default" : driver;
            config = config == null ? List.of() : List.copyOf(config);
        }
    }

    /** One subnet: its CIDR, the --ip-range containers take addresses from, the gateway and reserved addresses. */
    @JsonNaming(PropertyNamingStrategies.UpperCamelCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record IpamConfig(String subnet, @JsonProperty("IPRange") String ipRange, String gateway,
            Map<String, String> auxiliaryAddresses) {

        public IpamConfig {
            subnet = subnet == null ? "" : subnet;
            ipRange = ipRange == null ? "" : ipRange;
            gateway = gateway == null ? "" : gateway;
        }
    }
}
