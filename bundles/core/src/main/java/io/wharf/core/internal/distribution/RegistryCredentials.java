package io.wharf.core.internal.distribution;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import com.fasterxml.jackson.databind.JsonNode;

import io.wharf.core.internal.json.Json;
import io.wharf.core.spi.errors.InvalidParameterException;

/**
 * What a client sends in X-Registry-Auth: base64url JSON of docker's AuthConfig
 * ({@code username}, {@code password}, {@code auth}, {@code serveraddress}, {@code registrytoken},
 * {@code identitytoken}: the refresh token a login answered, which the CLI keeps instead of the
 * password). Empty when the client sends none, or "{}".
 */
public record RegistryCredentials(String username, String password, String registryToken, String identityToken) {

    public static final RegistryCredentials NONE = new RegistryCredentials("", "", "", "");

    /** Parses the header as dockerd does; a header that is not base64 JSON is an invalid parameter. */
    public static RegistryCredentials fromHeader(String header) {
        if (header == null || header.isBlank()) {
            return NONE;
        }
        JsonNode json;
        try {
            json = Json.MAPPER.readTree(decode(header.trim()));
        } catch (Exception e) {
            throw new InvalidParameterException("invalid X-Registry-Auth header: " + e.getMessage());
        }
        if (json == null || !json.isObject()) {
            return NONE;
        }
        String username = json.path("username").asText("");
        String password = json.path("password").asText("");
        String auth = json.path("auth").asText("");
        if (username.isEmpty() && !auth.isEmpty()) {
            // "auth" is base64 of "user:password", as in ~/.docker/config.json.
            String pair = new String(Base64.getDecoder().decode(auth), StandardCharsets.UTF_8);
            int colon = pair.indexOf(':');
            if (colon > 0) {
                username = pair.substring(0, colon);
                password = pair.substring(colon + 1);
            }
        }
        return new RegistryCredentials(username, password, json.path("registrytoken").asText(""),
                json.path("identitytoken").asText(""));
    }

    private static byte[] decode(String header) {
        // The CLI writes base64url; older clients wrote standard base64. Padding may be missing.
        String s = header.replace('+', '-').replace('/', '_');
        return Base64.getUrlDecoder().decode(s.endsWith("=") || s.length() % 4 == 0 ? s : s + "=".repeat(4 - s.length() % 4));
    }

    public boolean hasBasic() {
        return !username.isEmpty();
    }

    @Override
    public String toString() {
        return "RegistryCredentials[username=" + username + "]";
    }
}
