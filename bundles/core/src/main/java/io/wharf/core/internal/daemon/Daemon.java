package io.wharf.core.internal.daemon;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.wharf.core.internal.config.ConfigException;
import io.wharf.core.internal.config.ConfigLoader;
import io.wharf.core.internal.config.DaemonCommandLine;
import io.wharf.core.internal.config.DaemonConfig;
import io.wharf.core.internal.platform.Libc;
import io.wharf.core.internal.system.HostFacts;
import io.wharf.core.spi.daemon.DaemonInfo;
import io.wharf.core.spi.events.Event;
import io.wharf.core.spi.events.EventPublisher;
import io.wharf.logging.LogSettings;
import sun.misc.Signal;

/**
 * dockerd's start-up path up to NewDaemon, driven by the launcher's arguments: command line and
 * daemon.json, root check, umask, data and exec roots, pidfile, tmp dir, daemon ID, kernel
 * tunables. Then it offers the {@link DaemonContext} that the API server and routers wait for
 * (also as the {@link DaemonInfo} that other bundles wait for), and handles SIGHUP (reload) and
 * SIGUSR1 (thread dump).
 *
 * <p>The launcher is a service of type {@link IntConsumer} (the exit request) with the properties
 * {@value #LAUNCHER_PROPERTY}=true and {@value #ARGS_PROPERTY} (the command line as a String[]).
 */
@Component(immediate = true)
public final class Daemon {

    public static final String LAUNCHER_PROPERTY = "wharf.launcher";
    public static final String ARGS_PROPERTY = "wharf.args";

    private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);
    private static final DateTimeFormatter DUMP_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HHmmssX");

    private final EventPublisher events;
    private DaemonCommandLine commandLine;
    private DaemonContext context;
    private PidFile pidFile;
    private ServiceRegistration<?> registration;
    private final Map<String, sun.misc.SignalHandler> previousHandlers = new LinkedHashMap<>();

    @Activate
    public Daemon(BundleContext bundleContext,
            @Reference(service = IntConsumer.class, target = "(" + LAUNCHER_PROPERTY + "=true)")
            Map.Entry<Map<String, Object>, IntConsumer> launcher,
            @Reference EventPublisher events) {
        this.events = events;
        IntConsumer exit = launcher.getValue();
        List<String> args = List.of((String[]) launcher.getKey().getOrDefault(ARGS_PROPERTY, new String[0]));
        try {
            commandLine = DaemonCommandLine.parse(args);
            if (commandLine.helpRequested()) {
                System.out.print(commandLine.usage());
                exit.accept(0);
                return;
            }
            if (commandLine.versionRequested()) {
                System.out.println("Wharf version " + WharfVersion.version() + ", build " + WharfVersion.commit());
                exit.accept(0);
                return;
            }
            DaemonConfig config = ConfigLoader.load(commandLine);
            applyLogSettings(config);
            context = start(config, exit);
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            exit.accept(1);
            return;
        } catch (StartupException e) {
            System.err.println("failed to start daemon: " + e.getMessage());
            exit.accept(1);
            return;
        }
        handleSignal("HUP", this::reload);
        handleSignal("USR1", this::dumpThreads);
        registration = bundleContext.registerService(
                new String[] { DaemonContext.class.getName(), DaemonInfo.class.getName() }, context, null);
    }

    private DaemonContext start(DaemonConfig config, IntConsumer exit) throws StartupException {
        LOG.info("Starting up");
        if (Libc.geteuid() != 0) {
            throw new StartupException("wharfd needs to be started with root privileges");
        }
        Libc.umask(0022);
        DaemonDirectories.ensure(config.dataRoot(), "rwx--x--x");
        DaemonDirectories.ensure(config.execRoot(), "rwx------");
        pidFile = PidFile.create(config.pidFile());
        DaemonDirectories.prepareTmp(config.dataRoot());
        DaemonDirectories.applyKernelTunables();
        String id = DaemonDirectories.engineId(config.dataRoot());
        LOG.info("Daemon ID {}, data root {}, exec root {}", id, config.dataRoot(), config.execRoot());
        return new DaemonContext(id, config, exit);
    }

    private static void applyLogSettings(DaemonConfig config) {
        LogSettings.setLevel(config.debug() ? LogSettings.Level.DEBUG : LogSettings.Level.parse(config.string("log-level")));
        LogSettings.setFormat(config.string("log-format").equals("json") ? LogSettings.Format.JSON : LogSettings.Format.TEXT);
    }

    /**
     * SIGHUP: reads daemon.json again with the original flags. Reloadable settings take effect
     * and are logged; others wait for a restart; a bad file keeps the running configuration.
     */
    synchronized void reload() {
        DaemonConfig current = context.config();
        DaemonConfig next;
        try {
            next = ConfigLoader.load(commandLine);
        } catch (ConfigException e) {
            LOG.error("Error reloading the configuration, keeping the current one: {}", e.getMessage());
            return;
        }
        DaemonConfig effective = current.withReloadable(next);
        for (String key : current.differences(next)) {
            if (!effective.asMap().get(key).equals(next.asMap().get(key))) {
                LOG.warn("{} cannot be changed by a reload; restart the daemon to apply it", key);
            }
        }
        List<String> changed = current.differences(effective);
        context.replaceConfig(effective);
        applyLogSettings(effective);
        Map<String, String> attributes = new LinkedHashMap<>();
        effective.reloadableValues().forEach((k, v) -> attributes.put(k, String.valueOf(v)));
        attributes.put("name", HostFacts.hostname());
        LOG.info("Reloaded configuration: changed {}", changed.isEmpty() ? "nothing" : changed);
        events.publish(Event.now("daemon", "reload", context.id(), attributes));
    }

    /** SIGUSR1: every thread's stack, written to a file under the exec root (dockerd's goroutine dump). */
    void dumpThreads() {
        Path file = context.config().execRoot().resolve(
                "thread-dump-" + DUMP_TIME.format(ZonedDateTime.now(ZoneOffset.UTC)) + ".log");
        try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(file))) {
            for (Map.Entry<Thread, StackTraceElement[]> t : Thread.getAllStackTraces().entrySet()) {
                Thread thread = t.getKey();
                out.printf("\"%s\" #%d daemon=%s state=%s%n", thread.getName(), thread.threadId(), thread.isDaemon(),
                        thread.getState());
                for (StackTraceElement frame : t.getValue()) {
                    out.println("\tat " + frame);
                }
                out.println();
            }
        } catch (IOException e) {
            LOG.error("could not write the thread dump to {}: {}", file, e.getMessage());
            return;
        }
        LOG.info("thread dump written to {}", file);
    }


    private void handleSignal(String name, Runnable action) {
        try {
            previousHandlers.put(name, Signal.handle(new Signal(name), s -> Thread.ofPlatform()
                    .name("signal-" + name).start(action)));
        } catch (IllegalArgumentException e) {
            LOG.warn("cannot handle SIG{}: {}", name, e.getMessage());
        }
    }

    @Deactivate
    void deactivate() {
        previousHandlers.forEach((name, handler) -> Signal.handle(new Signal(name), handler));
        if (registration != null) {
            registration.unregister();
        }
        if (pidFile != null) {
            pidFile.remove();
        }
        if (context != null) {
            LOG.info("Daemon shutdown complete");
        }
    }
}
