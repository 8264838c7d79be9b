package io.wharf.core.internal.container.spec;

/**
 * How dockerd reads the namespace mode strings of a HostConfig (NetworkMode, IpcMode, PidMode,
 * UTSMode, CgroupnsMode): "host" shares the host's namespace, "container:&lt;id&gt;" another
 * container's, anything else asks for a namespace of the container's own.
 */
final class Modes {

    static final String HOST = "host";
    private static final String CONTAINER_PREFIX = "container:";

    private Modes() {
    }

    static boolean isHost(String mode) {
        return HOST.equals(mode);
    }

    static boolean isContainer(String mode) {
        return mode != null && mode.startsWith(CONTAINER_PREFIX);
    }

    /** Neither the host's namespace nor another container's. */
    static boolean isPrivate(String mode) {
        return !isHost(mode) && !isContainer(mode);
    }

    /** The IPC modes dockerd knows; "" is a container from an older daemon, treated as "shareable". */
    static boolean isValidIpc(String mode) {
        return switch (mode) {
            case "", "none", "private", HOST, "shareable" -> true;
            default -> isContainer(mode);
        };
    }

    static boolean isValidCgroupns(String mode) {
        return mode.isEmpty() || mode.equals(HOST) || mode.equals("private");
    }
}
