package io.wharf.core.internal.container.spec;

import java.nio.file.Path;
import java.util.List;

import io.wharf.core.internal.container.ContainerConfig;
import io.wharf.core.internal.container.HostConfig;

/**
 * One docker exec in a running container.
 *
 * @param containerProcess the process of the container's spec, which the exec's starts from (as
 *        dockerd takes it from containerd): capabilities, no_new_privs and OOM score carry over
 * @param config the container's Config
 * @param host the container's HostConfig
 * @param rootfs the host directory of the container's root file system, to resolve the user in
 * @param cmd the command to run; the first element is the executable
 * @param env the exec's Env, over the container's
 * @param user the exec's User; "" runs as the container's user
 * @param workingDir the exec's WorkingDir; "" uses the container's, then "/"
 * @param tty whether the exec has a terminal
 * @param privileged whether the exec gets every capability
 */
public record ExecInput(OciSpec.Process containerProcess, ContainerConfig config, HostConfig host, Path rootfs,
        List<String> cmd, List<String> env, String user, String workingDir, boolean tty, boolean privileged) {

    /** Absent fields of the exec request read as empty. */
    public ExecInput {
        env = env == null ? List.of() : env;
        user = user == null ? "" : user;
        workingDir = workingDir == null ? "" : workingDir;
    }
}
