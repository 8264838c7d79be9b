package io.wharf.core.internal.container.spec;

import static io.wharf.core.internal.container.spec.SpecFixtures.config;
import static io.wharf.core.internal.container.spec.SpecFixtures.rawHost;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.wharf.core.internal.container.HostConfig;
import io.wharf.core.spi.errors.InvalidParameterException;

/**
 * dockerd's create-time checks with its exact messages (runconfig, verifyContainerSettings,
 * verifyPlatformContainerResources), runc's sysctl rules and docker's ulimit rules, on a two-CPU
 * platform; and the defaults create fills in.
 */
class ContainerSettingsTest {

    private static final SpecPlatform PLATFORM = SpecFixtures.platform(Path.of("/usr/bin/docker-init"));

    /** Config JSON, HostConfig JSON, dockerd's message. */
    static Stream<Arguments> invalid() {
        return Stream.of(
                // runconfig
                Arguments.of("{}", "{'NetworkMode':'container:'}",
                        "Invalid network mode: invalid container format container:<name|id>"),
                Arguments.of("{'Hostname':'h'}", "{'NetworkMode':'container:db'}",
                        "conflicting options: hostname and the network mode"),
                Arguments.of("{}", "{'NetworkMode':'container:db','Dns':['1.1.1.1']}",
                        "conflicting options: dns and the network mode"),
                Arguments.of("{}", "{'NetworkMode':'container:db','PublishAllPorts':true}",
                        "conflicting options: port publishing and the container type network mode"),
                Arguments.of("{'MacAddress':'02:42:ac:11:00:02'}", "{'NetworkMode':'host'}",
                        "conflicting options: mac-address and the network mode"),
                Arguments.of("{'Hostname':'h'}", "{'UTSMode':'host'}", "conflicting options: hostname and the UTS mode"),
                Arguments.of("{}", "{'Isolation':'hyperv'}", "Invalid isolation: \"hyperv\" - linux only supports 'default'"),
                Arguments.of("{}", "{'IOMaximumIOps':5}",
                        "Invalid QoS settings: linux does not support configuration of maximum IOPs"),
                // Config
                Arguments.of("{'WorkingDir':'srv'}", "{}",
                        "the working directory 'srv' is invalid, it needs to be an absolute path"),
                Arguments.of("{'StopSignal':'SIGBOGUS'}", "{}", "Invalid signal: SIGBOGUS"),
                Arguments.of("{'Env':['=x']}", "{}", "invalid environment variable: =x"),
                Arguments.of("{'Healthcheck':{'Interval':1000}}", "{}", "Interval in Healthcheck cannot be less than 1ms"),
                Arguments.of("{'Healthcheck':{'Retries':-1}}", "{}", "Retries in Healthcheck cannot be negative"),
                // HostConfig
                Arguments.of("{}", "{'AutoRemove':true,'RestartPolicy':{'Name':'always'}}",
                        "can't create 'AutoRemove' container with restart policy"),
                Arguments.of("{}", "{'RestartPolicy':{'Name':'sometimes'}}", "invalid restart policy 'sometimes'"),
                Arguments.of("{}", "{'RestartPolicy':{'Name':'always','MaximumRetryCount':3}}",
                        "maximum retry count cannot be used with restart policy 'always'"),
                Arguments.of("{}", "{'RestartPolicy':{'Name':'on-failure','MaximumRetryCount':-1}}",
                        "maximum retry count cannot be negative"),
                Arguments.of("{}", "{'CapAdd':['foo']}", "invalid CapAdd: unknown capability: \"CAP_FOO\""),
                Arguments.of("{}", "{'CapDrop':['CAP_BPF']}", "invalid CapDrop: unknown capability: \"CAP_BPF\""),
                Arguments.of("{}", "{'CapAdd':['sys_resource']}", "invalid CapAdd: capability not supported by your"
                        + " kernel or not available in the current environment: \"CAP_SYS_RESOURCE\""),
                Arguments.of("{}", "{'ExtraHosts':['db']}", "bad format for add-host: \"db\""),
                Arguments.of("{}", "{'ExtraHosts':['db:1.2.3.256']}", "invalid IP address in add-host: \"1.2.3.256\""),
                Arguments.of("{}", "{'PortBindings':{'80/tcp':[{'HostPort':'9-8'}]}}",
                        "invalid port specification: \"9-8\""),
                Arguments.of("{}", "{'Mounts':[{'Type':'bind','Source':'/no/such/dir','Target':'/x'}]}",
                        "invalid mount config for type \"bind\": bind source path does not exist: /no/such/dir"),
                Arguments.of("{}", "{'Mounts':[{'Type':'nfs','Target':'/x'}]}",
                        "invalid mount config for type \"nfs\": mount type unknown"),
                // resources
                Arguments.of("{}", "{'Memory':1048576}", "Minimum memory limit allowed is 6MB"),
                Arguments.of("{}", "{'Memory':10485760,'MemorySwap':8388608}",
                        "Minimum memoryswap limit should be larger than memory limit, see usage"),
                Arguments.of("{}", "{'MemorySwap':8388608}",
                        "You should always set the Memory limit when using Memoryswap limit, see usage"),
                Arguments.of("{}", "{'MemorySwappiness':101}", "Invalid value: 101, valid memory swappiness range is 0-100"),
                Arguments.of("{}", "{'MemoryReservation':1024}", "Minimum memory reservation allowed is 6MB"),
                Arguments.of("{}", "{'Memory':10485760,'MemoryReservation':20971520}",
                        "Minimum memory limit can not be less than memory reservation limit, see usage"),
                Arguments.of("{}", "{'NanoCpus':1000000000,'CpuPeriod':100000}",
                        "Conflicting options: Nano CPUs and CPU Period cannot both be set"),
                Arguments.of("{}", "{'NanoCpus':1000000000,'CpuQuota':50000}",
                        "Conflicting options: Nano CPUs and CPU Quota cannot both be set"),
                Arguments.of("{}", "{'NanoCpus':3000000000}",
                        "Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available"),
                Arguments.of("{}", "{'CpuPeriod':500}",
                        "CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)"),
                Arguments.of("{}", "{'CpuQuota':999}", "CPU cfs quota can not be less than 1ms (i.e. 1000)"),
                Arguments.of("{}", "{'CpusetCpus':'1-3'}", "Requested CPUs are not available - requested 1-3, available: 0-1"),
                Arguments.of("{}", "{'CpusetCpus':'0-'}", "Invalid value 0- for cpuset cpus: invalid format: 0-"),
                Arguments.of("{}", "{'CpusetMems':'1'}",
                        "Requested memory nodes are not available - requested 1, available: 0"),
                Arguments.of("{}", "{'BlkioWeight':5}", "Range of blkio weight is from 10 to 1000"),
                Arguments.of("{}", "{'CpuRealtimePeriod':1000,'CpuRealtimeRuntime':2000}",
                        "cpu real-time runtime cannot be higher than cpu real-time period"),
                Arguments.of("{}", "{'ShmSize':-1}", "SHM size can not be less than 0"),
                Arguments.of("{}", "{'OomScoreAdj':1001}", "Invalid value 1001, range for oom score adj is [-1000, 1000]"),
                Arguments.of("{}", "{'Runtime':'kata'}", "Unknown runtime specified kata"),
                Arguments.of("{}", "{'Tmpfs':{'run':''}}", "invalid mount path: 'run' mount path must be absolute"),
                Arguments.of("{}", "{'CgroupnsMode':'shared'}", "invalid cgroup namespace mode: shared"),
                // what dockerd would only find at start
                Arguments.of("{}", "{'IpcMode':'sometimes'}", "invalid IPC mode: sometimes"),
                Arguments.of("{}", "{'SecurityOpt':['apparmor']}", "invalid --security-opt 1: \"apparmor\""),
                Arguments.of("{}", "{'SecurityOpt':['foo=bar']}", "invalid --security-opt 2: \"foo=bar\""),
                Arguments.of("{}", "{'SecurityOpt':['no-new-privileges=maybe']}",
                        "invalid --security-opt 2: \"no-new-privileges=maybe\""),
                Arguments.of("{}", "{'Binds':['/a:/b:z,Z']}", "invalid mode: z,Z"),
                Arguments.of("{}", "{'Ulimits':[{'Name':'as','Soft':1,'Hard':1}]}", "invalid ulimit type: as"),
                Arguments.of("{}", "{'Ulimits':[{'Name':'nofile','Soft':10,'Hard':5}]}",
                        "ulimit soft limit must be less than or equal to hard limit: 10 > 5"),
                Arguments.of("{}", "{'Ulimits':[{'Name':'nofile','Soft':-1,'Hard':5}]}",
                        "ulimit soft limit must be less than or equal to hard limit: soft: -1 (unlimited), hard: 5"),
                Arguments.of("{}", "{'DeviceCgroupRules':['c 1:3']}", "invalid device cgroup rule format: 'c 1:3'"),
                Arguments.of("{}", "{'Sysctls':{'net.ipv4.ip_forward':'1'},'NetworkMode':'host'}",
                        "sysctl \"net.ipv4.ip_forward\" not allowed in host network namespace"),
                Arguments.of("{}", "{'Sysctls':{'kernel.shmmax':'1'},'IpcMode':'host'}",
                        "sysctl \"kernel.shmmax\" is not allowed in the hosts ipc namespace"),
                Arguments.of("{}", "{'Sysctls':{'kernel.hostname':'x'}}",
                        "sysctl \"kernel.hostname\" is not allowed as it conflicts with the OCI \"hostname\" field"),
                Arguments.of("{}", "{'Sysctls':{'vm/swappiness':'1'}}",
                        "sysctl \"vm.swappiness\" is not in a separate kernel namespace"),
                Arguments.of("{'Domainname':'example.org'}", "{'UTSMode':'host'}",
                        "sysctl \"kernel.domainname\" is not in a separate kernel namespace"));
    }

