package io.wharf.core.internal.network;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

import io.wharf.core.spi.errors.ForbiddenException;

/**
 * libnetwork's predefined local address pools (172.17.0.0/16 to 172.31.0.0/16, then 192.168.0.0/16
 * cut into /20s) and the choice of the first that overlaps neither another network nor a route of
 * the host.
 */
final class DefaultPools {

    private static final Path ROUTES = Path.of("/proc/net/route");

    private DefaultPools() {
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
     * The first predefined pool that overlaps none of {@code taken} and no route of the host
     * outside {@code ownDevices} (the daemon's own bridges, whose routes are its networks').
     */
    static Subnet4 choose(Collection<Subnet4> taken, Set<String> ownDevices) {
        List<Subnet4> busy = new ArrayList<>(taken);
        busy.addAll(hostRoutes(ownDevices));
        for (Subnet4 candidate : predefined()) {
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
