package io.wharf.core.internal.image;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.wharf.core.internal.json.Json;
import io.wharf.core.spi.errors.InvalidParameterException;

/**
 * The Dockerfile instructions `docker import --change` and `docker commit --change` accept, applied
 * to an image config: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR.
 */
public final class ImageChanges {

    private ImageChanges() {
    }

    public static void apply(List<String> changes, ObjectNode config) {
        for (String change : changes) {
            String line = change.trim();
            if (line.isEmpty()) {
                continue;
            }
            int space = line.indexOf(' ');
            String instruction = (space < 0 ? line : line.substring(0, space)).toUpperCase(Locale.ROOT);
            String args = space < 0 ? "" : line.substring(space + 1).trim();
            switch (instruction) {
                case "CMD" -> config.set("Cmd", command(args, true));
                case "ENTRYPOINT" -> config.set("Entrypoint", command(args, true));
                case "ENV" -> keyValues(args, "ENV").forEach(kv -> env(config, kv[0], kv[1]));
                case "LABEL" -> keyValues(args, "LABEL").forEach(kv -> object(config, "Labels").put(kv[0], kv[1]));
                case "EXPOSE" -> {
                    for (String port : args.split("\\s+")) {
                        object(config, "ExposedPorts").putObject(port.contains("/") ? port : port + "/tcp");
                    }
                }
                case "VOLUME" -> {
                    JsonNode list = command(args, false);
                    list.forEach(v -> object(config, "Volumes").putObject(v.asText()));
                }
                case "USER" -> config.put("User", args);
                case "WORKDIR" -> config.put("WorkingDir", args);
                case "STOPSIGNAL" -> config.put("StopSignal", args);
                case "ONBUILD" -> {
                    ArrayNode onbuild = config.has("OnBuild") && config.get("OnBuild").isArray()
                            ? (ArrayNode) config.get("OnBuild") : config.putArray("OnBuild");
                    onbuild.add(args);
                }
                default -> throw new InvalidParameterException(instruction + " is not a valid change command");
            }
        }
    }

    /** JSON form ["a","b"] as is; shell form "a b" wrapped in /bin/sh -c when {@code shell}, else split. */
    private static JsonNode command(String args, boolean shell) {
        if (args.startsWith("[")) {
            try {
                JsonNode parsed = Json.MAPPER.readTree(args);
                if (parsed.isArray()) {
                    return parsed;
                }
            } catch (java.io.IOException e) {
                // not JSON: the shell form
            }
        }
        ArrayNode out = Json.MAPPER.createArrayNode();
        if (shell) {
            out.add("/bin/sh").add("-c").add(args);
        } else {
            for (String part : args.split("\\s+")) {
                out.add(part);
            }
        }
        return out;
    }

    /** "k=v k2=v2" (values may be double-quoted) or the old "k v" form. */
    private static List<String[]> keyValues(String args, String instruction) {
        List<String[]> out = new ArrayList<>();
        if (!args.contains("=")) {
            int space = args.indexOf(' ');
            if (space < 0) {
                throw new InvalidParameterException(instruction + " requires at least one argument");
            }
            out.add(new String[] { args.substring(0, space), args.substring(space + 1).trim() });
            return out;
        }
        StringBuilder cur = new StringBuilder();
        List<String> words = new ArrayList<>();
        boolean quoted = false;
        for (char c : args.toCharArray()) {
            if (c == '"') {
                quoted = !quoted;
            } else if (Character.isWhitespace(c) && !quoted) {
                if (!cur.isEmpty()) {
                    words.add(cur.toString());
                    cur.setLength(0);
                }
            } else {
                cur.append(c);
            }
        }
        if (!cur.isEmpty()) {
            words.add(cur.toString());
        }
        for (String w : words) {
            int eq = w.indexOf('=');
            if (eq <= 0) {
                throw new InvalidParameterException(instruction + " names must be followed by =value: " + w);
            }
            out.add(new String[] { w.substring(0, eq), w.substring(eq + 1) });
        }
        return out;
    }

    private static void env(ObjectNode config, String key, String value) {
        ArrayNode env = config.has("Env") && config.get("Env").isArray() ? (ArrayNode) config.get("Env") : config.putArray("Env");
        for (int i = 0; i < env.size(); i++) {
            if (env.get(i).asText().startsWith(key + "=")) {
                env.remove(i);
                break;
            }
        }
        env.add(key + "=" + value);
    }

    private static ObjectNode object(ObjectNode config, String field) {
        JsonNode node = config.get(field);
        return node instanceof ObjectNode o ? o : config.putObject(field);
    }

}
