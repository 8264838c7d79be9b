package io.wharf.core.internal.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    private DaemonConfig load(String json, String... flags) throws Exception {
        Path file = dir.resolve("daemon.json");
        Files.writeString(file, json);
        List<String> args = new ArrayList<>(List.of("--config-file", file.toString()));
        args.addAll(List.of(flags));
        return ConfigLoader.load(DaemonCommandLine.parse(args));
    }

    private String error(String json, String... flags) {
        return assertThrows(ConfigException.class, () -> load(json, flags)).getMessage();
    }

    @Test
    void defaultsAreWharfsOwn() throws Exception {
        DaemonConfig c = load("{}");
        assertEquals(Path.of("/var/lib/wharf"), c.dataRoot());
        assertEquals(Path.of("/var/run/wharf"), c.execRoot());
        assertEquals(Path.of("/var/run/wharf.pid"), c.pidFile());
        assertEquals("unix:///var/run/wharf.sock", c.hosts().getFirst().toString());
        assertEquals(3, c.integer("max-concurrent-downloads"));
        assertEquals(5, c.integer("max-concurrent-uploads"));
        assertEquals("cgroupfs", c.cgroupDriver());
        assertTrue(c.bool("iptables"));
    }

    @Test
    void fileAndFlagsMerge() throws Exception {
        DaemonConfig c = load("{\"debug\": true, \"labels\": [\"a=b\"], \"hosts\": [\"unix:///tmp/x.sock\"]}",
                "--data-root", "/tmp/root");
        assertTrue(c.debug());
        assertEquals(List.of("a=b"), c.labels());
        assertEquals(Path.of("/tmp/root"), c.dataRoot());
        assertEquals(Path.of("/tmp/x.sock"), c.hosts().getFirst().socketPath());
    }

    @Test
    void directiveGivenBothWaysIsDockerdsError() {
        String msg = error("{\"debug\": false, \"labels\": [\"x=1\"]}", "--debug", "--label", "y=2");
        assertTrue(msg.contains("the following directives are specified both as a flag and in the configuration file: "
                + "debug: (from flag: true, from file: false), labels: (from flag: [y=2], from file: [x=1])"), msg);
        assertTrue(msg.startsWith("unable to configure the Docker daemon with file " + dir.resolve("daemon.json")), msg);
    }

    @Test
    void registryMirrorsAreValidatedAsDockerdDoes() throws Exception {
        assertEquals(List.of("http://127.0.0.1:5000/", "https://mirror.example/"), load("{}", "--registry-mirror",
                "http://127.0.0.1:5000", "--registry-mirror", "https://mirror.example/").list("registry-mirrors"));
        assertEquals(List.of("https://mirror.example/"),
                load("{\"registry-mirrors\": [\"https://mirror.example\"]}").list("registry-mirrors"));
        assertTrue(error("{}", "--registry-mirror", "mirror.example").contains("invalid mirror: unsupported scheme \"\" in "
                + "\"mirror.example\""));
        assertTrue(error("{}", "--registry-mirror", "ftp://mirror.example").contains("invalid mirror: unsupported scheme "
                + "\"ftp\""));
        assertEquals(List.of("HTTP://mirror.example/"),
                load("{}", "--registry-mirror", "HTTP://mirror.example").list("registry-mirrors"));
        // Only a host: dockerd 20.10 takes no path (a registry served under one), query or fragment. A
        // flag is checked as pflag parses it, daemon.json when the registry service is made.
        for (String mirror : List.of("https://mirror.example/v2", "http://127.0.0.1:5000/docker-hub/",
                "https://mirror.example//", "https://mirror.example/?x=1", "https://mirror.example#top")) {
            String message = "invalid mirror: path, query, or fragment at end of the URI \"" + mirror + "\"";
            assertEquals("invalid argument \"" + mirror + "\" for \"--registry-mirror\" flag: " + message
                    + "\nSee 'wharfd --help'.", error("{}", "--registry-mirror", mirror));
            assertEquals(message, error("{\"registry-mirrors\": [\"" + mirror + "\"]}"));
        }
        assertEquals("invalid mirror: username/password not allowed in URI \"https://bob:xxxxx@mirror.example\"",
                error("{\"registry-mirrors\": [\"https://bob:pw@mirror.example\"]}"));
        assertTrue(error("{}", "--registry-mirror", "https://bob@mirror.example/").contains("flag: invalid mirror: "
                + "username/password not allowed in URI \"https://bob:xxxxx@mirror.example/\""));
    }

    @Test
    void unknownKeyIsAnError() {
        String msg = error("{\"debug\": true, \"no-such-thing\": 1, \"label\": []}");
        assertTrue(msg.endsWith("the following directives don't match any configuration option: no-such-thing, label"), msg);
    }

    @Test
    void malformedJsonNamesLineAndColumn() {
        String msg = error("{\n  \"debug\": true,\n  }\n");
        assertTrue(msg.contains("invalid JSON at line 3, column 3"), msg);
    }

    @Test
    void wrongTypeIsAnError() {
        String msg = error("{\"debug\": \"yes\"}");
        assertTrue(msg.contains("\"debug\" must be a boolean"), msg);
        assertTrue(error("{\"hosts\": \"unix:///x\"}").contains("\"hosts\" must be an array of strings"));
    }

    @Test
    void duplicateKeyIsAnError() {
        assertTrue(error("{\"debug\": true, \"debug\": false}").contains("debug"));
    }

    @Test
    void missingNamedFileIsAnError() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(DaemonCommandLine.parse(List.of("--config-file", dir.resolve("nope.json").toString()))));
        assertTrue(e.getMessage().contains("no such file or directory"), e.getMessage());
    }

    @Test
    void missingDefaultFileIsFine() throws Exception {
        assertEquals(java.util.Map.of(), ConfigLoader.readFile(dir.resolve("absent.json"), false));
    }

    @Test
    void bipWithBridgeIsRefused() {
        assertEquals("You specified -b & --bip, mutually exclusive options. Please specify only one",
                error("{}", "--bip", "172.30.0.1/16", "-b", "br0"));
    }

    @Test
    void iccFalseNeedsIptables() {
        assertTrue(error("{}", "--icc=false", "--iptables=false").startsWith("You specified --iptables=false with --icc=false"));
    }

    @Test
    void ipMasqNeedsIptables() throws Exception {
        assertTrue(error("{\"ip-masq\": true}", "--iptables=false").startsWith("You specified --iptables=false with --ip-masq=true"));
        // The default --ip-masq=true simply does not apply without iptables.
        assertFalse(load("{}", "--iptables=false").bool("ip-masq"));
    }

    @Test
    void defaultUlimitsAndShmSizeFromFlagsOrTheFile() throws Exception {
        assertEquals(List.of("nofile=1024:2048"), load("{}", "--default-ulimit", "nofile=1024:2048").list("default-ulimits"));
        assertEquals(List.of("nofile=100:200"),
                load("{\"default-ulimits\": {\"nofile\": {\"Name\": \"nofile\", \"Soft\": 100, \"Hard\": 200}}}")
                        .list("default-ulimits"));
        assertTrue(error("{}", "--default-ulimit", "nofile=20:10").contains("soft limit must be less than or equal to hard limit"));
        assertTrue(error("{}", "--default-ulimit", "bogus=1").contains("invalid ulimit type: bogus"));
        assertEquals("64M", load("{}").string("default-shm-size"));
        assertTrue(error("{}", "--default-shm-size", "lots").startsWith("invalid size"), error("{}", "--default-shm-size", "lots"));
    }

    @Test
    void cgroupDriverValues() throws Exception {
        assertEquals("systemd", load("{\"exec-opts\": [\"native.cgroupdriver=systemd\"]}").cgroupDriver());
        assertTrue(error("{}", "--exec-opt", "native.cgroupdriver=foo").contains("native.cgroupdriver option foo not supported"));
        assertTrue(error("{}", "--exec-opt", "bogus=1").contains("unknown exec-opt: bogus"));
    }

    @Test
    void otherValidations() {
        assertEquals("unable to parse logging level: loud", error("{}", "--log-level", "loud"));
        assertEquals("unknown log format: xml", error("{\"log-format\": \"xml\"}"));
        assertEquals("bad attribute format: novalue", error("{}", "--label", "novalue"));
        assertEquals("conflict labels for a=1 and a=2", error("{}", "--label", "a=1", "--label", "a=2"));
        assertTrue(error("{}", "-H", "ftp://x").startsWith("Invalid bind address format: ftp://x"));
        assertEquals("invalid default MTU: -1", error("{}", "--mtu", "-1"));
        assertEquals("invalid max concurrent downloads: -2", error("{}", "--max-concurrent-downloads", "-2"));
        assertTrue(error("{}", "--bip", "300.1.1.1/16").startsWith("invalid bip 300.1.1.1/16"));
        assertTrue(error("{}", "--userns-remap", "a:b:c").startsWith("Invalid userns-remap value"));
    }

    @Test
    void tcpPortsDependOnTls() throws Exception {
        assertEquals(2375, load("{}", "-H", "tcp://127.0.0.1").hosts().getFirst().port());
        assertEquals(2376, load("{}", "-H", "tcp://127.0.0.1", "--tlsverify").hosts().getFirst().port());
        assertEquals("127.0.0.1", load("{}", "-H", "tcp://localhost:9999").hosts().getFirst().host());
    }

    @Test
    void reloadTakesOnlyReloadableSettings() throws Exception {
        DaemonConfig running = load("{\"debug\": false, \"mtu\": 1400}");
        DaemonConfig next = load("{\"debug\": true, \"mtu\": 1300, \"labels\": [\"env=test\"]}");
        DaemonConfig effective = running.withReloadable(next);
        assertTrue(effective.debug());
        assertEquals(List.of("env=test"), effective.labels());
        assertEquals(1400, effective.integer("mtu"));
        assertEquals(List.of("debug", "labels"), running.differences(effective));
    }
}
