package io.wharf.core.internal.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

class DaemonCommandLineTest {

    private static DaemonCommandLine parse(String... args) throws ConfigException {
        return DaemonCommandLine.parse(List.of(args));
    }

    @Test
    void keepsOnlyTheFlagsGiven() throws Exception {
        DaemonCommandLine cl = parse("-H", "unix:///tmp/a.sock", "--host=tcp://127.0.0.1:2375", "-D",
                "--iptables=false", "--mtu", "1400", "--label", "a=b", "--label=c=d");
        assertEquals(List.of("unix:///tmp/a.sock", "tcp://127.0.0.1:2375"), cl.flagValues().get("hosts"));
        assertEquals(true, cl.flagValues().get("debug"));
        assertEquals(false, cl.flagValues().get("iptables"));
        assertEquals(1400, cl.flagValues().get("mtu"));
        assertEquals(List.of("a=b", "c=d"), cl.flagValues().get("labels"));
        assertFalse(cl.flagValues().containsKey("data-root"));
        assertEquals(Path.of("/etc/wharf/daemon.json"), cl.configFile());
        assertFalse(cl.configFileGiven());
    }

    @Test
    void booleanFlagAloneMeansTrue() throws Exception {
        assertEquals(true, parse("--tlsverify").flagValues().get("tlsverify"));
        assertEquals(true, parse("--live-restore=true").flagValues().get("live-restore"));
    }

    @Test
    void unknownFlagIsNamed() {
        ConfigException e = assertThrows(ConfigException.class, () -> parse("--no-such-flag"));
        assertTrue(e.getMessage().startsWith("unknown flag: --no-such-flag"), e.getMessage());
    }

    @Test
    void flagWithoutValue() {
        ConfigException e = assertThrows(ConfigException.class, () -> parse("--data-root"));
        assertTrue(e.getMessage().startsWith("flag needs an argument: --data-root"), e.getMessage());
    }

    @Test
    void badIntegerIsRefused() {
        ConfigException e = assertThrows(ConfigException.class, () -> parse("--mtu", "big"));
        assertTrue(e.getMessage().contains("--mtu"), e.getMessage());
    }

    @Test
    void positionalArgumentsAreRefused() {
        ConfigException e = assertThrows(ConfigException.class, () -> parse("serve"));
        assertTrue(e.getMessage().contains("accepts no arguments"), e.getMessage());
    }

    @Test
    void helpAndVersion() throws Exception {
        assertTrue(parse("--help").helpRequested());
        assertTrue(parse("-v").versionRequested());
        assertTrue(parse("-h").usage().contains("--data-root"));
    }

    @Test
    void configFileAndDeployDir() throws Exception {
        DaemonCommandLine cl = parse("--config-file", "/tmp/x.json", "--deploy-dir", "/tmp/deploy");
        assertTrue(cl.configFileGiven());
        assertEquals(Path.of("/tmp/x.json"), cl.configFile());
    }

    @Test
    void pluginDirIsRepeatable() throws Exception {
        DaemonCommandLine cl = parse("--plugin-dir", "/tmp/a", "--plugin-dir=/tmp/b");
        assertEquals(java.util.List.of("/tmp/a", "/tmp/b"), cl.flagValues().get("plugin-dirs"));
    }
}
