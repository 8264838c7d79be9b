package io.wharf.core.internal.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.ArrayList;
import java.util.List;

import org.eclipse.jetty.server.AbstractConnector;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.wharf.core.internal.config.DaemonConfig;
import io.wharf.core.internal.config.ListenAddress;
import io.wharf.core.internal.container.ContainerService;
import io.wharf.core.internal.daemon.DaemonContext;
import io.wharf.core.internal.events.EventHub;

/**
 * Jetty on every -H address once the daemon has started: unix sockets (mode 0660, --group),
 * plain TCP (warned about loudly) and TLS with client-certificate verification. Shutdown stops
 * accepting, ends event streams, then lets in-flight requests finish.
 */
@Component(immediate = true)
public final class ApiServer {

    private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);
    /**
     * How long a stopping server lets requests in flight finish. Short: long polls (a wait left
     * behind by docker run -d, logs -f) would hold the daemon's shutdown, and dockerd does not wait
     * for them either; the containers they wait on are stopped after the API server.
     */
    private static final long GRACEFUL_STOP_MILLIS = 1_000;

    private final DaemonContext daemon;
    private final EventHub events;
    private final Server server;
    private final List<Path> socketFiles = new ArrayList<>();

    @Activate
    public ApiServer(@Reference DaemonContext daemon, @Reference ApiDispatcher dispatcher, @Reference EventHub events,
            @Reference ContainerService containers) {
        // containers: like dockerd, serve the API only once NewDaemon has set up the stores, containerd
        // answers and the containers on disk are restored.
        this.daemon = daemon;
        this.events = events;
        DaemonConfig config = daemon.config();
        QueuedThreadPool threads = new QueuedThreadPool(256, 4);
        threads.setName("api");
        this.server = new Server(threads);
        server.setHandler(new GracefulHandler(new JettyApiHandler(dispatcher)));
        server.setErrorHandler(new JsonErrorHandler());
        server.setStopTimeout(GRACEFUL_STOP_MILLIS);
        try {
            for (ListenAddress address : config.hosts()) {
                server.addConnector(connector(address, config));
            }
            server.start();
            for (Path socket : socketFiles) {
                secureSocket(socket, config.string("group"));
            }
        } catch (Exception e) {
            stopQuietly();
            daemon.fail("failed to load listeners: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            return;
        }
        for (ListenAddress address : config.hosts()) {
            LOG.info("API listen on {}", address.isUnix() ? address.socketPath() : address.host() + ":" + address.port());
        }
        LOG.info("Daemon has completed initialization");
    }

    private AbstractConnector connector(ListenAddress address, DaemonConfig config) throws Exception {
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        if (address.isUnix()) {
            Path socket = address.socketPath();
            Files.createDirectories(socket.toAbsolutePath().getParent());
            // A socket file left by a daemon that died; the pidfile check already ruled out a live one.
            Files.deleteIfExists(socket);
            UnixDomainServerConnector c = new UnixDomainServerConnector(server, 1, 1, new HttpConnectionFactory(http));
            c.setUnixDomainPath(socket);
            socketFiles.add(socket);
            return c;
        }
        List<ConnectionFactory> factories = new ArrayList<>();
        if (config.tls()) {
            http.addCustomizer(new SecureRequestCustomizer(false));
            factories.add(new SslConnectionFactory(TlsContexts.server(config), "http/1.1"));
        }
        if (!config.tlsVerify()) {
            String warning = config.tls()
                    ? "WARNING: API is accessible on https://" + address.host() + ":" + address.port()
                            + " without TLS client verification."
                    : "WARNING: API is accessible on http://" + address.host() + ":" + address.port()
                            + " without encryption.";
            warning += "\n         Access to the remote API is equivalent to root access on the host. Refer"
                    + "\n         to the 'Docker daemon attack surface' section in the documentation for"
                    + "\n         more information: https://docs.docker.com/go/attack-surface/";
            LOG.warn("Binding to IP address without --tlsverify is insecure and gives root access on this machine to "
                    + "everyone who has access to your network. host=\"tcp://{}:{}\"", address.host(), address.port());
            daemon.addWarning(warning);
        }
        factories.add(new HttpConnectionFactory(http));
        ServerConnector c = new ServerConnector(server, 1, 1, factories.toArray(ConnectionFactory[]::new));
        c.setHost(address.host());
        c.setPort(address.port());
        return c;
    }

    /** Mode 0660 and the --group owner; a missing default group is only a warning, as in dockerd. */
    private static void secureSocket(Path socket, String group) throws IOException {
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw----"));
        if (group.isEmpty()) {
            return;
        }
        try {
            GroupPrincipal principal = socket.getFileSystem().getUserPrincipalLookupService()
                    .lookupPrincipalByGroupName(group);
            Files.getFileAttributeView(socket, PosixFileAttributeView.class).setGroup(principal);
        } catch (UserPrincipalNotFoundException e) {
            if (!group.equals("docker")) {
                throw new IOException("group " + group + " not found");
            }
            LOG.warn("could not change group {} to {}: group not found", socket, group);
        }
    }

    @Deactivate
    void deactivate() {
        // Stop accepting first; the futures complete only when every connection is gone, which
        // long streams would delay, so they are not waited for here.
        for (var connector : server.getConnectors()) {
            connector.shutdown();
        }
        events.closeSubscriptions();
        stopQuietly();
        LOG.info("API server stopped");
    }

    private void stopQuietly() {
        try {
            server.stop();
        } catch (Exception e) {
            LOG.warn("stopping the API server: {}", e.toString());
        }
        for (Path socket : socketFiles) {
            try {
                Files.deleteIfExists(socket);
            } catch (IOException e) {
                LOG.warn("could not remove socket {}: {}", socket, e.getMessage());
            }
        }
    }
}
