package io.wharf.network.bridge;

import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Network devices through iproute2: the bridge, and the veth pair that joins a sandbox to it.
 *
 * <p>The pair is made by one {@code ip link add} in the daemon's namespace with its peer created
 * straight in the sandbox ({@code peer name eth0 ... netns SANDBOX}: iproute2 opens a {@code netns}
 * argument that contains a '/' as a path), so the host side is enslaved, sized and up in the same
 * netlink request; one {@code nsenter --net=SANDBOX ip -batch -} then gives the inside its address,
 * routes and {@code lo}. Two processes per join.
 *
 * <p>A bridge this driver makes carries the alias {@value #ALIAS}: deleting a network removes only
 * such a bridge, never one the user made and named (dockerd's ifaceCreatedByUser), and the mark
 * lives in the kernel, so it holds after a daemon restart.
 */
final class Links {

    static final String ALIAS = "wharf";

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern KIND = Pattern.compile("\"info_kind\":\"([^\"]*)\"");
    private static final Pattern ALIAS_FIELD = Pattern.compile("\"ifalias\":\"([^\"]*)\"");
    private static final Pattern IPV4 = Pattern.compile("\"family\":\"inet\",\"local\":\"([0-9.]+)\",\"prefixlen\":(\\d+)");

    private final String ip;
    private final String nsenter;

    Links() {
        this.ip = HostTools.find("ip");
        this.nsenter = HostTools.find("nsenter");
    }

    /** A device as the kernel has it: its kind ("bridge", "veth", ...), alias and IPv4 addresses ("10.0.0.1/24"). */
    record Device(String kind, String alias, List<String> ipv4) {

        boolean isBridge() {
            return "bridge".equals(kind);
        }

        boolean madeByUs() {
            return isBridge() && ALIAS.equals(alias);
        }
    }

    /** The device named {@code name} in the daemon's namespace, or null when there is none. */
    Device device(String name) throws IOException {
        String json;
        try {
            json = HostTools.run(ip, "-d", "-j", "addr", "show", "dev", name);
        } catch (HostTools.ToolException e) {
            if (e.output().contains("does not exist")) {
                return null;
            }
            throw e;
        }
        Matcher kind = KIND.matcher(json);
        Matcher alias = ALIAS_FIELD.matcher(json);
        List<String> ipv4 = new ArrayList<>();
        for (Matcher a = IPV4.matcher(json); a.find();) {
            ipv4.add(a.group(1) + "/" + a.group(2));
        }
        return new Device(kind.find() ? kind.group(1) : "", alias.find() ? alias.group(1) : "", List.copyOf(ipv4));
    }

    /**
     * Makes the bridge when {@code existing} is null (with a fixed random MAC, as dockerd, so that it
     * does not change as ports come and go), or takes the existing one; then its MTU, the gateway
     * address (replaced, so a second call changes nothing) and up: one {@code ip -batch}. A bridge
     * of ours loses IPv4 addresses other than the gateway (a network made again with another
     * subnet), as dockerd's setupVerifyAndReconcile would have it; a user's keeps them.
     */
    void setUpBridge(String name, int mtu, String gateway, Device existing) throws IOException {
        StringBuilder batch = new StringBuilder();
        if (existing == null) {
            batch.append("link add name ").append(name).append(" address ").append(randomMac())
                    .append(" mtu ").append(mtu).append(" type bridge\n");
            batch.append("link set dev ").append(name).append(" alias ").append(ALIAS).append('\n');
        } else {
            batch.append("link set dev ").append(name).append(" mtu ").append(mtu).append('\n');
            if (existing.madeByUs()) {
                for (String address : existing.ipv4()) {
                    if (!address.equals(gateway)) {
                        batch.append("addr del ").append(address).append(" dev ").append(name).append('\n');
                    }
                }
            }
        }
        if (!gateway.isEmpty()) {
            batch.append("addr replace ").append(gateway).append(" dev ").append(name).append('\n');
        }
        batch.append("link set dev ").append(name).append(" up\n");
        HostTools.run(List.of(ip, "-batch", "-"), batch.toString());
    }

    /** Deletes the device; true when it was there. */
    boolean delete(String name) throws IOException {
        try {
            HostTools.run(ip, "link", "del", "dev", name);
            return true;
        } catch (HostTools.ToolException e) {
            if (e.output().contains("Cannot find device") || e.output().contains("does not exist")) {
                return false;
            }
            throw e;
        }
    }

    /**
     * The veth pair: {@code host} in the daemon's namespace, enslaved to {@code bridge} and up; its
     * peer {@code inside} made in the sandbox with {@code mac} (none when empty), both with {@code mtu}.
     */
    void addVeth(String host, String bridge, int mtu, Path sandbox, String inside, String mac) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(ip, "link", "add", "name", host, "mtu",
                Integer.toString(mtu), "master", bridge, "up", "type", "veth", "peer", "name", inside));
        if (mac != null && !mac.isEmpty()) {
            cmd.addAll(List.of("address", mac));
        }
        cmd.addAll(List.of("mtu", Integer.toString(mtu), "netns", sandbox.toAbsolutePath().toString()));
        HostTools.run(cmd, null);
    }

    /**
     * Inside the sandbox: the interface's address and up, {@code lo} up, and the default route
     * through {@code gateway} when it is not empty.
     */
    void setUpInside(Path sandbox, String inside, String address, String gateway) throws IOException {
        StringBuilder batch = new StringBuilder();
        batch.append("addr replace ").append(address).append(" dev ").append(inside).append('\n');
        batch.append("link set dev ").append(inside).append(" up\n");
        batch.append("link set dev lo up\n");
        if (!gateway.isEmpty()) {
            batch.append("route replace default via ").append(gateway).append(" dev ").append(inside).append('\n');
        }
        HostTools.run(List.of(nsenter, "--net=" + sandbox.toAbsolutePath(), ip, "-batch", "-"), batch.toString());
    }

    /** A random unicast, locally administered MAC address, as libnetwork's GenerateRandomMAC. */
    static String randomMac() {
        byte[] b = new byte[6];
        RANDOM.nextBytes(b);
        b[0] = (byte) ((b[0] & 0xfe) | 0x02);
        StringBuilder s = new StringBuilder();
        for (byte x : b) {
            if (!s.isEmpty()) {
                s.append(':');
            }
            s.append(String.format("%02x", x & 0xff));
        }
        return s.toString();
    }
}
