package io.wharf.core.internal.system;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** What /info and /version say about the host, read once from /proc, /sys and /etc. */
public record HostFacts(String kernelVersion, String operatingSystem, String osVersion, String architecture, String goArch,
        int cpus, long memTotal, String cgroupVersion, boolean ipv4Forwarding, boolean bridgeNfIptables,
        boolean bridgeNfIp6tables) {

    static HostFacts read() {
        String osRelease = readOr(Path.of("/etc/os-release"), "");
        String machine = System.getProperty("os.arch").equals("amd64") ? "x86_64" : System.getProperty("os.arch");
        return new HostFacts(
                readOr(Path.of("/proc/sys/kernel/osrelease"), "").trim(),
                osReleaseValue(osRelease, "PRETTY_NAME", "Linux"),
                osReleaseValue(osRelease, "VERSION_ID", ""),
                machine,
                System.getProperty("os.arch"),
                Runtime.getRuntime().availableProcessors(),
                readMemTotal(),
                Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers")) ? "2" : "1",
                readOr(Path.of("/proc/sys/net/ipv4/ip_forward"), "0").trim().equals("1"),
                readOr(Path.of("/proc/sys/net/bridge/bridge-nf-call-iptables"), "0").trim().equals("1"),
                readOr(Path.of("/proc/sys/net/bridge/bridge-nf-call-ip6tables"), "0").trim().equals("1"));
    }

    private static String readOr(Path file, String fallback) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return fallback;
        }
    }

    private static String osReleaseValue(String osRelease, String key, String fallback) {
        for (String line : osRelease.split("\n")) {
            if (line.startsWith(key + "=")) {
                return line.substring(key.length() + 1).replace("\"", "").trim();
            }
        }
        return fallback;
    }

    private static long readMemTotal() {
        for (String line : readOr(Path.of("/proc/meminfo"), "").split("\n")) {
            if (line.startsWith("MemTotal:")) {
                List<String> parts = List.of(line.split("\\s+"));
                return Long.parseLong(parts.get(1)) * 1024;
            }
        }
        return 0;
    }

    /** The host's name, as docker info and daemon events give it. */
    public static String hostname() {
        return readOr(Path.of("/proc/sys/kernel/hostname"), "localhost").trim();
    }

    static int openFileDescriptors() {
        String[] fds = Path.of("/proc/self/fd").toFile().list();
        return fds == null ? 0 : fds.length;
    }
}
