package io.wharf.core.internal.container.spec;

import static io.wharf.core.internal.container.spec.SpecFixtures.config;
import static io.wharf.core.internal.container.spec.SpecFixtures.host;
import static io.wharf.core.internal.container.spec.SpecFixtures.strings;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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

import io.wharf.core.internal.container.ContainerConfig;
import io.wharf.core.internal.container.HostConfig;
import io.wharf.core.internal.json.Json;
import io.wharf.core.spi.errors.SystemException;

/**
 * The spec of one container, built from API-shaped Config and HostConfig and read back as the
 * JSON containerd receives: process, capabilities, namespaces, masks, resources, devices,
 * seccomp and sysctls, compared with what dockerd 20.10 writes for the same settings.
 */
class OciSpecBuilderTest {

    @TempDir
    Path dir;

    private Path rootfs;
    private Path init;
    private OciSpecBuilder builder;

    @BeforeEach
    void setUp() throws IOException {
        rootfs = SpecFixtures.rootfs(dir.resolve("rootfs"), "root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/:/bin/sh\n",
                "root:x:0:\napp:x:1000:\n");
        init = Files.writeString(dir.resolve("docker-init"), "tini");
        builder = new OciSpecBuilder(SpecFixtures.platform(init));
    }

    private JsonNode spec(ContainerConfig config, HostConfig host) {
        return SpecFixtures.json(builder.build(SpecFixtures.input(rootfs, config, host)));
    }

    private JsonNode spec(String host) {
        return spec(config("{'Hostname':'0123456789ab'}"), host(host));
    }

    @Test
    void plainContainerGetsDockerdsDefaults() {
        JsonNode s = spec(config("{'Hostname':'web','Domainname':'example.org','Env':['PATH=/opt/bin','A=1'],"
                + "'Entrypoint':['/entry','-x'],'Cmd':['serve'],'WorkingDir':'/srv'}"), host("{}"));

        assertEquals("1.0.2-dev", s.get("ociVersion").asText());
        JsonNode p = s.get("process");
        assertEquals(List.of("/entry", "-x", "serve"), strings(p.get("args")));
        assertEquals(List.of("PATH=/opt/bin", "HOSTNAME=web", "A=1"), strings(p.get("env")));
        assertEquals("/srv", p.get("cwd").asText());
        assertFalse(p.has("terminal"));
        assertFalse(p.has("noNewPrivileges"));
        assertFalse(p.has("rlimits"));
        assertEquals(0, p.get("oomScoreAdj").asInt());
        assertEquals(Capabilities.DEFAULTS, strings(p.at("/capabilities/bounding")));
        assertEquals(Capabilities.DEFAULTS, strings(p.at("/capabilities/effective")));
        assertEquals(Capabilities.DEFAULTS, strings(p.at("/capabilities/permitted")));
        assertFalse(p.get("capabilities").has("inheritable"));

        assertEquals(rootfs.toString(), s.at("/root/path").asText());
        assertFalse(s.get("root").has("readonly"));
        assertEquals("web", s.get("hostname").asText());

        JsonNode linux = s.get("linux");
        assertEquals("/wharf/" + SpecFixtures.ID, linux.get("cgroupsPath").asText());
        assertEquals(List.of("mount", "network", "uts", "pid", "ipc"), types(linux.get("namespaces")));
        assertEquals(Map.of("kernel.domainname", "example.org", "net.ipv4.ping_group_range", "0 2147483647",
                "net.ipv4.ip_unprivileged_port_start", "0"), Json.MAPPER.convertValue(linux.get("sysctl"), Map.class));
        assertEquals(11, linux.get("maskedPaths").size());
        assertTrue(strings(linux.get("maskedPaths")).containsAll(List.of("/proc/kcore", "/sys/firmware")));
        assertEquals(List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"),
                strings(linux.get("readonlyPaths")));
        assertFalse(linux.has("devices"));
        assertTrue(linux.has("seccomp"));
    }

