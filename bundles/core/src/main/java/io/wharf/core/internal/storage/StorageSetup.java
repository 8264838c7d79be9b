package io.wharf.core.internal.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.stream.Stream;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.wharf.core.internal.config.ConfigException;
import io.wharf.core.internal.config.DaemonConfig;
import io.wharf.core.internal.daemon.DaemonContext;
import io.wharf.core.spi.graphdriver.DiffDriver;
import io.wharf.core.spi.graphdriver.GraphDriver;
import io.wharf.core.spi.graphdriver.GraphDriverFactory;
import io.wharf.core.spi.graphdriver.NaiveDiffDriver;

/**
 * Chooses the graph driver once the runtime has settled: every bundle of the runtime started (the
 * framework is ACTIVE) and the first scan of deploy/ done, so that drivers from either take part.
 * The choice runs on its own thread, never on the framework's, and ends by registering the
 * {@link StorageService}. Driver services come and go with their bundles; `docker info` lists the
 * ones present at any moment.
 */
@Component(immediate = true)
public final class StorageSetup {

    private static final Logger LOG = LoggerFactory.getLogger(StorageSetup.class);
    private static final long SETTLE_MILLIS = 30_000;

    private final Map<String, GraphDriverFactory> factories = new ConcurrentSkipListMap<>();

    @Reference
    private DaemonContext daemon;

    private volatile BundleContext context;
    private volatile Thread chooser;
    private volatile GraphDriver driver;
    private volatile ServiceRegistration<StorageService> registration;

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addFactory(GraphDriverFactory factory, Map<String, Object> props) {
        if (props.get(GraphDriverFactory.NAME) instanceof String name) {
            factories.putIfAbsent(name, factory);
        }
    }

    void removeFactory(GraphDriverFactory factory, Map<String, Object> props) {
        factories.values().remove(factory);
        GraphDriver inUse = driver;
        BundleContext ctx = context;
        boolean frameworkStopping = ctx != null && ctx.getBundle(0).getState() == Bundle.STOPPING;
        if (inUse != null && !frameworkStopping && inUse.name().equals(props.get(GraphDriverFactory.NAME))) {
            LOG.error("the bundle of storage driver {}, which is in use, went away; restart the daemon once it is back",
                    inUse.name());
        }
    }

    @Activate
    void activate(BundleContext context) {
        this.context = context;
        chooser = Thread.ofPlatform().name("storage-setup").start(() -> choose(context));
    }

    private void choose(BundleContext context) {
        try {
            awaitSettled(context);
        } catch (InterruptedException e) {
            return;
        }
        DaemonConfig config = daemon.config();
        String explicit = config.string("storage-driver");
        if (explicit.isEmpty()) {
            explicit = Optional.ofNullable(System.getenv("DOCKER_DRIVER")).orElse("");
        }
        GraphDriver chosen;
        try {
            chosen = GraphDriverSelector.choose(config.dataRoot(), explicit, config.list("storage-opts"),
                    Map.copyOf(factories));
        } catch (ConfigException e) {
            daemon.fail(e.getMessage());
            return;
        }
        driver = chosen;
        DiffDriver diff = chosen instanceof DiffDriver nativeDiff ? nativeDiff : new NaiveDiffDriver(chosen);
        registration = context.registerService(StorageService.class,
                new StorageService(chosen, diff, () -> GraphDriverSelector.candidates(Map.copyOf(factories))), null);
    }

    /** Waits for the framework to be ACTIVE and for every jar in deploy/ to be a started bundle. */
    private static void awaitSettled(BundleContext context) throws InterruptedException {
        long deadline = System.currentTimeMillis() + SETTLE_MILLIS;
        List<Path> jars = deployJars(context);
        while (context.getBundle(0).getState() != Bundle.ACTIVE || !jars.stream().allMatch(j -> started(context, j))) {
            if (System.currentTimeMillis() > deadline) {
                LOG.warn("the runtime did not settle within {} ms; choosing the storage driver now", SETTLE_MILLIS);
                return;
            }
            Thread.sleep(10);
        }
    }

    private static List<Path> deployJars(BundleContext context) {
        String dir = context.getProperty("felix.fileinstall.dir");
        if (dir == null) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(Path.of(dir))) {
            return files.filter(p -> p.toString().endsWith(".jar")).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static boolean started(BundleContext context, Path jar) {
        String name = "/" + jar.getFileName();
        for (Bundle b : context.getBundles()) {
            if (b.getLocation().endsWith(name)) {
                boolean fragment = b.getHeaders().get(Constants.FRAGMENT_HOST) != null;
                return b.getState() == Bundle.ACTIVE || (fragment && b.getState() == Bundle.RESOLVED);
            }
        }
        return false;
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        Thread t = chooser;
        if (t != null) {
            t.interrupt();
            t.join();
        }
        if (registration != null) {
            registration.unregister();
        }
        GraphDriver used = driver;
        if (used != null) {
            // No longer in use: SCR unbinds the factories after this, which is no driver going away.
            driver = null;
            try {
                used.cleanup();
            } catch (IOException e) {
                LOG.warn("storage driver cleanup: {}", e.getMessage());
            }
        }
    }
}
