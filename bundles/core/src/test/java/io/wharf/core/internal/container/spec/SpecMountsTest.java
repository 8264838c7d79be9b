package io.wharf.core.internal.container.spec;

import static io.wharf.core.internal.container.spec.OciSpecBuilderTest.mount;
import static io.wharf.core.internal.container.spec.SpecFixtures.config;
import static io.wharf.core.internal.container.spec.SpecFixtures.host;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.wharf.core.internal.container.HostConfig;
import io.wharf.core.spi.errors.InvalidParameterException;

/**
 * The spec's mounts: defaults, user binds and tmpfs mounts replacing them, network files, shm,
 * ordering by depth, read-only root file systems, as dockerd's WithMounts lays them out.
 */
class SpecMountsTest {

    @TempDir
    Path dir;

    private Path rootfs;
    private Path data;
    private Path hostname;
    private Path hosts;
    private Path resolvConf;

    @BeforeEach
    void setUp() throws IOException {
        rootfs = SpecFixtures.rootfs(dir.resolve("rootfs"), "", "");
        data = Files.createDirectories(dir.resolve("data"));
        hostname = Files.writeString(dir.resolve("hostname"), "c\n");
        hosts = Files.writeString(dir.resolve("hosts"), "127.0.0.1 localhost\n");
        resolvConf = Files.writeString(dir.resolve("resolv.conf"), "nameserver 1.1.1.1\n");
    }

    private JsonNode spec(HostConfig host, Path shmDir) {
        SpecInput in = new SpecInput(SpecFixtures.ID, config("{}"), host, rootfs, hostname, hosts, resolvConf, shmDir,
                null, null, null, Map.of(), Set.of());
        return SpecFixtures.json(new OciSpecBuilder(SpecFixtures.platform(null)).build(in));
    }

    private JsonNode spec(String host) {
        return spec(host(host), null);
    }

    private static List<String> destinations(JsonNode spec) {
        List<String> out = new ArrayList<>();
        spec.get("mounts").forEach(m -> out.add(m.get("destination").asText()));
        return out;
    }

    @Test
    void defaultsThenUserMountsByDepthThenNetworkFiles() {
        JsonNode s = spec("{'Binds':['" + data + "/a/b:/srv/a/b','" + data + ":/srv:ro,rshared'],"
                + "'Tmpfs':{'/srv/a/tmp':'size=1m,mode=700,exec'},"
                + "'Mounts':[{'Type':'tmpfs','Target':'/cache','TmpfsOptions':{'SizeBytes':3145728,'Mode':1023}}]}");
        assertEquals(List.of("/proc", "/dev", "/dev/pts", "/sys", "/sys/fs/cgroup", "/dev/mqueue", "/dev/shm",
                "/srv", "/cache", "/etc/resolv.conf", "/etc/hostname", "/etc/hosts", "/srv/a/b", "/srv/a/tmp"),
                destinations(s));

        assertEquals(List.of("rbind", "ro", "rshared"), mount(s, "/srv").options());
        assertEquals("shared", s.at("/linux/rootfsPropagation").asText(), "a shared bind needs a shared root");
        assertEquals(List.of("rbind", "rprivate"), mount(s, "/srv/a/b").options());
        assertTrue(Files.isDirectory(data.resolve("a/b")), "a missing Binds source is created");
        assertEquals(List.of("nosuid", "nodev", "rprivate", "size=1m", "mode=700", "exec"),
                mount(s, "/srv/a/tmp").options(), "the user's exec replaces the default noexec");
        assertEquals(List.of("noexec", "nosuid", "nodev", "rprivate", "mode=1777", "size=3m"),
                mount(s, "/cache").options());
        assertEquals(resolvConf.toString(), mount(s, "/etc/resolv.conf").source());
        assertEquals(List.of("rbind", "rprivate"), mount(s, "/etc/hosts").options());
        assertEquals(List.of("nosuid", "noexec", "nodev", "mode=1777", "size=67108864"),
                mount(s, "/dev/shm").options());
    }