    @Test
    void nonRootUserGetsOnlyTheBoundingSet() {
        JsonNode p = spec(config("{'User':'app'}"), host("{'GroupAdd':['root']}")).get("process");
        assertEquals(1000, p.at("/user/uid").asInt());
        assertEquals(1000, p.at("/user/gid").asInt());
        assertEquals(List.of("1000", "0"), strings(p.at("/user/additionalGids")));
        assertEquals(Capabilities.DEFAULTS, strings(p.at("/capabilities/bounding")));
        assertFalse(p.get("capabilities").has("effective"));
        assertFalse(p.get("capabilities").has("permitted"));
    }

    @Test
    void capAddAndCapDropAcceptAnyCaseWithOrWithoutPrefix() {
        List<String> caps = strings(spec("{'CapAdd':['sys_admin','CAP_NET_ADMIN'],'CapDrop':['Mknod','cap_kill']}")
                .at("/process/capabilities/bounding"));
        List<String> expected = new ArrayList<>(Capabilities.DEFAULTS);
        expected.removeAll(List.of("CAP_MKNOD", "CAP_KILL"));
        expected.addAll(List.of("CAP_SYS_ADMIN", "CAP_NET_ADMIN"));
        assertEquals(expected, caps);
    }

    @Test
    void allInCapAddOrCapDrop() {
        List<String> addAll = strings(spec("{'CapAdd':['ALL'],'CapDrop':['SYS_ADMIN']}")
                .at("/process/capabilities/bounding"));
        assertEquals(36, addAll.size(), "38 known, less the daemon's missing CAP_SYS_RESOURCE, less SYS_ADMIN");
        assertFalse(addAll.contains("CAP_SYS_ADMIN"));
        assertFalse(addAll.contains("CAP_SYS_RESOURCE"));
        assertFalse(addAll.contains("CAP_BPF"));
        assertEquals(List.of("CAP_CHOWN"), strings(spec("{'CapAdd':['chown'],'CapDrop':['all']}")
                .at("/process/capabilities/bounding")));
        assertTrue(spec("{'CapDrop':['ALL']}").at("/process/capabilities").isEmpty(), "no capability at all");
    }

    @Test
    void privilegedGetsEverythingAndNoConfinement() {
        JsonNode s = spec("{'Privileged':true,'CapDrop':['ALL']}");
        assertEquals(SpecFixtures.CAPABILITIES, strings(s.at("/process/capabilities/bounding")),
                "all the daemon has");
        JsonNode linux = s.get("linux");
        assertFalse(linux.has("seccomp"));
        assertFalse(linux.has("maskedPaths"));
        assertFalse(linux.has("readonlyPaths"));
        assertEquals(1, linux.at("/resources/devices").size());
        assertTrue(linux.at("/resources/devices/0/allow").asBoolean());
        assertEquals("rwm", linux.at("/resources/devices/0/access").asText());
        assertTrue(devicePaths(linux).contains("/dev/null"), "host devices are created");
        JsonNode nullDevice = device(linux, "/dev/null");
        assertEquals("c", nullDevice.get("type").asText());
        assertEquals(1, nullDevice.get("major").asInt());
        assertEquals(3, nullDevice.get("minor").asInt());
        assertEquals(020666, nullDevice.get("fileMode").asInt() & 0170777, "st_mode with the type bits");
        assertEquals(List.of("nosuid", "noexec", "nodev"), mount(s, "/sys").options);
        assertEquals(List.of("nosuid", "noexec", "nodev"), mount(s, "/sys/fs/cgroup").options);
    }

    @Test
    void explicitMaskedAndReadonlyPathsWinEvenWhenPrivileged() {
        JsonNode linux = spec("{'Privileged':true,'MaskedPaths':['/proc/x'],'ReadonlyPaths':[]}").get("linux");
        assertEquals(List.of("/proc/x"), strings(linux.get("maskedPaths")));
        assertFalse(linux.has("readonlyPaths"));
    }