    @ParameterizedTest
    @MethodSource
    void invalid(String config, String host, String message) {
        assertEquals(message, assertThrows(InvalidParameterException.class,
                () -> ContainerSettings.verify(config(config), rawHost(host), PLATFORM)).getMessage());
    }

    @Test
    void badSeccompProfileIsRefusedAtCreate() {
        HostConfig h = SpecFixtures.hostWith("SecurityOpt", List.of("seccomp={\"defaultAction\":"));
        assertTrue(assertThrows(InvalidParameterException.class, () -> ContainerSettings.verify(config("{}"), h,
                PLATFORM)).getMessage().startsWith("Decoding seccomp profile failed: "));
    }

    @Test
    void volumeMountsPassWithTheirNamesChecked() {
        assertEquals(List.of(), ContainerSettings.verify(config("{}"),
                rawHost("{'Binds':['myvolume:/data:ro','/anonymous'],'Mounts':[{'Type':'volume','Target':'/m'}]}"), PLATFORM));
        assertTrue(assertThrows(InvalidParameterException.class, () -> ContainerSettings.verify(config("{}"),
                rawHost("{'Binds':['x:/data']}"), PLATFORM)).getMessage().contains("volume name is too short"));
    }

    @Test
    void validSettingsPassWithDockerdsWarnings() {
        assertEquals(List.of(), ContainerSettings.verify(config("{'Hostname':'h','Env':['A'],'StopSignal':'SIGRTMIN+3'}"),
                rawHost("{'Memory':6291456,'MemorySwap':-1,'MemorySwappiness':-1,'NanoCpus':2000000000,"
                        + "'CpusetCpus':'0,1','CapAdd':['all','net_admin'],'CapDrop':['ALL','SYS_RESOURCE'],"
                        + "'ExtraHosts':['db:10.0.0.2','v6:fe80::1','gw:host-gateway'],"
                        + "'PortBindings':{'80/tcp':[{'HostPort':'8000-8010'}],'53/udp':[{'HostPort':''}]},"
                        + "'RestartPolicy':{'Name':'on-failure','MaximumRetryCount':3},"
                        + "'SecurityOpt':['label=disable','apparmor=unconfined','seccomp=unconfined',"
                        + "'no-new-privileges'],'Sysctls':{'net.core.somaxconn':'1024','fs.mqueue.msg_max':'20',"
                        + "'kernel.domainname':'x'},'Tmpfs':{'/run':'size=64k,uid=1000'},"
                        + "'Ulimits':[{'Name':'nofile','Soft':-1,'Hard':-1}],'DeviceCgroupRules':['a *:* rwm']}"),
                PLATFORM));
        assertEquals(List.of("OOM killer is disabled for the container, but no memory limit is set, this can result in"
                + " the system running out of resources.", "Published ports are discarded when using host network"
                + " mode"), ContainerSettings.verify(config("{}"), rawHost("{'OomKillDisable':true,"
                        + "'NetworkMode':'host','PortBindings':{'80/tcp':[{'HostPort':'80'}]}}"), PLATFORM));
    }

