package io.wharf.core.internal.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.core.type.TypeReference;

import io.wharf.core.internal.fs.AtomicFiles;
import io.wharf.core.internal.json.Json;
import io.wharf.core.spi.reference.Digest;
import io.wharf.core.spi.reference.Reference;

/**
 * Tags and digests pointing at images: repositories.json, {"Repositories": {"busybox":
 * {"busybox:latest": "sha256:..."}}}, rewritten atomically on every change.
 */
public final class ReferenceStore {

    private final Path file;
    /** Full reference string ("docker.io/library/busybox:latest") to image ID. */
    private final Map<String, Digest> refs = new TreeMap<>();

    public ReferenceStore(Path file) throws IOException {
        this.file = file;
        if (Files.exists(file)) {
            Map<String, Map<String, Map<String, String>>> json = Json.MAPPER.readValue(file.toFile(), new TypeReference<>() {
            });
            json.getOrDefault("Repositories", Map.of()).values().forEach(repo -> repo.forEach(
                    (ref, id) -> refs.put(Reference.parseNormalized(ref).toString(), Digest.parse(id))));
        }
    }

    public synchronized void add(Reference ref, Digest id) throws IOException {
        refs.put(ref.toString(), id);
        save();
    }

    public synchronized boolean remove(Reference ref) throws IOException {
        boolean removed = refs.remove(ref.toString()) != null;
        if (removed) {
            save();
        }
        return removed;
    }

    public synchronized Digest get(Reference ref) {
        return refs.get(ref.toString());
    }

    /** The references to {@code id}, in their full form. */
    public synchronized List<Reference> referencesTo(Digest id) {
        List<Reference> out = new ArrayList<>();
        refs.forEach((ref, target) -> {
            if (target.equals(id)) {
                out.add(Reference.parseNormalized(ref));
            }
        });
        return out;
    }

    /** The references (tags and digests) of repository {@code name}, its own tag or digest aside: moby's ReferencesByName. */
    public synchronized List<Reference> referencesByName(Reference name) {
        List<Reference> out = new ArrayList<>();
        refs.keySet().forEach(ref -> {
            Reference r = Reference.parseNormalized(ref);
            if (r.name().equals(name.name())) {
                out.add(r);
            }
        });
        return out;
    }

    private void save() throws IOException {
        Map<String, Map<String, String>> repos = new TreeMap<>();
        refs.forEach((ref, id) -> {
            Reference r = Reference.parseNormalized(ref);
            repos.computeIfAbsent(r.familiarName(), k -> new TreeMap<>()).put(r.familiarString(), id.toString());
        });
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("Repositories", repos);
        AtomicFiles.write(file, Json.bytes(json));
    }
}
