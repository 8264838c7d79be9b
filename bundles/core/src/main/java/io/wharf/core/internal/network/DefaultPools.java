package io.wharf.core.internal.network;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

import io.wharf.core.spi.errors.ForbiddenException;
import io.wharf.core.spi.errors.InvalidParameterException;

/**
 * libnetwork's predefined local address pools (172.17.0.0/16 to 172.31.0.0/16, then 192.168.0.0/16
 * cut into /20s) and the choice of the first that overlaps neither another network nor a route of
 * the host.
 */
final class DefaultPools {

    private static final Path ROUTES = Path.of("/proc/net/route");

    private DefaultPools() {
    }

    /**
     * The pools of {@code --default-address-pool base=CIDR,size=N} flags, each base cut into
     * subnets of prefix length N; dockerd's predefined ones when there are none.
     */
    static List<Subnet4> configured(List<String> flags) {
        if (flags.isEmpty()) {
            return predefined();
        }
        List<Subnet4> pools = new ArrayList<>();
        for (String flag : flags) {
            String base = null;
            int size = -1;
            for (String part : flag.split(",")) {
                String[] kv = part.split("=", 2);
                if (kv.length == 2 && kv[0].trim().equals("base")) {
                    base = kv[1].trim();
                } else if (kv.length == 2 && kv[0].trim().equals("size")) {
                    try {
                        size = Integer.parseInt(kv[1].trim());
                    } catch (NumberFormatException e) {
                        size = -1;
                    }
                }
            }
            if (base == null) {
                throw new InvalidParameterException("invalid default address pool " + flag + ": base=CIDR is missing");
            }
            Subnet4 b = Subnet4.parse(base);
            if (size < b.prefix() || size > 32) {
                throw new InvalidParameterException("invalid default address pool " + flag
                        + ": size must be between the base's prefix length and 32");
            }
            for (long start = b.base(); start <= b.last() && pools.size() < 1 << 16; start += 1L << (32 - size)) {
                pools.add(new Subnet4(start, size));
            }
        }
        return pools;
    }

    static List<Subnet4> predefined() {
        List<Subnet4> pools = new ArrayList<>();
        for (int second = 17; second <= 31; second++) {
            pools.add(new Subnet4(172L << 24 | (long) second << 16, 16));
        }
        for (int third = 0; third < 256; third += 16) {
            pools.add(new Subnet4(192L << 24 | 168L << 16 | (long) third << 8, 20));
        }
        return pools;
    }

    /**
     * The first of {@code pools} that overlaps none of {@code taken} and no route of the host
     * outside {@code ownDevices} (the daemon's own bridges, whose routes are its networks').
     */
    static Subnet4 choose(List<Subnet4> pools, Collection<Subnet4> taken, Set<String> ownDevices) {
        List<Subnet4> busy = new ArrayList<>(taken);
        busy.addAll(hostRoutes(ownDevices));
        for (Subnet4 candidate : pools) {
            if (busy.stream().noneMatch(candidate::overlaps)) {
                return candidate;
            }
        }
        throw new ForbiddenException(
                "could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network");
    }

    /** The destinations of the host's IPv4 routes, less the default route and those through {@code ownDevices}. */
    static List<Subnet4> hostRoutes(Set<String> ownDevices) {
        List<Subnet4> out = new ArrayList<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(ROUTES);
        } catch (IOException e) {
            return out;
        }
        for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 8 || ownDevices.contains(f[0])) {
                continue;
            }
            long destination = Long.reverseBytes(Long.parseLong(f[1], 16) << 32) & 0xFFFFFFFFL;
            long mask = Long.reverseBytes(Long.parseLong(f[7], 16) << 32) & 0xFFFFFFFFL;
            int prefix = Long.bitCount(mask);
            if (prefix > 0) {
                out.add(new Subnet4(destination, prefix));
            }
        }
        return out;
    }
}
