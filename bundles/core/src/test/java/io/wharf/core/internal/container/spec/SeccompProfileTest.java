package io.wharf.core.internal.container.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.wharf.core.spi.errors.InvalidParameterException;

/**
 * Docker-format seccomp profiles compiled for one container, as dockerd's setupSeccomp filters
 * rules by architecture, capabilities and kernel version.
 */
class SeccompProfileTest {

    private static final KernelVersion OLD = KernelVersion.ofRelease("4.4.0-210-generic");
    private static final KernelVersion NEW = KernelVersion.ofRelease("6.1.0-18-amd64");

    private static SeccompProfile profile(String json) {
        return SeccompProfile.load(json.replace('\'', '"'));
    }

    private static List<String> names(OciSpec.Seccomp s) {
        return s.syscalls().stream().flatMap(c -> c.names().stream()).toList();
    }

    @Test
    void rulesAreFilteredByKernelCapabilitiesAndArchitecture() {
        SeccompProfile p = profile("{'defaultAction':'SCMP_ACT_ERRNO','archMap':[{'architecture':'SCMP_ARCH_AARCH64',"
                + "'subArchitectures':['SCMP_ARCH_ARM']},{'architecture':'SCMP_ARCH_X86_64','subArchitectures':"
                + "['SCMP_ARCH_X86']}],'syscalls':["
                + "{'names':['read'],'action':'SCMP_ACT_ALLOW'},"
                + "{'names':['ptrace'],'action':'SCMP_ACT_ALLOW','includes':{'minKernel':'4.8'}},"
                + "{'names':['old_thing'],'action':'SCMP_ACT_ALLOW','excludes':{'minKernel':'5.0'}},"
                + "{'names':['mount'],'action':'SCMP_ACT_ALLOW','includes':{'caps':['CAP_SYS_ADMIN']}},"
                + "{'names':['unshare'],'action':'SCMP_ACT_ERRNO','errnoRet':1,'excludes':{'caps':['CAP_SYS_ADMIN']}},"
                + "{'names':['arch_prctl'],'action':'SCMP_ACT_ALLOW','includes':{'arches':['amd64']}},"
                + "{'names':['s390_only'],'action':'SCMP_ACT_ALLOW','includes':{'arches':['s390x']}},"
                + "{'names':['not_here'],'action':'SCMP_ACT_ALLOW','excludes':{'arches':['amd64']}}]}");

        OciSpec.Seccomp newKernel = p.compile(Capabilities.DEFAULTS, NEW);
        assertEquals("SCMP_ACT_ERRNO", newKernel.defaultAction());
        assertEquals(List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86"), newKernel.architectures());
        assertEquals(List.of("read", "ptrace", "unshare", "arch_prctl"), names(newKernel));
        assertEquals(1L, newKernel.syscalls().get(2).errnoRet());

        OciSpec.Seccomp oldAdmin = p.compile(List.of("CAP_SYS_ADMIN"), OLD);
        assertEquals(List.of("read", "old_thing", "mount", "arch_prctl"), names(oldAdmin));
    }

    @Test
    void nameAndArchitecturesSpellings() {
        OciSpec.Seccomp s = profile("{'defaultAction':'SCMP_ACT_ALLOW','architectures':['SCMP_ARCH_X86_64'],"
                + "'syscalls':[{'name':'kill','action':'SCMP_ACT_ERRNO'}]}").compile(List.of(), NEW);
        assertEquals(List.of("SCMP_ARCH_X86_64"), s.architectures());
        assertEquals(List.of("kill"), names(s));
        assertNull(profile("{}").compile(List.of(), NEW), "an empty profile disables seccomp");
    }

    @Test
    void contradictoryProfilesAreRefused() {
        assertEquals("'architectures' and 'archMap' were specified in the seccomp profile, use either 'architectures'"
                + " or 'archMap'", assertThrows(InvalidParameterException.class, () -> profile("{'defaultAction':'x',"
                        + "'architectures':['a'],'archMap':[{'architecture':'a'}]}").compile(List.of(), NEW))
                        .getMessage());
        assertEquals("'name' and 'names' were specified in the seccomp profile, use either 'name' or 'names'",
                assertThrows(InvalidParameterException.class, () -> profile("{'defaultAction':'x','syscalls':"
                        + "[{'name':'a','names':['b'],'action':'y'}]}").compile(List.of(), NEW)).getMessage());
        assertEquals("Decoding seccomp profile failed: invalid kernel version: \"4\", expected \"<kernel>.<major>\"",
                assertThrows(InvalidParameterException.class, () -> profile("{'syscalls':[{'names':['a'],"
                        + "'includes':{'minKernel':'4'}}]}")).getMessage());
        assertTrue(assertThrows(InvalidParameterException.class, () -> profile("{'syscalls':[{'names':['a'],"
                + "'includes':{'minKernel':'0.0'}}]}")).getMessage().endsWith("version cannot be 0.0"));
        assertFalse(profile("{'syscalls':[{'names':['a'],'includes':{'minKernel':''}}]}").compile(List.of(), OLD)
                .syscalls().isEmpty(), "an empty minKernel is no condition");
    }

    @Test
    void dockersDefaultProfileLoads() {
        SeccompProfile p = SeccompProfile.dockerDefault();
        assertEquals("SCMP_ACT_ERRNO", p.defaultAction());
        List<String> plain = names(p.compile(Capabilities.DEFAULTS, NEW));
        assertTrue(plain.containsAll(List.of("read", "write", "execve", "clone", "clone3")));
        assertFalse(plain.contains("kexec_load"));
        assertFalse(plain.contains("bpf"));
    }
}
