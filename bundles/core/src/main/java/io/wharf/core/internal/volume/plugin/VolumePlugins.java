package io.wharf.core.internal.volume.plugin;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.wharf.core.internal.daemon.DaemonContext;
import io.wharf.core.internal.volume.ExternalDrivers;
import io.wharf.core.spi.volume.VolumeDriver;

/**
 * External volume plugins with Docker's legacy plugin protocol (moby's pkg/plugins registry for the
 * VolumeDriver capability): a driver name the volume service does not have is looked up in the
 * plugin directories ({@code --plugin-dir}, by default dockerd's {@code /run/docker/plugins},
 * {@code /etc/docker/plugins} and {@code /usr/lib/docker/plugins}), activated, and kept. A kept
 * plugin that cannot be reached any more is forgotten, so that the next use finds it again (a
 * plugin restarted, perhaps at another address).
 */
@Component(service = ExternalDrivers.class)
public final class VolumePlugins implements ExternalDrivers {

    private static final Logger LOG = LoggerFactory.getLogger(VolumePlugins.class);
    /** How long one call may take; moby sets none, but a plugin that never answers must not hang the daemon. */
    static final Duration CALL_TIMEOUT = Duration.ofMinutes(2);

    private final Supplier<PluginDiscovery> discovery;
    private final Duration timeout;
    private final Map<String, PluginVolumeDriver> active = new ConcurrentHashMap<>();
    /** Serialises activations, so that one plugin is activated once however many ask at the same moment. */
    private final Object activating = new Object();

    @Activate
    public VolumePlugins(@Reference DaemonContext daemon) {
        this(() -> PluginDiscovery.of(daemon.config().list("plugin-dirs").stream().map(Path::of).toList()), CALL_TIMEOUT);
    }

    VolumePlugins(Supplier<PluginDiscovery> discovery, Duration timeout) {
        this.discovery = discovery;
        this.timeout = timeout;
    }

    /** Plugins searched for in {@code dirs} (sockets and spec files alike). */
    static VolumePlugins in(List<Path> dirs, Duration timeout) {
        PluginDiscovery d = PluginDiscovery.of(dirs);
        return new VolumePlugins(() -> d, timeout);
    }

    @Override
    public Optional<VolumeDriver> lookup(String name) {
        PluginVolumeDriver known = active.get(name);
        if (known != null) {
            return Optional.of(known);
        }
        synchronized (activating) {
            known = active.get(name);
            if (known != null) {
                return Optional.of(known);
            }
            try {
                Optional<PluginAddress> address = discovery.get().find(name);
                if (address.isEmpty()) {
                    return Optional.empty();
                }
                Optional<PluginVolumeDriver> driver = PluginVolumeDriver.activate(name,
                        new PluginClient(address.get(), timeout), this::forget);
                if (driver.isEmpty()) {
                    LOG.warn("plugin {} at {} implements no VolumeDriver", name, address.get().uri());
                    return Optional.empty();
                }
                active.put(name, driver.get());
                LOG.info("volume plugin {} activated at {} (scope {})", name, address.get().uri(), driver.get().scope());
                return Optional.of(driver.get());
            } catch (IOException | RuntimeException e) {
                LOG.warn("volume plugin {}: {}", name, e.getMessage());
                return Optional.empty();
            }
        }
    }

    @Override
    public List<String> active() {
        return active.keySet().stream().sorted().toList();
    }

    private void forget(PluginVolumeDriver driver) {
        if (active.remove(driver.name(), driver)) {
            LOG.warn("volume plugin {} cannot be reached; it is looked up again on its next use", driver.name());
        }
    }
}
