package io.wharf.core.spi.network;

/**
 * The daemon's networking flags, as every driver sees them.
 *
 * @param iptables   {@code --iptables}: the driver makes firewall rules; when false it makes none
 * @param ipForward  {@code --ip-forward}: the driver turns on the host's IPv4 forwarding
 * @param mtu        {@code --mtu}: the MTU of networks that do not set their own
 */
public record DriverSettings(boolean iptables, boolean ipForward, int mtu) {
}
