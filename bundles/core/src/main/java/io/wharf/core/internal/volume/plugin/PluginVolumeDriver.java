package io.wharf.core.internal.volume.plugin;

import java.io.IOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;

import io.wharf.core.internal.json.Json;
import io.wharf.core.spi.errors.ApiException;
import io.wharf.core.spi.errors.ConflictException;
import io.wharf.core.spi.errors.InvalidParameterException;
import io.wharf.core.spi.errors.NotFoundException;
import io.wharf.core.spi.errors.SystemException;
import io.wharf.core.spi.errors.UnavailableException;
import io.wharf.core.spi.volume.Volume;
import io.wharf.core.spi.volume.VolumeDriver;

/**
 * A legacy volume plugin seen as a {@link VolumeDriver} (moby's volume/drivers proxy and adapter):
 * each method is one {@code VolumeDriver.*} call. A plugin's "Err" becomes a typed error; a plugin
 * that cannot be reached is {@link UnavailableException} "driver NAME is not available", and the
 * driver tells its owner to forget it, so that the next use looks it up again.
 */
final class PluginVolumeDriver implements VolumeDriver {

    private final String name;
    private final PluginClient client;
    private final String scope;
    private final Consumer<PluginVolumeDriver> unreachable;

    private PluginVolumeDriver(String name, PluginClient client, String scope, Consumer<PluginVolumeDriver> unreachable) {
        this.name = name;
        this.client = client;
        this.scope = scope;
        this.unreachable = unreachable;
    }

    /**
     * Activates the plugin behind {@code client} (Plugin.Activate) and, when it implements
     * VolumeDriver, asks its capabilities.
     *
     * @return the driver, or empty when the plugin implements no VolumeDriver
     * @throws IOException when the plugin cannot be reached or its handshake fails
     */
    static Optional<PluginVolumeDriver> activate(String name, PluginClient client,
            Consumer<PluginVolumeDriver> unreachable) throws IOException {
        JsonNode activated = client.call("Plugin.Activate", null);
        boolean volumes = false;
        for (JsonNode i : activated.path("Implements")) {
            volumes |= "VolumeDriver".equals(i.asText());
        }
        if (!volumes) {
            return Optional.empty();
        }
        String scope = SCOPE_LOCAL;
        try {
            JsonNode caps = client.call("VolumeDriver.Capabilities", null);
            if (err(caps).isEmpty()) {
                String s = caps.path("Capabilities").path("Scope").asText("").toLowerCase(Locale.ROOT);
                scope = s.equals(SCOPE_GLOBAL) ? SCOPE_GLOBAL : SCOPE_LOCAL;
            }
        } catch (PluginCallException e) {
            // an older plugin without Capabilities: local scope, as moby assumes
        }
        return Optional.of(new PluginVolumeDriver(name, client, scope, unreachable));
    }

    String name() {
        return name;
    }

    @Override
    public String scope() {
        return scope;
    }

    @Override
    public Volume create(String volume, Map<String, String> options) throws IOException {
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("Name", volume);
        args.put("Opts", options);
        call("VolumeDriver.Create", args);
        return get(volume).orElseGet(() -> new Volume(volume, "", null, Map.of()));
    }

    @Override
    public void remove(String volume) throws IOException {
        call("VolumeDriver.Remove", Map.of("Name", volume));
    }

    /** moby's lookupVolume: anything but an unreachable plugin means the driver has no such volume. */
    @Override
    public Optional<Volume> get(String volume) throws IOException {
        JsonNode answer;
        try {
            answer = call("VolumeDriver.Get", Map.of("Name", volume));
        } catch (UnavailableException e) {
            throw e;
        } catch (ApiException | IOException e) {
            return Optional.empty();
        }
        JsonNode v = answer.path("Volume");
        return v.isObject() ? Optional.of(volume(v, volume)) : Optional.empty();
    }

    @Override
    public List<Volume> list() throws IOException {
        JsonNode answer = call("VolumeDriver.List", null);
        List<Volume> out = new ArrayList<>();
        for (JsonNode v : answer.path("Volumes")) {
            if (!v.path("Name").asText("").isEmpty()) {
                out.add(volume(v, v.path("Name").asText()));
            }
        }
        return out;
    }

    @Override
    public String path(String volume) throws IOException {
        return call("VolumeDriver.Path", Map.of("Name", volume)).path("Mountpoint").asText("");
    }

    @Override
    public String mount(String volume, String id) throws IOException {
        String mountpoint = call("VolumeDriver.Mount", Map.of("Name", volume, "ID", id)).path("Mountpoint").asText("");
        if (mountpoint.isEmpty()) {
            throw new SystemException("VolumeDriver.Mount: plugin " + name + " returned no mountpoint for " + volume);
        }
        return mountpoint;
    }

    @Override
    public void unmount(String volume, String id) throws IOException {
        call("VolumeDriver.Unmount", Map.of("Name", volume, "ID", id));
    }

    private static Volume volume(JsonNode v, String fallbackName) {
        Instant created = null;
        String at = v.path("CreatedAt").asText("");
        if (!at.isEmpty()) {
            try {
                created = OffsetDateTime.parse(at).toInstant();
            } catch (DateTimeParseException e) {
                // a plugin's own format: left out, as dockerd shows nothing it cannot parse either
            }
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> status = v.path("Status").isObject() ? Json.MAPPER.convertValue(v.path("Status"), Map.class)
                : Map.of();
        return new Volume(v.path("Name").asText(fallbackName), v.path("Mountpoint").asText(""), created, status);
    }

    /** One call; "Err" in the answer and failed calls become typed errors. */
    private JsonNode call(String method, Object args) throws IOException {
        JsonNode answer;
        try {
            answer = client.call(method, args);
        } catch (PluginUnreachableException e) {
            unreachable.accept(this);
            throw new UnavailableException("driver " + name + " is not available: " + e.getMessage(), e);
        } catch (PluginCallException e) {
            throw typed(e.status(), e.err(), e);
        }
        String err = err(answer);
        if (!err.isEmpty()) {
            throw typed(200, err, null);
        }
        return answer;
    }

    private static String err(JsonNode answer) {
        return answer.path("Err").asText("");
    }

    /**
     * The typed error for a plugin's Err: by the answer's status where it says (400, 404, 409),
     * else by the words plugins use.
     */
    static ApiException typed(int status, String err, Throwable cause) {
        String lower = err.toLowerCase(Locale.ROOT);
        return switch (status) {
            case 400 -> new InvalidParameterException(err, cause);
            case 404 -> new NotFoundException(err, cause);
            case 409 -> new ConflictException(err, cause);
            default -> lower.contains("no such volume") || lower.contains("not found") || lower.contains("does not exist")
                    ? new NotFoundException(err, cause)
                    : lower.contains("in use") ? new ConflictException(err, cause) : new SystemException(err, cause);
        };
    }
}
