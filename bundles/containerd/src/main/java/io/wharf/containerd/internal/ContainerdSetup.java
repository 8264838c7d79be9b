package io.wharf.containerd.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.wharf.core.spi.daemon.DaemonInfo;
import io.wharf.core.spi.runtime.ContainerRuntime;
import io.wharf.core.spi.runtime.ContainerdVersion;
import io.wharf.core.spi.runtime.OciRuntime;
import io.wharf.core.spi.runtime.RuntimeInfo;

/**
 * dockerd's initContainerD: once the daemon has started, either starts and supervises its own
 * containerd or, with {@code --containerd=<socket>}, uses that one; waits until it answers, then
 * registers the {@link ContainerdClient}, the {@link RuntimeInfo} (containerd's and runc's
 * versions) and the {@link ContainerRuntime} that runs containers through it. If containerd does not answer within 15 s the daemon fails to start. The work runs on
 * its own thread, never on the framework's.
 */
@Component(immediate = true)
public final class ContainerdSetup {

    private static final Logger LOG = LoggerFactory.getLogger(ContainerdSetup.class);
    /** dockerd's default runtime, run from PATH. */
    private static final String RUNC = "runc";

    private final BundleContext context;
    private final DaemonInfo daemon;
    private final Thread starter;
    private final List<ServiceRegistration<?>> registrations = new ArrayList<>(); // guarded by this
    private ContainerdClient client; // guarded by this
    private ContainerdRuntime runtime; // guarded by this
    private ContainerdSupervisor supervisor; // guarded by this
    private boolean closing; // guarded by this

    @Activate
    public ContainerdSetup(BundleContext context, @Reference DaemonInfo daemon) {
        this.context = context;
        this.daemon = daemon;
        this.starter = Thread.ofPlatform().name("containerd-setup").start(this::start);
    }

    private void start() {
        String external = daemon.containerdAddress();
        try {
            ContainerdRuntimeInfo info = external.isEmpty() ? startOwn() : connect(external, RuntimeVersions.query(RUNC, RUNC));
            if (info != null) {
                register(info);
            }
        } catch (ContainerdException e) {
            if (!isClosing()) {
                daemon.fail(e.getMessage());
            }
        } catch (InterruptedException e) {
            // deactivated while starting
        }
    }

    /**
     * containerd is started first: while it starts (a few hundred ms before it answers), this
     * thread makes the gRPC client (whose classes take about as long to load) and asks runc for
     * its version.
     */
    private ContainerdRuntimeInfo startOwn() throws ContainerdException, InterruptedException {
        ContainerdConfig config = ContainerdConfig.forDaemon(daemon.dataRoot(), daemon.execRoot());
        try {
            config.write();
        } catch (IOException e) {
            throw new ContainerdException("failed to write the containerd config " + config.configFile() + ": " + e);
        }
        CompletableFuture<ContainerdClient> clientReady = new CompletableFuture<>();
        ContainerdRuntimeInfo info = new ContainerdRuntimeInfo(null, null);
        ContainerdSupervisor s;
        synchronized (this) {
            if (closing) {
                return null;
            }
            s = new ContainerdSupervisor(config, daemon.debug(), clientReady, info::update);
            supervisor = s;
        }
        s.launch();
        ContainerdClient c;
        try {
            c = new ContainerdClient(config.address());
        } catch (RuntimeException e) {
            clientReady.completeExceptionally(e);
            throw e;
        }
        boolean closed;
        synchronized (this) {
            closed = closing;
            if (!closed) {
                client = c;
            }
        }
        clientReady.complete(c);
        if (closed) {
            // deactivate() stops the supervisor; the client it may still use goes once it has
            s.stop();
            c.close();
            return null;
        }
        info.runtime(RuntimeVersions.query(RUNC, RUNC));
        ContainerdVersion version = s.awaitFirstStart();
        LOG.info("containerd {} answers on {}", version.version(), config.address());
        return info;
    }

    /** {@code --containerd}: a containerd that someone else runs; it is neither started nor stopped here. */
    private ContainerdRuntimeInfo connect(String address, OciRuntime runc) throws ContainerdException, InterruptedException {
        Path socket = Path.of(address.startsWith("unix://") ? address.substring("unix://".length()) : address);
        ContainerdClient c;
        synchronized (this) {
            if (closing) {
                return null;
            }
            c = new ContainerdClient(socket);
            client = c;
        }
        Optional<ContainerdVersion> version = c.awaitReady(ContainerdSupervisor.STARTUP_TIMEOUT, () -> !isClosing());
        if (version.isEmpty()) {
            throw new ContainerdException("failed to dial \"" + socket + "\": containerd did not answer within "
                    + ContainerdSupervisor.STARTUP_TIMEOUT.toSeconds() + " s");
        }
        LOG.info("using containerd {} on {}", version.get().version(), socket);
        return new ContainerdRuntimeInfo(runc, version.get());
    }

    private synchronized void register(ContainerdRuntimeInfo info) {
        if (closing) {
            return;
        }
        registrations.add(context.registerService(ContainerdClient.class, client, null));
        registrations.add(context.registerService(RuntimeInfo.class, info, null));
        runtime = new ContainerdRuntime(client, daemon.execRoot());
        registrations.add(context.registerService(ContainerRuntime.class, runtime, null));
    }

    private synchronized boolean isClosing() {
        return closing;
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        ContainerdSupervisor s;
        ContainerdClient c;
        ContainerdRuntime r;
        List<ServiceRegistration<?>> registered;
        synchronized (this) {
            closing = true;
            registered = List.copyOf(registrations);
            s = supervisor;
            c = client;
            r = runtime;
        }
        registered.forEach(ServiceRegistration::unregister);
        if (r != null) {
            r.close();
        }
        if (s != null) {
            s.stop();
        }
        starter.interrupt();
        starter.join();
        if (c != null) {
            c.close();
        }
    }
}
