package io.wharf.core.internal.container;

import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import io.wharf.core.spi.errors.ConflictException;
import io.wharf.core.spi.errors.InvalidParameterException;

/**
 * The name registry (moby's registrar): every container has one unique name, "/" followed by
 * {@code [a-zA-Z0-9][a-zA-Z0-9_.-]+}; a container created without one gets a generated
 * "adjective_surname", as docker's name generator makes them.
 */
final class ContainerNames {

    private static final Pattern VALID = Pattern.compile("/?[a-zA-Z0-9][a-zA-Z0-9_.-]+");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final List<String> ADJECTIVES = List.of("admiring", "brave", "busy", "clever", "compassionate",
            "confident", "dazzling", "determined", "eager", "ecstatic", "elegant", "epic", "festive", "focused",
            "friendly", "gallant", "gifted", "happy", "hopeful", "inspiring", "jolly", "keen", "kind", "laughing",
            "loving", "lucid", "modest", "nice", "nostalgic", "optimistic", "peaceful", "pensive", "practical",
            "quirky", "relaxed", "serene", "sharp", "stoic", "tender", "trusting", "upbeat", "vibrant", "wizardly",
            "youthful", "zealous");
    /** People of computing and science, as in docker's generator. */
    private static final List<String> SURNAMES = List.of("babbage", "bardeen", "bartik", "borg", "cerf", "curie",
            "darwin", "dijkstra", "einstein", "euclid", "faraday", "fermi", "feynman", "galileo", "goldberg",
            "goodall", "hamilton", "hawking", "hodgkin", "hopper", "hypatia", "johnson", "kepler", "knuth",
            "lamarr", "lovelace", "mayer", "mccarthy", "meitner", "moore", "morse", "newton", "noether", "pasteur",
            "perlman", "ritchie", "shannon", "sinoussi", "thompson", "torvalds", "turing", "wilson", "wozniak",
            "yalow", "zhukovsky");

    private final Map<String, String> idsByName = new ConcurrentHashMap<>();

    /** Reserves {@code name} ("/name" or "name") for {@code id}; a taken name is dockerd's 409. */
    String reserve(String name, String id) {
        String normalized = name.startsWith("/") ? name : "/" + name;
        if (!VALID.matcher(name).matches()) {
            throw new InvalidParameterException("Invalid container name (" + name.replaceFirst("^/", "")
                    + "), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
        }
        String holder = idsByName.putIfAbsent(normalized, id);
        if (holder != null && !holder.equals(id)) {
            throw new ConflictException("Conflict. The container name \"" + normalized + "\" is already in use by container \""
                    + holder + "\". You have to remove (or rename) that container to be able to reuse that name.");
        }
        return normalized;
    }

    /** Reserves a generated name that no container has yet. */
    String generate(String id) {
        for (int attempt = 0;; attempt++) {
            String name = "/" + ADJECTIVES.get(RANDOM.nextInt(ADJECTIVES.size())) + "_"
                    + SURNAMES.get(RANDOM.nextInt(SURNAMES.size())) + (attempt < 10 ? "" : RANDOM.nextInt(10));
            if (idsByName.putIfAbsent(name, id) == null) {
                return name;
            }
        }
    }

    void release(String name) {
        idsByName.remove(name);
    }

    /** The id of the container with this name ("/name" or "name"), or null. */
    String idOf(String name) {
        return idsByName.get(name.startsWith("/") ? name : "/" + name);
    }
}
