package io.wharf.launcher;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.StandardOpenOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.function.IntConsumer;
import java.util.stream.Stream;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;

import sun.misc.Signal;

/**
 * Starts wharfd: Felix with the resolved bundles installed in place (no copies), FileInstall
 * watching the deploy directory, and a launcher service through which the core reads the
 * command line and asks for the process to end. SIGTERM and SIGINT stop the framework, which
 * stops the daemon gracefully, and exit 0.
 */
public final class Launcher {

    /** The service contract with io.wharf.core's Daemon component. */
    private static final String LAUNCHER_PROPERTY = "wharf.launcher";
    private static final String ARGS_PROPERTY = "wharf.args";
    private static final String DEPLOY_FLAG = "--deploy-dir";
    private static final String STORAGE_PREFIX = "wharf-felix-";
    private static final String LOCK_FILE = "wharf.lock";
    private static final String CORE_BUNDLE = "io.wharf.core";

    private volatile int exitCode;

    public static void main(String[] args) throws Exception {
        System.exit(new Launcher().run(args));
    }

    private int run(String[] args) throws Exception {
        Path home = Path.of(Launcher.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getParent();
        Path deployDir = deployDir(args, home);
        removeAbandonedStorage();
        Path storage = Files.createTempDirectory(STORAGE_PREFIX);
        // Held until the process ends, however it ends (see removeAbandonedStorage).
        FileLock storageLock = FileChannel.open(storage.resolve(LOCK_FILE), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE).lock();

        Map<String, String> props = new HashMap<>();
        // Felix cleans its storage on first init: the lock file lives beside it, not in it.
        props.put(Constants.FRAMEWORK_STORAGE, storage.resolve("cache").toString());
        props.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        props.put(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA, "sun.misc");
        props.put("felix.fileinstall.dir", deployDir.toString());
        // FileInstall's own scratch directory, inside the framework storage that goes at exit.
        props.put("felix.fileinstall.tmpdir", storage.resolve("fileinstall").toString());
        props.put("felix.fileinstall.poll", "1000");
        props.put("felix.fileinstall.noInitialDelay", "true");
        props.put("felix.fileinstall.log.level", "2");
        props.put("ds.loglevel", "warn");
        props.put("felix.log.level", "1");

        Framework framework = ServiceLoader.load(FrameworkFactory.class).findFirst()
                .orElseThrow(() -> new IllegalStateException("no OSGi framework on the class path"))
                .newFramework(props);
        framework.init();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop(framework);
            deleteTree(storage);
        }, "wharf-shutdown"));
        for (String name : List.of("TERM", "INT")) {
            Signal.handle(new Signal(name), s -> {
                exitCode = 0;
                Thread.ofPlatform().name("wharf-stop").start(() -> stop(framework));
            });
        }

        BundleContext context = framework.getBundleContext();
        Hashtable<String, Object> launcherProps = new Hashtable<>();
        launcherProps.put(LAUNCHER_PROPERTY, Boolean.TRUE);
        launcherProps.put(ARGS_PROPERTY, args);
        IntConsumer exit = code -> {
            exitCode = code;
            Thread.ofPlatform().name("wharf-exit").start(() -> stop(framework));
        };
        context.registerService(IntConsumer.class, exit, launcherProps);

        List<Bundle> installed = new ArrayList<>();
        // Copied into the framework storage (not installed by reference): a build that rewrites
        // the runtime's jars in place must not change the classes this daemon has yet to load.
        for (Path jar : bundles(home.getParent().resolve("export").resolve("wharf"))) {
            installed.add(context.installBundle(jar.toUri().toString()));
        }
        // Marked for start before the framework starts, so that the framework is ACTIVE only once
        // every bundle of the runtime has started (the core waits for that to choose its drivers).
        for (Bundle b : installed) {
            if (b.getHeaders().get(Constants.FRAGMENT_HOST) == null) {
                b.start();
            }
        }
        framework.start();
        framework.waitForStop(0);
        storageLock.release();
        return exitCode;
    }

    private static Path deployDir(String[] args, Path home) throws IOException {
        String dir = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals(DEPLOY_FLAG) && i + 1 < args.length) {
                dir = args[i + 1];
            } else if (args[i].startsWith(DEPLOY_FLAG + "=")) {
                dir = args[i].substring(DEPLOY_FLAG.length() + 1);
            }
        }
        // run/target/wharf -> the checkout's deploy/
        Path path = dir != null ? Path.of(dir) : home.getParent().getParent().getParent().resolve("deploy");
        Files.createDirectories(path);
        return path.toAbsolutePath();
    }

    private static List<Path> bundles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> jars = files.filter(p -> p.toString().endsWith(".jar")).sorted().toList();
            if (jars.isEmpty()) {
                throw new IOException("no bundles in " + dir + ": build Wharf first (run/wharfd does)");
            }
            return jars;
        }
    }

    private static void stop(Framework framework) {
        try {
            if ((framework.getState() & (Bundle.ACTIVE | Bundle.STARTING)) != 0) {
                // The core goes first: it stops the containers while the drivers they use (runtime,
                // storage, network) are still there, as dockerd's shutdown does.
                for (Bundle b : framework.getBundleContext().getBundles()) {
                    if (CORE_BUNDLE.equals(b.getSymbolicName())) {
                        b.stop(Bundle.STOP_TRANSIENT);
                    }
                }
                framework.stop();
            }
            framework.waitForStop(60_000);
        } catch (BundleException | InterruptedException e) {
            System.err.println("stopping the framework: " + e);
        }
    }

    /**
     * Framework storage left by daemons that were killed (kill -9 runs no shutdown hook). Each
     * launcher holds a lock on the LOCK_FILE in its storage while it runs, and the kernel drops
     * the lock when the process dies: storage whose lock can be taken belongs to no live daemon.
     */
    private static void removeAbandonedStorage() {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        try (Stream<Path> dirs = Files.list(tmp)) {
            for (Path dir : dirs.filter(p -> p.getFileName().toString().startsWith(STORAGE_PREFIX)).toList()) {
                Path lock = dir.resolve(LOCK_FILE);
                if (!Files.exists(lock)) {
                    continue;
                }
                boolean abandoned;
                try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.WRITE);
                        FileLock held = ch.tryLock()) {
                    abandoned = held != null;
                } catch (IOException | OverlappingFileLockException e) {
                    abandoned = false;
                }
                if (abandoned) {
                    deleteTree(dir);
                }
            }
        } catch (IOException e) {
            // best effort: leftovers only cost disk space in the temporary directory
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory; nothing depends on it
        }
    }

}
