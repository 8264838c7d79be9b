package io.wharf.core.internal.network.dns;

import java.net.Inet4Address;
import java.util.Collection;
import java.util.List;
import java.util.function.Supplier;

/**
 * What one container's embedded DNS server answers itself (libnetwork's DNSBackend): the addresses of
 * the names it can see on its networks, and the name of an address. Everything else goes upstream.
 * Called from the server's threads, so implementations are thread-safe, and quick: a lookup holds up
 * the queries behind it.
 */
public interface Names {

    /**
     * The IPv4 addresses of {@code name}, as asked: lower-case, without a trailing dot, possibly
     * "name.network". Empty when the name is not known here (the query goes upstream).
     */
    List<Inet4Address> lookup(String name);

    /** The name of {@code address} for a PTR answer, as "container.network", or null when it is not known here. */
    String reverse(Inet4Address address);

    /**
     * The names seen from a container on the networks {@code networks} gives at each query, searched
     * as dockerd does (libnetwork's Sandbox.ResolveName): "a.b.c" is looked for whole on every network,
     * then as "a.b" on the network named "c", then as "a" on the network named "b.c"; the first network
     * that knows it answers. A reverse lookup answers from the first network that knows the address.
     */
    static Names over(Supplier<? extends Collection<NetworkNames>> networks) {
        return new Names() {
            @Override
            public List<Inet4Address> lookup(String name) {
                Collection<NetworkNames> all = networks.get();
                for (NetworkNames network : all) {
                    List<Inet4Address> found = network.lookup(name);
                    if (!found.isEmpty()) {
                        return found;
                    }
                }
                for (int dot = name.lastIndexOf('.'); dot > 0; dot = name.lastIndexOf('.', dot - 1)) {
                    String networkName = name.substring(dot + 1);
                    for (NetworkNames network : all) {
                        if (network.network().equalsIgnoreCase(networkName)) {
                            List<Inet4Address> found = network.lookup(name.substring(0, dot));
                            if (!found.isEmpty()) {
                                return found;
                            }
                        }
                    }
                }
                return List.of();
            }

            @Override
            public String reverse(Inet4Address address) {
                for (NetworkNames network : networks.get()) {
                    String name = network.reverse(address);
                    if (name != null) {
                        return name;
                    }
                }
                return null;
            }
        };
    }
}
