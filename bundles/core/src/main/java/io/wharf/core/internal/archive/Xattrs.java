package io.wharf.core.internal.archive;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

import io.wharf.core.internal.platform.ErrnoException;
import io.wharf.core.internal.platform.PosixFiles;

/** Which extended attributes travel in a layer, and reading them from a file. */
final class Xattrs {

    private Xattrs() {
    }

    /**
     * overlayfs's own attributes ({@code trusted.overlay.*}: opaque markers, redirects, origins)
     * describe a directory's place in one mount, and a SELinux label the host that wrote it:
     * neither is layer content, in either direction. Opaque markers travel as {@code .wh..wh..opq}.
     */
    static boolean isCarried(String name) {
        return !name.startsWith("trusted.overlay.") && !name.equals("security.selinux");
    }

    /** The carried attributes of {@code path} (not following a symbolic link), sorted by name. */
    static SortedMap<String, byte[]> read(Path path) throws ErrnoException {
        SortedMap<String, byte[]> xattrs = new TreeMap<>();
        try {
            for (String name : PosixFiles.llistxattr(path)) {
                byte[] value = isCarried(name) ? PosixFiles.lgetxattr(path, name) : null;
                if (value != null) {
                    xattrs.put(name, value);
                }
            }
        } catch (ErrnoException e) {
            if (e.errno() != ErrnoException.ENOTSUP) { // a file system without extended attributes has none
                throw e;
            }
        }
        return xattrs;
    }

    static boolean equal(Map<String, byte[]> a, Map<String, byte[]> b) {
        if (!a.keySet().equals(b.keySet())) {
            return false;
        }
        for (Map.Entry<String, byte[]> e : a.entrySet()) {
            if (!Arrays.equals(e.getValue(), b.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }
}