    @Test
    void userMountsReplaceDefaultsAndNetworkFiles() throws IOException {
        Path myHosts = Files.writeString(dir.resolve("my-hosts"), "");
        JsonNode s = spec("{'Binds':['" + myHosts + ":/etc/hosts:ro','" + data + ":/dev/shm'],"
                + "'Tmpfs':{'/proc':''}}");
        assertEquals(myHosts.toString(), mount(s, "/etc/hosts").source());
        assertEquals(List.of("rbind", "ro", "rprivate"), mount(s, "/etc/hosts").options());
        assertEquals("bind", mount(s, "/dev/shm").type());
        assertEquals("tmpfs", mount(s, "/proc").type());
        assertEquals(1, destinations(s).stream().filter(d -> d.equals("/etc/hosts")).count());

        JsonNode dev = spec("{'Mounts':[{'Type':'bind','Source':'" + data + "','Target':'/dev'}]}");
        assertEquals(List.of("/proc", "/sys", "/sys/fs/cgroup", "/dev", "/etc/resolv.conf", "/etc/hostname",
                "/etc/hosts"), destinations(dev), "a user /dev replaces everything below it");
    }

    @Test
    void ipcModesDecideDevShm() {
        assertFalse(destinations(spec("{'IpcMode':'none'}")).contains("/dev/shm"));
        JsonNode shareable = spec(host("{'IpcMode':'shareable'}"), data);
        assertEquals(data.toString(), mount(shareable, "/dev/shm").source());
        assertEquals(List.of("rbind", "rprivate"), mount(shareable, "/dev/shm").options());
        assertEquals(List.of("nosuid", "noexec", "nodev", "mode=1777", "size=1048576"),
                mount(spec("{'ShmSize':1048576}"), "/dev/shm").options());
    }

    @Test
    void readonlyRootfsMakesTheRestReadOnly() {
        JsonNode s = spec("{'ReadonlyRootfs':true,'Binds':['" + data + ":/data'],'Tmpfs':{'/tmp':''}}");
        assertTrue(s.at("/root/readonly").asBoolean());
        assertEquals(List.of("rbind", "rprivate"), mount(s, "/data").options(), "the user's mounts stay as asked");
        assertEquals(List.of("rbind", "ro", "rprivate"), mount(s, "/etc/hosts").options());
        assertEquals(List.of("nosuid", "noexec", "nodev"), mount(s, "/proc").options(), "/proc stays writable");
        assertEquals(List.of("nosuid", "noexec", "nodev"), mount(s, "/dev/mqueue").options());
        assertFalse(mount(s, "/dev/shm").options().contains("ro"));
        assertFalse(mount(s, "/tmp").options().contains("ro"));
    }

    @Test
    void badBindsFailWithDockerdsMessages() {
        assertEquals("invalid volume specification: '/a:/b:/c:/d'", failure("{'Binds':['/a:/b:/c:/d']}"));
        assertEquals("invalid volume specification: '/data:rw'", failure("{'Binds':['/data:rw']}"));
        assertEquals("invalid mode: rw,ro", failure("{'Binds':['/a:/b:rw,ro']}"));
        assertEquals("invalid volume specification: '/a:/': invalid mount config for type \"bind\": "
                + "invalid specification: destination can't be '/'", failure("{'Binds':['/a:/']}"));
        assertEquals("invalid volume specification: '/a:b': invalid mount config for type \"bind\": "
                + "invalid mount path: 'b' mount path must be absolute", failure("{'Binds':['/a:b']}"));
        assertEquals("create ./data: \"./data\" includes invalid characters for a local volume name, only "
                + "\"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute"
                + " path", failure("{'Binds':['./data:/data']}"));
        assertEquals("Duplicate mount point: /x", failure("{'Binds':['/a:/x','/b:/x/']}"));
        assertEquals("Duplicate mount point: /t", failure("{'Binds':['/a:/t'],'Tmpfs':{'/t':''}}"));
        assertEquals("invalid mount config for type \"bind\": bind source path does not exist: /does/not/exist",
                failure("{'Mounts':[{'Type':'bind','Source':'/does/not/exist','Target':'/x'}]}"));
        assertEquals("invalid mount config for type \"tmpfs\": field Source must not be specified",
                failure("{'Mounts':[{'Type':'tmpfs','Source':'/a','Target':'/x'}]}"));
        assertEquals("Invalid tmpfs option [\"bogus\"]", failure("{'Tmpfs':{'/x':'bogus'}}"));
    }

    private String failure(String host) {
        return assertThrows(InvalidParameterException.class, () -> spec(host)).getMessage();
    }
}
