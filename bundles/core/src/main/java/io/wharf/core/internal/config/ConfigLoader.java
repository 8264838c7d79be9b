package io.wharf.core.internal.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * Merges the command line with daemon.json as dockerd does: a directive given both ways, a key
 * no directive has, or a value of the wrong type is an error; then the result is validated.
 */
public final class ConfigLoader {

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    private ConfigLoader() {
    }

    public static DaemonConfig load(DaemonCommandLine commandLine) throws ConfigException {
        Map<String, Object> fileValues = readFile(commandLine.configFile(), commandLine.configFileGiven());
        Map<String, Object> flagValues = commandLine.flagValues();
        rejectConflicts(commandLine.configFile(), flagValues, fileValues);

        Map<String, Object> merged = new LinkedHashMap<>();
        for (Directive d : Directives.all()) {
            merged.put(d.key(), flagValues.getOrDefault(d.key(), fileValues.getOrDefault(d.key(), d.defaultValue())));
        }
        Set<String> explicit = new java.util.HashSet<>(flagValues.keySet());
        explicit.addAll(fileValues.keySet());
        ConfigValidator.validate(merged, explicit);
        return new DaemonConfig(merged, commandLine.configFile());
    }

    /** daemon.json as directive values; a missing default file is empty, a missing named one an error. */
    static Map<String, Object> readFile(Path file, boolean mustExist) throws ConfigException {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            if (mustExist) {
                throw new ConfigException("unable to configure the Docker daemon with file " + file + ": open " + file
                        + ": no such file or directory");
            }
            return Map.of();
        } catch (IOException e) {
            throw new ConfigException("unable to configure the Docker daemon with file " + file + ": " + e);
        }
        if (text.isBlank()) {
            return Map.of();
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw new ConfigException("unable to configure the Docker daemon with file " + file + ": invalid JSON"
                    + where + ": " + e.getOriginalMessage());
        }
        if (!root.isObject()) {
            throw new ConfigException("unable to configure the Docker daemon with file " + file
                    + ": the file must hold a JSON object");
        }
        List<String> unknown = new ArrayList<>();
        Map<String, Object> values = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> field = it.next();
            var directive = Directives.byKey(field.getKey());
            if (directive.isEmpty()) {
                unknown.add(field.getKey());
                continue;
            }
            values.put(field.getKey(), convert(file, directive.get(), field.getValue()));
        }
        if (!unknown.isEmpty()) {
            throw new ConfigException("unable to configure the Docker daemon with file " + file
                    + ": the following directives don't match any configuration option: " + String.join(", ", unknown));
        }
        return values;
    }

    private static Object convert(Path file, Directive d, JsonNode v) throws ConfigException {
        Object value = switch (d.kind()) {
            case STRING -> v.isTextual() ? v.textValue() : null;
            case BOOLEAN -> v.isBoolean() ? v.booleanValue() : null;
            case INTEGER -> v.isInt() ? v.intValue() : null;
            case LIST -> {
                if (!v.isArray() && !v.isObject()) {
                    yield null;
                }
                List<String> items = new ArrayList<>();
                // daemon.json's default-ulimits is an object of ulimits by name: its values are the items
                for (JsonNode item : v.isObject() ? (Iterable<JsonNode>) v::elements : v) {
                    if (item.isObject() && item.has("Name") && item.has("Soft")) {
                        // a default-ulimits value: {"Name", "Soft", "Hard"}, as the flag's name=soft:hard
                        items.add(item.get("Name").asText() + "=" + item.get("Soft").asText() + ":"
                                + item.path("Hard").asText(item.get("Soft").asText()));
                        continue;
                    }
                    if (item.isObject()) {
                        // an object item is the flag's key=value,... form (default-address-pools' {"base", "size"})
                        List<String> pairs = new ArrayList<>();
                        item.fields().forEachRemaining(f -> pairs.add(f.getKey() + "=" + f.getValue().asText()));
                        items.add(String.join(",", pairs));
                        continue;
                    }
                    if (!item.isTextual()) {
                        yield null;
                    }
                    items.add(item.textValue());
                }
                yield List.copyOf(items);
            }
        };
        if (value == null) {
            String expected = switch (d.kind()) {
                case STRING -> "a string";
                case BOOLEAN -> "a boolean";
                case INTEGER -> "an integer";
                case LIST -> "an array of strings";
            };
            throw new ConfigException("unable to configure the Docker daemon with file " + file + ": \"" + d.key()
                    + "\" must be " + expected + ", not " + v.getNodeType().name().toLowerCase(java.util.Locale.ROOT)
                    + " " + v);
        }
        return value;
    }

    private static void rejectConflicts(Path file, Map<String, Object> flags, Map<String, Object> fileValues)
            throws ConfigException {
        String conflicts = flags.keySet().stream()
                .filter(fileValues::containsKey)
                .map(k -> k + ": (from flag: " + goFormat(flags.get(k)) + ", from file: " + goFormat(fileValues.get(k)) + ")")
                .collect(Collectors.joining(", "));
        if (!conflicts.isEmpty()) {
            throw new ConfigException("unable to configure the Docker daemon with file " + file
                    + ": the following directives are specified both as a flag and in the configuration file: "
                    + conflicts);
        }
    }

    /** Values printed the way Go's %v prints them, as in dockerd's message. */
    private static String goFormat(Object value) {
        if (value instanceof List<?> l) {
            return l.stream().map(String::valueOf).collect(Collectors.joining(" ", "[", "]"));
        }
        return String.valueOf(value);
    }
}
