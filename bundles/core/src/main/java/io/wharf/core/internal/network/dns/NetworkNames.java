package io.wharf.core.internal.network.dns;

import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The names one network gives its endpoints (libnetwork's per-network service records): each
 * endpoint's address under its container's name and its aliases, matched without regard to case, and
 * the container's name for the address. Several endpoints may share a name (a network alias): the name
 * then has all their addresses. Thread-safe; lookups take no lock.
 */
public final class NetworkNames {

    private record Entry(String name, Set<String> names) {
    }

    private final String network;
    private final Map<String, List<Inet4Address>> byName = new ConcurrentHashMap<>();
    private final Map<Inet4Address, Entry> byAddress = new ConcurrentHashMap<>();

    /** @param network the network's name, which a query may append: "web.backend" */
    public NetworkNames(String network) {
        this.network = Objects.requireNonNull(network, "network");
    }

    public String network() {
        return network;
    }

    /**
     * Gives {@code address} the name {@code name} (the container's name, without its leading "/"),
     * which also answers its PTR query, and the {@code aliases}: what dockerd puts there is the
     * endpoint's network aliases and the container's 12-character short id. An address added again
     * first loses its previous names.
     */
    public synchronized void add(Inet4Address address, String name, Collection<String> aliases) {
        remove(address);
        Set<String> names = new LinkedHashSet<>();
        names.add(key(name));
        for (String alias : aliases) {
            names.add(key(alias));
        }
        names.remove("");
        byAddress.put(address, new Entry(name, Set.copyOf(names)));
        for (String n : names) {
            byName.compute(n, (k, old) -> {
                List<Inet4Address> list = old == null ? new ArrayList<>(1) : new ArrayList<>(old);
                list.add(address);
                return List.copyOf(list);
            });
        }
    }

    /** Takes {@code address} and its names away; nothing when it has none. */
    public synchronized void remove(Inet4Address address) {
        Entry entry = byAddress.remove(address);
        if (entry == null) {
            return;
        }
        for (String n : entry.names()) {
            byName.computeIfPresent(n, (k, old) -> {
                List<Inet4Address> list = new ArrayList<>(old);
                list.remove(address);
                return list.isEmpty() ? null : List.copyOf(list);
            });
        }
    }

    /** The addresses named {@code name} (any case, with or without a trailing dot), empty when none. */
    public List<Inet4Address> lookup(String name) {
        List<Inet4Address> found = byName.get(key(name));
        return found == null ? List.of() : found;
    }

    /** "container.network" for {@code address}, as dockerd answers a PTR query, or null. */
    public String reverse(Inet4Address address) {
        Entry entry = byAddress.get(address);
        if (entry == null) {
            return null;
        }
        return network.isEmpty() ? entry.name() : entry.name() + "." + network;
    }

    private static String key(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }
}
