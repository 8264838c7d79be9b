package io.wharf.core.internal.container.spec;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import io.wharf.core.internal.container.ContainerConfig;
import io.wharf.core.internal.container.HostConfig;

/**
 * One container, as its spec is built at start.
 *
 * @param containerId the container's id, the last part of its cgroup path
 * @param config its Config, merged with the image's
 * @param host its HostConfig, as {@link ContainerSettings#adapt} left it at create
 * @param rootfs the host directory where its root file system is mounted
 * @param hostnameFile the file to bind at /etc/hostname, or null for none
 * @param hostsFile the file to bind at /etc/hosts, or null for none
 * @param resolvConfFile the file to bind at /etc/resolv.conf, or null for none
 * @param shmDir the host directory to bind at /dev/shm for IpcMode "shareable" or "container:";
 *        null gives the spec's own tmpfs of ShmSize
 * @param networkNamespacePath the network namespace to join (another container's, or one the
 *        network layer prepared); null makes a new one, and NetworkMode "host" uses the host's
 * @param ipcNamespacePath the IPC namespace to join for IpcMode "container:", else null
 * @param pidNamespacePath the PID namespace to join for PidMode "container:", else null
 * @param volumeSources the host directory of each volume mount, by its destination in the container
 * @param readOnlyVolumes the destinations of volumes not given as user mounts (the image's, or
 *        --volumes-from's) that are mounted read-only
 */
public record SpecInput(String containerId, ContainerConfig config, HostConfig host, Path rootfs, Path hostnameFile,
        Path hostsFile, Path resolvConfFile, Path shmDir, String networkNamespacePath, String ipcNamespacePath,
        String pidNamespacePath, Map<String, String> volumeSources, Set<String> readOnlyVolumes) {
}
