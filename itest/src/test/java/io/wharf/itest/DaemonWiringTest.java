package io.wharf.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.composite;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.options;
import static org.ops4j.pax.exam.CoreOptions.systemPackage;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import javax.inject.Inject;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;

import io.wharf.core.spi.events.Event;
import io.wharf.core.spi.events.EventPublisher;
import io.wharf.core.spi.middleware.Middleware;
import io.wharf.core.spi.router.Router;

/**
 * Felix with the daemon's resolved bundle set (the same jars run/wharfd installs): the launcher
 * service starts the daemon, its services and route table are wired, and a router bundle
 * installed and uninstalled at run time adds and removes its routes.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class DaemonWiringTest {

    private static final long TIMEOUT_MILLIS = 30_000;

    @Inject
    private BundleContext context;

    private Path dir;
    private Path socket;
    private ServiceRegistration<IntConsumer> launcher;
    private final AtomicInteger exitRequests = new AtomicInteger(-1);

    @Configuration
    public Option[] config() throws IOException {
        Path runtime = Path.of(System.getProperty("wharf.runtime.bundles"));
        Option[] runtimeBundles;
        try (Stream<Path> jars = Files.list(runtime)) {
            runtimeBundles = jars.filter(p -> p.toString().endsWith(".jar")).sorted()
                    .map(p -> isFragment(p) ? bundle("reference:" + p.toUri()).noStart() : bundle("reference:" + p.toUri()))
                    .toArray(Option[]::new);
        }
        return options(
                systemPackage("sun.misc"),
                frameworkProperty("felix.fileinstall.dir").value(Files.createTempDirectory("wharf-itest-deploy").toString()),
                systemProperty("org.ops4j.pax.url.mvn.localRepository").value(System.getProperty("maven.repo.local")),
                systemProperty("org.ops4j.pax.url.mvn.repositories").value("https://repo1.maven.org/maven2@id=central"),
                systemProperty("wharf.hellorouter.jar").value(System.getProperty("wharf.hellorouter.jar")),
                systemProperty("org.ops4j.pax.logging.DefaultServiceLog.level").value("WARN"),
                junitBundles(),
                composite(runtimeBundles));
    }

    private static boolean isFragment(Path jar) {
        try (JarFile file = new JarFile(jar.toFile())) {
            return file.getManifest().getMainAttributes().getValue("Fragment-Host") != null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Before
    public void startDaemon() throws Exception {
        dir = Files.createTempDirectory("wharf-itest");
        socket = dir.resolve("wharf.sock");
        Files.writeString(dir.resolve("daemon.json"), "{}");
        Hashtable<String, Object> props = new Hashtable<>();
        props.put("wharf.launcher", Boolean.TRUE);
        props.put("wharf.args", new String[] { "-H", "unix://" + socket, "--data-root", dir.resolve("root").toString(),
                "--exec-root", dir.resolve("exec").toString(), "--pidfile", dir.resolve("wharf.pid").toString(),
                "--config-file", dir.resolve("daemon.json").toString() });
        launcher = context.registerService(IntConsumer.class, exitRequests::set, props);
        awaitStatus("/_ping", 200);
    }

    @After
    public void stopDaemon() throws Exception {
        launcher.unregister();
        long deadline = System.currentTimeMillis() + TIMEOUT_MILLIS;
        while (Files.exists(socket) && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        assertTrue("the socket is removed when the daemon stops", Files.notExists(socket));
        assertEquals("no exit was requested", -1, exitRequests.get());
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    public void servicesAndRouteTableAreWired() throws Exception {
        assertNotNull("the daemon context is offered once start-up is done",
                context.getServiceReferences("io.wharf.core.internal.daemon.DaemonContext", null));
        assertTrue("system and swarm routers", context.getServiceReferences(Router.class, null).size() >= 2);
        List<Object> orders = context.getServiceReferences(Middleware.class, null).stream()
                .map(r -> r.getProperty(Middleware.ORDER)).sorted().toList();
        assertEquals(List.of(100, 200, 300), orders);
        assertEquals(200, get("/v1.41/version").status);
        assertTrue(get("/info").body.contains("\"DockerRootDir\":\"" + dir.resolve("root") + "\""));
        Response swarm = get("/v1.41/nodes");
        assertEquals(503, swarm.status);
        assertEquals(404, get("/v1.41/no-such-route").status);
    }

    @Test
    public void eventsPublishedByAnyBundleReachTheApi() throws Exception {
        ServiceReference<EventPublisher> ref = context.getServiceReference(EventPublisher.class);
        context.getService(ref).publish(Event.now("plugin", "enable", "itest", Map.of("name", "itest-plugin")));
        long now = System.currentTimeMillis() / 1000 + 1;
        Response events = get("/events?since=0&until=" + now);
        assertEquals(200, events.status);
        assertTrue(events.body, events.body.contains("\"Type\":\"plugin\"") && events.body.contains("itest-plugin"));
    }

    @Test
    public void routerBundleHotPlug() throws Exception {
        assertEquals(404, get("/hello/osgi").status);
        Bundle hello = context.installBundle("reference:" + Path.of(System.getProperty("wharf.hellorouter.jar")).toUri());
        hello.start();
        awaitStatus("/hello/osgi", 200);
        assertTrue(get("/v1.35/hello/osgi").body.contains("\"ApiVersion\":\"1.35\""));
        hello.stop();
        awaitStatus("/hello/osgi", 404);
        hello.start();
        awaitStatus("/hello/osgi", 200);
        hello.uninstall();
        awaitStatus("/hello/osgi", 404);
    }

    @Test
    public void driverBundleNotInUseComesAndGoesFromInfo() throws Exception {
        assertTrue(get("/info").body.contains("\"Driver\":\"overlay2\""));
        Bundle vfs = java.util.Arrays.stream(context.getBundles())
                .filter(b -> b.getSymbolicName().equals("io.wharf.graphdriver.vfs")).findFirst().orElseThrow();
        assertTrue(driversPresent().contains("vfs"));
        vfs.stop();
        assertTrue(driversPresent(), !driversPresent().contains("vfs"));
        assertTrue("the driver in use stays", get("/info").body.contains("\"Driver\":\"overlay2\""));
        vfs.start();
        assertTrue(driversPresent().contains("vfs"));
    }

    private String driversPresent() throws IOException {
        String info = get("/info").body;
        int at = info.indexOf("Drivers present");
        return at < 0 ? "" : info.substring(at, info.indexOf(']', at));
    }

    private void awaitStatus(String path, int status) throws Exception {
        long deadline = System.currentTimeMillis() + TIMEOUT_MILLIS;
        int last = -1;
        while (System.currentTimeMillis() < deadline) {
            try {
                last = get(path).status;
                if (last == status) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(50);
        }
        throw new AssertionError(path + " answered " + last + ", not " + status + ", within " + TIMEOUT_MILLIS + " ms");
    }

    private record Response(int status, String body) {
    }

    private Response get(String path) throws IOException {
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            ch.write(ByteBuffer.wrap(("GET " + path + " HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII)));
            String raw = new String(Channels.newInputStream(ch).readAllBytes(), StandardCharsets.UTF_8);
            int status = Integer.parseInt(raw.substring(9, 12));
            int bodyStart = raw.indexOf("\r\n\r\n");
            return new Response(status, bodyStart < 0 ? "" : raw.substring(bodyStart + 4));
        }
    }

}
