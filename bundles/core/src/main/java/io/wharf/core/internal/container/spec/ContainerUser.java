package io.wharf.core.internal.container.spec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import io.wharf.core.spi.errors.SystemException;

/**
 * The user a container's process runs as, resolved from a Config.User string ("", "name", "uid",
 * "name:group", "uid:gid", ...) against the image's /etc/passwd and /etc/group, as dockerd does
 * with runc's user package (libcontainer/user GetExecUser) plus --group-add.
 *
 * @param uid the user id; 0 when unspecified
 * @param gid the primary group id; the passwd entry's, or 0
 * @param additionalGids the primary group first, then the groups listing the user by name, then
 *        GroupAdd's, as dockerd orders them
 */
public record ContainerUser(long uid, long gid, List<Long> additionalGids) {

    private static final long MAX_ID = (1L << 31) - 1;
    private static final String RANGE_ERROR = "uids and gids must be in range 0-" + MAX_ID;

    public ContainerUser {
        additionalGids = List.copyOf(additionalGids);
    }

    /**
     * Resolves {@code user} inside {@code rootfs}. Missing passwd or group files are no error (a
     * numeric user then still works, as in dockerd); a name that matches no entry is, with runc's
     * message. The files are read through {@link ScopedPath}, so links in the image cannot point the
     * daemon at the host's own files.
     */
    public static ContainerUser resolve(Path rootfs, String user, List<String> groupAdd) {
        Optional<List<String[]>> passwd = table(rootfs, "/etc/passwd", true);
        Optional<List<String[]>> group = table(rootfs, "/etc/group", false);
        String userArg = field(user.split(":", -1), 0);
        String groupArg = user.indexOf(':') < 0 ? "" : field(user.split(":", -1), 1);

        long uid = 0;
        long gid = 0;
        String matchedName = "";
        Optional<String[]> entry = passwd.flatMap(rows -> rows.stream().filter(p -> userArg.isEmpty()
                ? number(field(p, 2)) == 0 : isNumber(userArg) ? number(field(p, 2)) == number(userArg)
                : field(p, 0).equals(userArg)).findFirst());
        if (entry.isPresent()) {
            matchedName = field(entry.get(), 0);
            uid = number(field(entry.get(), 2));
            gid = number(field(entry.get(), 3));
        } else if (!userArg.isEmpty()) {
            if (!isNumber(userArg)) {
                throw new SystemException("unable to find user " + userArg + ": no matching entries in passwd file");
            }
            uid = inRange(number(userArg));
        }

        List<Long> supplementary = new ArrayList<>();
        if (!groupArg.isEmpty()) {
            Optional<String[]> g = group.flatMap(rows -> rows.stream().filter(r -> isNumber(groupArg)
                    ? number(field(r, 2)) == number(groupArg) : field(r, 0).equals(groupArg)).findFirst());
            if (g.isPresent()) {
                gid = number(field(g.get(), 2));
            } else if (isNumber(groupArg)) {
                gid = inRange(number(groupArg));
            } else {
                throw new SystemException("unable to find group " + groupArg + ": no matching entries in group file");
            }
        } else if (!matchedName.isEmpty()) {
            String name = matchedName;
            group.ifPresent(rows -> rows.stream().filter(r -> members(r).contains(name))
                    .forEach(r -> supplementary.add(number(field(r, 2)))));
        }

        List<Long> additional = new ArrayList<>();
        additional.add(gid);
        additional.addAll(supplementary);
        additional.addAll(additionalGroups(groupAdd == null ? List.of() : groupAdd, group.orElse(List.of())));
        return new ContainerUser(uid, gid, additional);
    }

    /** The user as the spec's process.user. */
    OciSpec.User toSpec() {
        return new OciSpec.User(uid, gid, additionalGids);
    }

    /**
     * GroupAdd's names and ids as gids (runc GetAdditionalGroups): a name must exist, a number need
     * not; each gid once.
     */
    private static List<Long> additionalGroups(List<String> wanted, List<String[]> groups) {
        Set<Long> gids = new LinkedHashSet<>();
        for (String ag : wanted) {
            Optional<Long> found = groups.stream()
                    .filter(g -> field(g, 0).equals(ag) || String.valueOf(number(field(g, 2))).equals(ag))
                    .map(g -> number(field(g, 2))).filter(id -> !gids.contains(id)).findFirst();
            if (found.isPresent()) {
                gids.add(found.get());
            } else if (isNumber(ag)) {
                gids.add(inRange(number(ag)));
            } else {
                throw new SystemException("Unable to find group " + ag);
            }
        }
        return List.copyOf(gids);
    }

    /**
     * The colon-separated rows of an /etc table, or empty if the file is absent. runc trims passwd
     * lines but not group lines, and so does this.
     */
    private static Optional<List<String[]>> table(Path rootfs, String path, boolean trim) {
        try {
            return ScopedPath.readFile(rootfs, path).map(text -> text.lines().map(l -> trim ? l.strip() : l)
                    .filter(l -> !l.isEmpty()).map(l -> l.split(":", -1)).toList());
        } catch (IOException e) {
            throw new SystemException("reading " + path + " of the container: " + e.getMessage(), e);
        }
    }

    private static List<String> members(String[] groupRow) {
        String list = field(groupRow, 3);
        return list.isEmpty() ? List.of() : List.of(list.split(","));
    }

    private static String field(String[] row, int i) {
        return i < row.length ? row[i] : "";
    }

    private static boolean isNumber(String s) {
        return s.matches("[+-]?[0-9]{1,18}");
    }

    /** Go's Atoi with errors ignored, as runc parses the tables: not a number reads as 0. */
    private static long number(String s) {
        return isNumber(s) ? Long.parseLong(s) : 0;
    }

    private static long inRange(long id) {
        if (id < 0 || id > MAX_ID) {
            throw new SystemException(RANGE_ERROR);
        }
        return id;
    }
}