    @Test
    void securityOptionsSetNoNewPrivilegesAndSeccomp() {
        assertTrue(spec("{'SecurityOpt':['no-new-privileges']}").at("/process/noNewPrivileges").asBoolean());
        assertTrue(spec("{'SecurityOpt':['no-new-privileges=true']}").at("/process/noNewPrivileges").asBoolean());
        assertFalse(spec("{'SecurityOpt':['no-new-privileges:false']}").get("process").has("noNewPrivileges"));
        assertFalse(spec("{'SecurityOpt':['seccomp=unconfined']}").get("linux").has("seccomp"));
    }

    @Test
    void defaultSeccompFollowsTheCapabilities() {
        JsonNode plain = spec("{}").at("/linux/seccomp");
        assertEquals("SCMP_ACT_ERRNO", plain.get("defaultAction").asText());
        assertEquals(List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"),
                strings(plain.get("architectures")));
        assertEquals(38, rule(plain, "clone3").get("errnoRet").asInt(), "clone3 gets ENOSYS without CAP_SYS_ADMIN");
        assertFalse(allowed(plain).contains("mount"));
        assertFalse(allowed(plain).contains("reboot"));
        assertTrue(allowed(plain).contains("ptrace"), "ptrace from kernel 4.8 on");
        assertTrue(allowed(plain).contains("arch_prctl"), "amd64 only");
        assertFalse(allowed(plain).contains("s390_runtime_instr"));

        JsonNode admin = spec("{'CapAdd':['SYS_ADMIN','SYS_BOOT']}").at("/linux/seccomp");
        assertTrue(allowed(admin).containsAll(List.of("mount", "clone3", "reboot")));
        assertTrue(rules(admin, "clone3").stream().noneMatch(r -> r.has("errnoRet")));
    }

    @Test
    void customSeccompProfileFromJsonOrFile() throws IOException {
        String profile = "{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['chmod'],'action':'SCMP_ACT_ERRNO',"
                + "'args':[{'index':1,'value':18446744073709551615,'valueTwo':0,'op':'SCMP_CMP_MASKED_EQ'}]},"
                + "{'name':'kexec_load','action':'SCMP_ACT_KILL','includes':{'minKernel':'9.0'}}]}";
        String json = profile.replace('\'', '"');
        Path file = Files.writeString(dir.resolve("profile.json"), json);
        // The docker CLI sends the file's content; a path names a file on the daemon's host.
        for (String opt : List.of("seccomp=" + json, "seccomp=" + file)) {
            JsonNode s = spec(config("{}"), SpecFixtures.hostWith("SecurityOpt", List.of(opt))).at("/linux/seccomp");
            assertEquals("SCMP_ACT_ALLOW", s.get("defaultAction").asText());
            assertFalse(s.has("architectures"));
            assertEquals(1, s.get("syscalls").size(), "the minKernel 9.0 rule is left out on 5.10");
            JsonNode arg = s.at("/syscalls/0/args/0");
            assertEquals("18446744073709551615", arg.get("value").asText());
            assertFalse(arg.has("valueTwo"), "zero valueTwo is omitted");
            assertEquals("SCMP_CMP_MASKED_EQ", arg.get("op").asText());
        }
    }

