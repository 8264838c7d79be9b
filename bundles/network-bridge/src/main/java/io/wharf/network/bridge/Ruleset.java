package io.wharf.network.bridge;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The IPv4 firewall as {@code iptables-save} prints it, and the changes to make to it, recorded as
 * {@code iptables-restore --noflush} lines while they are applied to this copy. One read and one
 * atomic write per operation replace a {@code iptables -C} per rule (each a process of its own):
 * whether a rule is present is decided by comparing it with the printed rules, so the driver writes
 * its rules exactly in the form iptables-save prints them (the tests check that it does).
 *
 * <p>Changes never declare a chain with ":" (iptables-restore would flush an existing one), they
 * make it with {@code -N}: if someone else made it meanwhile, the whole transaction fails and is
 * planned again on a fresh read.
 */
final class Ruleset {

    static final String FILTER = "filter";
    static final String NAT = "nat";
    private static final Map<String, Set<String>> BUILT_IN = Map.of(
            FILTER, Set.of("INPUT", "FORWARD", "OUTPUT"),
            NAT, Set.of("PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"));

    /** table → chain → rule specifications (what follows "-A CHAIN "), in order. */
    private final Map<String, Map<String, List<String>>> tables = new LinkedHashMap<>();
    /** table → restore lines, in the order they were planned. */
    private final Map<String, List<String>> changes = new TreeMap<>();

    private Ruleset() {
    }

    /** Parses {@code iptables-save} output. */
    static Ruleset parse(String saved) {
        Ruleset r = new Ruleset();
        Map<String, List<String>> table = null;
        for (String line : saved.split("\n")) {
            if (line.startsWith("*")) {
                table = r.tables.computeIfAbsent(line.substring(1).strip(), t -> new LinkedHashMap<>());
            } else if (table == null || line.startsWith("#") || line.isBlank() || line.equals("COMMIT")) {
                continue;
            } else if (line.startsWith(":")) {
                int space = line.indexOf(' ');
                table.computeIfAbsent(space < 0 ? line.substring(1) : line.substring(1, space), c -> new ArrayList<>());
            } else if (line.startsWith("-A ")) {
                int space = line.indexOf(' ', 3);
                if (space > 0) {
                    table.computeIfAbsent(line.substring(3, space), c -> new ArrayList<>()).add(line.substring(space + 1));
                }
            }
        }
        return r;
    }

    boolean hasChain(String table, String chain) {
        return chains(table).containsKey(chain) || BUILT_IN.getOrDefault(table, Set.of()).contains(chain);
    }

    /** The chain's rules to change, null when it does not exist; a table not loaded yet has its built-in chains. */
    private List<String> modifiable(String table, String chain) {
        if (!hasChain(table, chain)) {
            return null;
        }
        return tables.computeIfAbsent(table, t -> new LinkedHashMap<>()).computeIfAbsent(chain, c -> new ArrayList<>());
    }

    /** The chain's rules, empty when it does not exist. */
    List<String> rules(String table, String chain) {
        return List.copyOf(tables.getOrDefault(table, Map.of()).getOrDefault(chain, List.of()));
    }

    /** Every chain of {@code table}, with its rules. */
    Map<String, List<String>> chains(String table) {
        return tables.getOrDefault(table, Map.of());
    }

    /** "CHAIN spec" of every rule of {@code table} that jumps or goes to {@code chain}. */
    List<String> references(String table, String chain) {
        List<String> refs = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : chains(table).entrySet()) {
            for (String spec : e.getValue()) {
                if (targets(spec, chain)) {
                    refs.add(e.getKey() + " " + spec);
                }
            }
        }
        return refs;
    }

    private static boolean targets(String spec, String chain) {
        String[] words = spec.split(" ");
        for (int i = 0; i + 1 < words.length; i++) {
            if ((words[i].equals("-j") || words[i].equals("-g")) && words[i + 1].equals(chain)) {
                return true;
            }
        }
        return false;
    }

    // ---- changes ----

    /** Makes the chain when it does not exist. */
    void chain(String table, String chain) {
        if (!hasChain(table, chain)) {
            tables.computeIfAbsent(table, t -> new LinkedHashMap<>()).put(chain, new ArrayList<>());
            record(table, "-N " + chain);
        }
    }

    /** Inserts the rule at the top of the chain (iptables -I) unless it is there. */
    void insert(String table, String chain, String spec) {
        List<String> rules = modifiable(table, chain);
        if (rules != null && !rules.contains(spec)) {
            rules.addFirst(spec);
            record(table, "-I " + chain + " " + spec);
        }
    }

    /** Appends the rule (iptables -A) unless it is there. */
    void append(String table, String chain, String spec) {
        List<String> rules = modifiable(table, chain);
        if (rules != null && !rules.contains(spec)) {
            rules.add(spec);
            record(table, "-A " + chain + " " + spec);
        }
    }

    /** Deletes every copy of the rule. */
    void delete(String table, String chain, String spec) {
        List<String> rules = modifiable(table, chain);
        while (rules != null && rules.remove(spec)) {
            record(table, "-D " + chain + " " + spec);
        }
    }

    /** Makes {@code specs} the first rules of the chain, in this order, moving them there when they are elsewhere. */
    void atTop(String table, String chain, List<String> specs) {
        List<String> rules = modifiable(table, chain);
        if (rules == null || rules.size() >= specs.size() && rules.subList(0, specs.size()).equals(specs)) {
            return;
        }
        for (String spec : specs) {
            delete(table, chain, spec);
        }
        for (String spec : specs.reversed()) {
            insert(table, chain, spec);
        }
    }

    /** Flushes and removes the chain when it exists; nothing may refer to it any more. */
    void removeChain(String table, String chain) {
        Map<String, List<String>> chains = chains(table);
        List<String> rules = chains.get(chain);
        if (rules == null) {
            return;
        }
        if (!rules.isEmpty()) {
            record(table, "-F " + chain);
        }
        chains.remove(chain);
        record(table, "-X " + chain);
    }

    private void record(String table, String line) {
        changes.computeIfAbsent(table, t -> new ArrayList<>()).add(line);
    }

    /** The rules as they stand in this copy, in iptables-save's form (without policies and counters). */
    String saved() {
        StringBuilder s = new StringBuilder();
        for (Map.Entry<String, Map<String, List<String>>> t : tables.entrySet()) {
            s.append('*').append(t.getKey()).append('\n');
            for (String chain : t.getValue().keySet()) {
                s.append(':').append(chain).append('\n');
            }
            for (Map.Entry<String, List<String>> c : t.getValue().entrySet()) {
                for (String spec : c.getValue()) {
                    s.append("-A ").append(c.getKey()).append(' ').append(spec).append('\n');
                }
            }
            s.append("COMMIT\n");
        }
        return s.toString();
    }

    boolean unchanged() {
        return changes.isEmpty();
    }

    /** The changes as iptables-restore input. */
    String script() {
        StringBuilder s = new StringBuilder();
        for (Map.Entry<String, List<String>> e : changes.entrySet()) {
            s.append('*').append(e.getKey()).append('\n');
            for (String line : e.getValue()) {
                s.append(line).append('\n');
            }
            s.append("COMMIT\n");
        }
        return s.toString();
    }
}
