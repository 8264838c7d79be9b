package io.wharf.core.internal.container.spec;

import static io.wharf.core.internal.container.spec.SpecFixtures.config;
import static io.wharf.core.internal.container.spec.SpecFixtures.host;
import static io.wharf.core.internal.container.spec.SpecFixtures.strings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.wharf.core.internal.container.ContainerConfig;
import io.wharf.core.internal.container.HostConfig;
import io.wharf.core.internal.json.Json;

/**
 * The process of a docker exec: started from the container's spec process (read back from its
 * JSON, as from containerd), with the exec's command, environment, user, directory and terminal.
 */
class ExecProcessTest {

    @TempDir
    Path dir;

    private Path rootfs;
    private OciSpecBuilder builder;
    private final ContainerConfig config = config("{'Hostname':'c1','User':'app','WorkingDir':'/srv',"
            + "'Env':['A=1','B=2'],'Cmd':['sleep','inf']}");
    private final HostConfig host = host("{'CapAdd':['SYS_PTRACE'],'SecurityOpt':['no-new-privileges'],"
            + "'OomScoreAdj':500,'GroupAdd':['audio'],'Ulimits':[{'Name':'nofile','Soft':100,'Hard':200}]}");
    private OciSpec.Process containerProcess;

    @BeforeEach
    void setUp() throws IOException {
        rootfs = SpecFixtures.rootfs(dir.resolve("rootfs"), "root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/:/bin/sh\n",
                "root:x:0:\napp:x:1000:\naudio:x:29:\n");
        builder = new OciSpecBuilder(SpecFixtures.platform(null));
        byte[] stored = builder.build(SpecFixtures.input(rootfs, config, host)).json();
        containerProcess = OciSpec.parse(stored).process();
    }

    private JsonNode exec(List<String> env, String user, String workingDir, boolean tty, boolean privileged)
            throws IOException {
        OciSpec.Process p = builder.execProcess(new ExecInput(containerProcess, config, host, rootfs,
                List.of("ps", "aux"), env, user, workingDir, tty, privileged));
        return Json.MAPPER.readTree(p.json());
    }

    @Test
    void inheritsTheContainersProcess() throws IOException {
        JsonNode p = exec(List.of("B=3", "A", "C=4"), "", "", false, false);
        assertEquals(List.of("ps", "aux"), strings(p.get("args")));
        assertEquals(List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOSTNAME=c1", "B=3",
                "C=4"), strings(p.get("env")), "the exec's Env replaces, unsets and adds");
        assertEquals("/srv", p.get("cwd").asText());
        assertEquals(1000, p.at("/user/uid").asInt());
        assertEquals(List.of("1000", "29"), strings(p.at("/user/additionalGids")));
        assertTrue(strings(p.at("/capabilities/bounding")).contains("CAP_SYS_PTRACE"));
        assertFalse(p.get("capabilities").has("effective"), "the container's non-root sets carry over");
        assertTrue(p.get("noNewPrivileges").asBoolean());
        assertEquals(500, p.get("oomScoreAdj").asInt());
        assertEquals(200, p.at("/rlimits/0/hard").asInt());
        assertFalse(p.has("terminal"));
    }

    @Test
    void execsOwnSettingsWin() throws IOException {
        JsonNode p = exec(List.of(), "root:audio", "/tmp", true, true);
        assertEquals(0, p.at("/user/uid").asInt());
        assertEquals(29, p.at("/user/gid").asInt());
        assertEquals("/tmp", p.get("cwd").asText());
        assertTrue(p.get("terminal").asBoolean());
        assertTrue(strings(p.get("env")).contains("TERM=xterm"));
        assertEquals(SpecFixtures.CAPABILITIES, strings(p.at("/capabilities/bounding")));
        assertEquals(SpecFixtures.CAPABILITIES, strings(p.at("/capabilities/effective")),
                "privileged: all sets, any user");
    }
}