    @Test
    void resourcesAreDockerdsArithmetic() {
        JsonNode r = spec("{'Memory':104857600,'MemoryReservation':52428800,'MemorySwappiness':10,'NanoCpus':1500000000,"
                + "'CpuShares':512,'CpusetCpus':'0-1','CpusetMems':'0','PidsLimit':100,'BlkioWeight':300}")
                .at("/linux/resources");
        assertEquals(104857600, r.at("/memory/limit").asLong());
        assertEquals(209715200, r.at("/memory/swap").asLong(), "twice the memory when swap is unset");
        assertEquals(52428800, r.at("/memory/reservation").asLong());
        assertEquals(10, r.at("/memory/swappiness").asLong());
        assertFalse(r.at("/memory/disableOOMKiller").asBoolean());
        assertEquals(512, r.at("/cpu/shares").asLong());
        assertEquals(100000, r.at("/cpu/period").asLong());
        assertEquals(150000, r.at("/cpu/quota").asLong());
        assertEquals("0-1", r.at("/cpu/cpus").asText());
        assertEquals("0", r.at("/cpu/mems").asText());
        assertEquals(100, r.at("/pids/limit").asLong());
        assertEquals(300, r.at("/blockIO/weight").asInt());

        JsonNode unset = spec("{'PidsLimit':-1,'CpuPeriod':50000,'CpuQuota':25000,'MemorySwap':-1,'Memory':10485760}")
                .at("/linux/resources");
        assertTrue(unset.path("pids").isMissingNode(), "0 or less means no limit");
        assertEquals(50000, unset.at("/cpu/period").asLong());
        assertEquals(25000, unset.at("/cpu/quota").asLong());
        assertEquals(0, unset.at("/cpu/shares").asLong(), "shares always written");
        assertTrue(unset.at("/memory/swap").isMissingNode(), "-1 is unlimited swap");
        assertEquals(0, unset.at("/blockIO/weight").asInt(), "weight always written");
    }

    @Test
    void devicesMappingsAndCgroupRules() {
        JsonNode linux = spec("{'Devices':[{'PathOnHost':'/dev/null','PathInContainer':'/dev/mynull',"
                + "'CgroupPermissions':'rw'}],'DeviceCgroupRules':['c 13:* rwm','b 8:0 r']}").get("linux");
        JsonNode d = device(linux, "/dev/mynull");
        assertEquals(1, d.get("major").asInt());
        assertEquals(3, d.get("minor").asInt());
        assertEquals(0, d.get("uid").asInt());
        JsonNode rules = linux.at("/resources/devices");
        assertEquals(Devices.DEFAULT_RULES.size() + 3, rules.size());
        assertFalse(rules.get(0).get("allow").asBoolean(), "deny all first");
        assertEquals("rw", rules.get(8).get("access").asText());
        assertEquals(-1, rules.get(9).get("minor").asInt());
        assertEquals("b", rules.get(10).get("type").asText());

        assertEquals("error gathering device information while adding custom device \"/dev/nope\": "
                + "no such file or directory", assertThrows(SystemException.class,
                        () -> spec("{'Devices':[{'PathOnHost':'/dev/nope','PathInContainer':'/dev/nope'}]}"))
                        .getMessage());
    }

    @Test
    void rlimitsAreClampedToTheDaemonsHardLimits() {
        JsonNode rl = spec("{'Ulimits':[{'Name':'nofile','Soft':1024,'Hard':65536},{'Name':'nproc','Soft':-1,"
                + "'Hard':-1},{'Name':'core','Soft':0,'Hard':0}]}").at("/process/rlimits");
        assertEquals("RLIMIT_NOFILE", rl.at("/0/type").asText());
        assertEquals(1024, rl.at("/0/soft").asLong());
        assertEquals(20000, rl.at("/0/hard").asLong());
        assertEquals("18446744073709551615", rl.at("/1/hard").asText(), "unlimited stays unlimited");
        assertEquals("RLIMIT_CORE", rl.at("/2/type").asText());
    }

    @Test
    void namespaceModes() {
        JsonNode shared = spec(config("{}"), host("{'NetworkMode':'host','PidMode':'host','IpcMode':'host',"
                + "'UTSMode':'host','CgroupnsMode':'private'}"));
        assertEquals(List.of("mount", "cgroup"), types(shared.at("/linux/namespaces")));
        assertFalse(shared.has("hostname"), "no hostname in the host's UTS namespace");
        assertFalse(shared.at("/linux").has("sysctl"), "no network sysctls in the host's namespace");
        assertEquals("/dev/shm", mount(shared, "/dev/shm").source, "--ipc=host binds the host's /dev/shm");

        SpecInput joined = new SpecInput(SpecFixtures.ID, config("{}"),
                host("{'NetworkMode':'container:other','IpcMode':'container:other','PidMode':'container:other'}"),
                rootfs, null, null, null, dir, "/proc/42/ns/net", "/proc/42/ns/ipc", "/proc/42/ns/pid", Map.of(), Set.of());
        JsonNode ns = SpecFixtures.json(builder.build(joined)).at("/linux/namespaces");
        assertEquals("/proc/42/ns/net", ns.at("/1/path").asText());
        assertEquals("/proc/42/ns/pid", ns.at("/3/path").asText());
        assertEquals("/proc/42/ns/ipc", ns.at("/4/path").asText());

        assertEquals("cannot join PID of a non running container: other", assertThrows(SystemException.class,
                () -> spec("{'PidMode':'container:other'}")).getMessage());
    }

