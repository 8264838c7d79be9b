package io.wharf.core.internal.container;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.wharf.core.internal.fs.AtomicFiles;

/**
 * The files the daemon manages for each container and bind-mounts over the image's: /etc/hostname,
 * /etc/hosts and /etc/resolv.conf (moby's buildHostnameFile, libnetwork's etchosts and resolvconf),
 * written into the container's directory before each start.
 */
final class ContainerFiles {

    private static final Path HOST_RESOLV_CONF = Path.of("/etc/resolv.conf");
    private static final Path HOST_HOSTS = Path.of("/etc/hosts");
    /** libnetwork's fall-back when filtering leaves no name server. */
    private static final List<String> DEFAULT_NAMESERVERS = List.of("8.8.8.8", "8.8.4.4");
    private static final String DEFAULT_HOSTS = """
            127.0.0.1	localhost
            ::1	localhost ip6-localhost ip6-loopback
            fe00::0	ip6-localnet
            ff00::0	ip6-mcastprefix
            ff02::1	ip6-allnodes
            ff02::2	ip6-allrouters
            """;

    /** libnetwork's embedded DNS server, inside each sandbox on a user-defined network. */
    private static final String EMBEDDED_DNS = "127.0.0.11";

    /**
     * Writes hostname, hosts and resolv.conf for the container's next start; {@code hostsEntries}
     * are its own addresses and its links'.
     */
    void prepare(Container c, List<String> hostsEntries) throws IOException {
        ContainerConfig cfg = c.config();
        HostConfig host = c.hostConfig();
        boolean hostNetwork = host.networkMode().equals("host");
        String hostname = cfg.hostname();
        AtomicFiles.write(c.file("hostname"), (hostname + "\n").getBytes(StandardCharsets.UTF_8));
        StringBuilder hosts = new StringBuilder(hostNetwork ? readOr(HOST_HOSTS, DEFAULT_HOSTS) : DEFAULT_HOSTS);
        hostsEntries.forEach(line -> hosts.append(line).append('\n'));
        if (host.extraHosts() != null) {
            for (String entry : host.extraHosts()) {
                int colon = entry.indexOf(':');
                hosts.append(entry.substring(colon + 1)).append('\t').append(entry, 0, colon).append('\n');
            }
        }
        AtomicFiles.write(c.file("hosts"), hosts.toString().getBytes(StandardCharsets.UTF_8));
        boolean embeddedDns = c.sandbox() != null && c.sandbox().embeddedDns();
        AtomicFiles.write(c.file("resolv.conf"), resolvConf(host, hostNetwork, embeddedDns).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The host's resolv.conf with --dns/--dns-search/--dns-option applied; outside the host's
     * network, local name servers (127.x, ::1) cannot answer and are dropped, as libnetwork does. With
     * the embedded DNS the container asks it alone (it forwards what it does not know), with ndots:0.
     */
    static String resolvConf(HostConfig host, boolean hostNetwork, boolean embeddedDns) throws IOException {
        List<String> nameservers = new ArrayList<>();
        List<String> search = new ArrayList<>();
        List<String> options = new ArrayList<>();
        List<String> other = new ArrayList<>();
        for (String line : readOr(HOST_RESOLV_CONF, "").split("\n")) {
            String[] f = line.trim().split("\\s+");
            switch (f[0]) {
                case "nameserver" -> {
                    if (f.length > 1 && (hostNetwork || !isLocal(f[1]))) {
                        nameservers.add(f[1]);
                    }
                }
                case "search", "domain" -> search.addAll(List.of(f).subList(1, f.length));
                case "options" -> options.addAll(List.of(f).subList(1, f.length));
                default -> {
                    if (!line.isBlank() && !line.startsWith("#") && !line.startsWith(";")) {
                        other.add(line);
                    }
                }
            }
        }
        if (host.dns() != null && !host.dns().isEmpty()) {
            nameservers = host.dns();
        } else if (nameservers.isEmpty() && !hostNetwork) {
            nameservers = DEFAULT_NAMESERVERS;
        }
        if (host.dnsSearch() != null && !host.dnsSearch().isEmpty()) {
            search = host.dnsSearch().equals(List.of(".")) ? List.of() : host.dnsSearch();
        }
        if (host.dnsOptions() != null && !host.dnsOptions().isEmpty()) {
            options = host.dnsOptions();
        }
        if (embeddedDns) {
            nameservers = List.of(EMBEDDED_DNS);
            if (options.stream().noneMatch(o -> o.startsWith("ndots:"))) {
                options = new ArrayList<>(options);
                options.add("ndots:0");
            }
        }
        StringBuilder out = new StringBuilder();
        other.forEach(l -> out.append(l).append('\n'));
        if (!search.isEmpty()) {
            out.append("search ").append(String.join(" ", search)).append('\n');
        }
        nameservers.forEach(n -> out.append("nameserver ").append(n).append('\n'));
        if (!options.isEmpty()) {
            out.append("options ").append(String.join(" ", options)).append('\n');
        }
        return out.toString();
    }

    private static boolean isLocal(String address) {
        return address.startsWith("127.") || address.equals("::1");
    }

    private static String readOr(Path file, String fallback) throws IOException {
        try {
            return Files.readString(file);
        } catch (NoSuchFileException e) {
            return fallback;
        }
    }
}
