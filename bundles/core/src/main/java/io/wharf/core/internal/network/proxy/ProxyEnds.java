package io.wharf.core.internal.network.proxy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.NetworkChannel;

/** What both halves of {@link PortProxy} know alike: their protocol, the host end listened on and the container's end. */
abstract sealed class ProxyEnds implements PortProxy permits TcpProxy, UdpProxy {

    private final String protocol;
    private final InetSocketAddress host;
    private final InetSocketAddress container;

    ProxyEnds(String protocol, NetworkChannel listener, InetSocketAddress container) {
        this.protocol = protocol;
        this.container = container;
        try {
            this.host = (InetSocketAddress) listener.getLocalAddress();
        } catch (IOException e) {
            throw new IllegalStateException("listener closed", e);
        }
    }

    @Override
    public final String protocol() {
        return protocol;
    }

    @Override
    public final InetSocketAddress hostAddress() {
        return host;
    }

    @Override
    public final InetSocketAddress containerAddress() {
        return container;
    }
}
