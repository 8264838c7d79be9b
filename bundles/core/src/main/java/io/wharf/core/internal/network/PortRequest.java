package io.wharf.core.internal.network;

/**
 * One port a container publishes, as HostConfig.PortBindings asks for it.
 *
 * @param port     the container's port and protocol, "80/tcp"
 * @param hostIp   the host address, "" for all
 * @param hostPort the host port, "" or "0" for an ephemeral one
 */
public record PortRequest(String port, String hostIp, String hostPort) {
}
