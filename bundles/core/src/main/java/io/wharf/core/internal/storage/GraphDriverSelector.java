package io.wharf.core.internal.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.wharf.core.internal.config.ConfigException;
import io.wharf.core.spi.graphdriver.GraphDriver;
import io.wharf.core.spi.graphdriver.GraphDriverFactory;
import io.wharf.core.spi.graphdriver.NotSupportedException;

/**
 * dockerd's choice of graph driver (moby graphdriver.New): the one named by --storage-driver or
 * DOCKER_DRIVER; else the one whose state is already in the data root; else the first in the
 * priority list that this host supports. Each skipped driver is logged with its reason.
 */
final class GraphDriverSelector {

    static final List<String> PRIORITY = List.of("btrfs", "zfs", "overlay2", "fuse-overlayfs", "aufs", "overlay",
            "devicemapper", "vfs");

    private static final Logger LOG = LoggerFactory.getLogger(GraphDriverSelector.class);

    private GraphDriverSelector() {
    }

    /**
     * @param dataRoot  the daemon's data root (each driver's home is data-root/NAME)
     * @param explicit  --storage-driver or DOCKER_DRIVER, or empty
     * @param options   --storage-opt values, "key=value"
     * @param available the driver services present now, by name
     */
    static GraphDriver choose(Path dataRoot, String explicit, List<String> options, Map<String, GraphDriverFactory> available)
            throws ConfigException {
        Map<String, String> opts = parseOptions(options);
        if (!explicit.isEmpty()) {
            GraphDriverFactory factory = available.get(explicit);
            if (factory == null) {
                throw new ConfigException("error initializing graphdriver: driver not supported: " + explicit);
            }
            return init(explicit, factory, dataRoot, opts);
        }
        List<String> prior = priorDrivers(dataRoot, available);
        if (prior.size() > 1) {
            throw new ConfigException(dataRoot + " contains several valid graphdrivers: " + String.join(", ", prior)
                    + "; cleanup or explicitly choose storage driver (-s <DRIVER>)");
        }
        if (prior.size() == 1) {
            String name = prior.getFirst();
            GraphDriverFactory factory = available.get(name);
            if (factory == null) {
                throw new ConfigException("error initializing graphdriver: " + dataRoot.resolve(name)
                        + " holds " + name + " state but no " + name + " driver bundle is present");
            }
            LOG.info("[graphdriver] using prior storage driver: {}", name);
            return init(name, factory, dataRoot, opts);
        }
        for (String name : candidates(available)) {
            try {
                GraphDriver driver = available.get(name).create(dataRoot.resolve(name), opts);
                LOG.info("[graphdriver] using storage driver: {}", name);
                return driver;
            } catch (NotSupportedException e) {
                LOG.info("[graphdriver] skipping storage driver {}: {}", name, e.getMessage());
            } catch (IOException | RuntimeException e) {
                LOG.warn("[graphdriver] skipping storage driver {}: {}", name, e.toString());
            }
        }
        throw new ConfigException("error initializing graphdriver: no supported storage driver found among "
                + String.join(", ", candidates(available)));
    }

    private static GraphDriver init(String name, GraphDriverFactory factory, Path dataRoot, Map<String, String> opts)
            throws ConfigException {
        try {
            return factory.create(dataRoot.resolve(name), opts);
        } catch (NotSupportedException e) {
            throw new ConfigException("error initializing graphdriver: " + name + " is not supported here: " + e.getMessage());
        } catch (IOException | RuntimeException e) {
            throw new ConfigException("error initializing graphdriver: " + e.getMessage());
        }
    }

    /** The priority list first, then any other driver present, by name. */
    static List<String> candidates(Map<String, GraphDriverFactory> available) {
        List<String> out = new ArrayList<>();
        PRIORITY.stream().filter(available::containsKey).forEach(out::add);
        available.keySet().stream().filter(n -> !PRIORITY.contains(n)).sorted().forEach(out::add);
        return out;
    }

    /** Drivers whose home in the data root is a non-empty directory (moby's scanPriorDrivers). */
    static List<String> priorDrivers(Path dataRoot, Map<String, GraphDriverFactory> available) {
        List<String> names = new ArrayList<>(PRIORITY);
        available.keySet().stream().filter(n -> !names.contains(n)).forEach(names::add);
        List<String> prior = new ArrayList<>();
        for (String name : names) {
            Path home = dataRoot.resolve(name);
            if (Files.isDirectory(home)) {
                try (Stream<Path> entries = Files.list(home)) {
                    if (entries.findAny().isPresent()) {
                        prior.add(name);
                    }
                } catch (IOException e) {
                    LOG.warn("cannot read {}: {}", home, e.getMessage());
                }
            }
        }
        return prior;
    }

    static Map<String, String> parseOptions(List<String> options) throws ConfigException {
        Map<String, String> out = new LinkedHashMap<>();
        for (String opt : options) {
            int eq = opt.indexOf('=');
            if (eq <= 0) {
                throw new ConfigException("invalid storage option: " + opt + " (it must be key=value)");
            }
            out.put(opt.substring(0, eq).trim().toLowerCase(java.util.Locale.ROOT), opt.substring(eq + 1).trim());
        }
        return out;
    }
}