    @Test
    void initWrapsTheCommandOnlyInItsOwnPidNamespace() {
        JsonNode s = spec(config("{'Cmd':['sleep','1']}"), host("{'Init':true}"));
        assertEquals(List.of("/sbin/docker-init", "--", "sleep", "1"), strings(s.at("/process/args")));
        Mount m = mount(s, "/sbin/docker-init");
        assertEquals(init.toString(), m.source);
        assertEquals(List.of("bind", "ro"), m.options);

        JsonNode hostPid = spec(config("{'Cmd':['sleep','1']}"), host("{'Init':true,'PidMode':'host'}"));
        assertEquals(List.of("sleep", "1"), strings(hostPid.at("/process/args")));
    }

    @Test
    void sysctlsMergeOverDefaults() {
        JsonNode sysctl = spec("{'Sysctls':{'net.ipv4.ping_group_range':'1 1','kernel.shmmax':'1'}}")
                .at("/linux/sysctl");
        assertEquals("1 1", sysctl.get("net.ipv4.ping_group_range").asText());
        assertEquals("1", sysctl.get("kernel.shmmax").asText());
    }

    @Test
    void specJsonReadsBackUnchanged() throws IOException {
        byte[] json = builder.build(SpecFixtures.input(rootfs, config("{}"), host("{'Ulimits':[{'Name':'nproc',"
                + "'Soft':-1,'Hard':-1}]}"))).json();
        assertArrayEquals(json, OciSpec.parse(json).json(), "exec reads the stored spec back");
    }

    private static List<String> types(JsonNode namespaces) {
        List<String> out = new ArrayList<>();
        namespaces.forEach(n -> out.add(n.get("type").asText()));
        return out;
    }

    private static List<String> devicePaths(JsonNode linux) {
        List<String> out = new ArrayList<>();
        linux.path("devices").forEach(d -> out.add(d.get("path").asText()));
        return out;
    }

    private static JsonNode device(JsonNode linux, String path) {
        for (JsonNode d : linux.path("devices")) {
            if (d.get("path").asText().equals(path)) {
                return d;
            }
        }
        throw new AssertionError("no device " + path);
    }

    private static List<JsonNode> rules(JsonNode seccomp, String syscall) {
        List<JsonNode> out = new ArrayList<>();
        seccomp.get("syscalls").forEach(r -> {
            if (strings(r.get("names")).contains(syscall)) {
                out.add(r);
            }
        });
        return out;
    }

    private static JsonNode rule(JsonNode seccomp, String syscall) {
        return rules(seccomp, syscall).getFirst();
    }

    /** Syscalls some unconditional ALLOW rule names. */
    private static List<String> allowed(JsonNode seccomp) {
        List<String> out = new ArrayList<>();
        seccomp.get("syscalls").forEach(r -> {
            if (r.get("action").asText().equals("SCMP_ACT_ALLOW") && !r.has("args")) {
                out.addAll(strings(r.get("names")));
            }
        });
        return out;
    }

    /** A spec mount, read back. */
    record Mount(String destination, String type, String source, List<String> options) {
    }

    static Mount mount(JsonNode spec, String destination) {
        for (JsonNode m : spec.get("mounts")) {
            if (m.get("destination").asText().equals(destination)) {
                return new Mount(destination, m.path("type").asText(), m.path("source").asText(),
                        strings(m.get("options")));
            }
        }
        throw new AssertionError("no mount at " + destination);
    }
}
