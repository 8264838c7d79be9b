package io.wharf.core.internal.container;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import io.wharf.core.internal.network.EndpointSettings;
import io.wharf.core.internal.network.SandboxState;

/**
 * What config.v2.json holds for one container (moby's container.Container, less what Wharf does
 * not keep): identity, what it runs, its state and where its files are. The HostConfig is kept
 * beside it in hostconfig.json.
 *
 * @param hasBeenManuallyStopped whether a user stopped it (restart policies leave it stopped,
 *                               also across a daemon restart)
 * @param volumeMounts           the volumes it mounts
 * @param sharedBinds            the binds it has from --volumes-from containers
 * @param networks               the networks it is on, by name, with the endpoint of its current run
 * @param sandbox                its current run's networking, or null
 */
@JsonNaming(PropertyNamingStrategies.UpperCamelCaseStrategy.class)
public record ContainerRecord(@JsonProperty("ID") String id, String created, String path, List<String> args,
        ContainerConfig config, String image, String name, int restartCount, String driver, String platform,
        ContainerState state, String logPath, String hostnamePath, String hostsPath, String resolvConfPath,
        boolean hasBeenStartedBefore, boolean hasBeenManuallyStopped, List<VolumeMount> volumeMounts,
        List<SharedBind> sharedBinds, Map<String, EndpointSettings> networks, SandboxState sandbox) {

    public ContainerRecord {
        volumeMounts = volumeMounts == null ? List.of() : List.copyOf(volumeMounts);
        sharedBinds = sharedBinds == null ? List.of() : List.copyOf(sharedBinds);
        networks = networks == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(networks));
    }
}
