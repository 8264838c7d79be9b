package io.wharf.core.internal.container;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * What config.v2.json holds for one container (moby's container.Container, less what Wharf does
 * not keep): identity, what it runs, its state and where its files are. The HostConfig is kept
 * beside it in hostconfig.json.
 *
 * @param hasBeenManuallyStopped whether a user stopped it (restart policies leave it stopped,
 *                               also across a daemon restart)
 * @param volumeMounts           the volumes it mounts
 */
@JsonNaming(PropertyNamingStrategies.UpperCamelCaseStrategy.class)
public record ContainerRecord(@JsonProperty("ID") String id, String created, String path, List<String> args,
        ContainerConfig config, String image, String name, int restartCount, String driver, String platform,
        ContainerState state, String logPath, String hostnamePath, String hostsPath, String resolvConfPath,
        boolean hasBeenStartedBefore, boolean hasBeenManuallyStopped, List<VolumeMount> volumeMounts) {

    public ContainerRecord {
        volumeMounts = volumeMounts == null ? List.of() : List.copyOf(volumeMounts);
    }
}