    @Test
    void adaptFillsInDockerdsDefaults() {
        HostConfig h = ContainerSettings.adapt(rawHost("{'Memory':10485760,'MemorySwappiness':-1,'PidsLimit':0}"));
        assertEquals(20971520, h.memorySwap());
        assertNull(h.memorySwappiness());
        assertNull(h.pidsLimit());
        assertEquals(64L * 1024 * 1024, h.shmSize());
        assertFalse(h.oomKillDisable());
        assertTrue(h.maskedPaths().contains("/proc/kcore"), "inspect shows the default masked paths");
        assertTrue(h.readonlyPaths().contains("/proc/sys"), "and the default read-only ones");
        assertNull(ContainerSettings.adapt(rawHost("{'Privileged':true}")).maskedPaths(), "none when privileged");

        HostConfig kept = ContainerSettings.adapt(rawHost("{'Memory':10485760,'MemorySwap':-1,'ShmSize':1024,"
                + "'PidsLimit':5,'OomKillDisable':true}"));
        assertEquals(-1, kept.memorySwap());
        assertEquals(1024, kept.shmSize());
        assertEquals(5L, kept.pidsLimit());
        assertEquals(Boolean.TRUE, kept.oomKillDisable());
    }

    @Test
    void mergedConfigNeedsACommand() {
        assertEquals("No command specified", assertThrows(InvalidParameterException.class,
                () -> ContainerSettings.requireCommand(config("{'Entrypoint':[],'Cmd':[]}"))).getMessage());
    }
}
