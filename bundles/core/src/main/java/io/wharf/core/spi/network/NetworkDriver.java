package io.wharf.core.spi.network;

import java.io.IOException;
import java.nio.file.Path;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A network driver (libnetwork's driverapi.Driver, local scope): it makes a network's kernel
 * state, and joins sandboxes (network namespaces, one per running container) to it through
 * endpoints. Methods may be called from several threads at once, for different networks and
 * endpoints.
 */
@ConsumerType
public interface NetworkDriver {

    /** Service property: the driver's name, as users give it to {@code docker network create -d}. */
    String NAME = "wharf.networkdriver.name";

    /** The daemon's settings that concern the driver; called when the driver arrives, before any other call. */
    void configure(DriverSettings settings) throws IOException;

    /**
     * Makes the network's kernel state (a bridge device with the gateway addresses, firewall
     * rules), or finds it already there: called when the network is created, and again for every
     * network at start-up and when the driver comes back.
     *
     * @throws io.wharf.core.spi.errors.InvalidParameterException for an option the driver refuses
     */
    void createNetwork(Network network) throws IOException;

    /**
     * Removes what {@link #createNetwork} made; state already gone is no error. Called when the
     * network is removed, and at a daemon shutdown that stops the containers (no live restore).
     */
    void deleteNetwork(Network network) throws IOException;

    /**
     * Connects the network namespace bound at {@code sandbox} to the network: an interface named
     * {@link Endpoint#interfaceName()} inside it with the endpoint's address, MAC and the network's
     * MTU, a default route through the gateway when {@link Endpoint#defaultRoute()}, and whatever
     * forwards the endpoint's published ports to it.
     */
    void join(Network network, Endpoint endpoint, Path sandbox) throws IOException;

    /**
     * Undoes {@link #join}: removes the interface and the port forwarding. The sandbox may be gone
     * already (its interfaces went with it); that is no error.
     */
    void leave(Network network, Endpoint endpoint, Path sandbox) throws IOException;
}
