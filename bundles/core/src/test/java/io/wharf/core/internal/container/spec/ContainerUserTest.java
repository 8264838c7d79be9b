package io.wharf.core.internal.container.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.wharf.core.internal.platform.PosixFiles;
import io.wharf.core.spi.errors.SystemException;

/**
 * User strings resolved against a root file system's /etc/passwd and /etc/group as runc's user
 * package and dockerd's getUser do, including images whose files try to lead out of the root.
 */
class ContainerUserTest {

    private static final String PASSWD = """
            root:x:0:0:root:/root:/bin/sh
            daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
            alice:x:1000:1000:Alice:/home/alice:/bin/sh
            bob:x:1001:100::/home/bob:/bin/sh
            """;
    private static final String GROUP = """
            root:x:0:
            daemon:x:1:
            users:x:100:
            alice:x:1000:
            audio:x:29:alice,bob
            video:x:44:bob
            staff:x:50:
            """;

    @TempDir
    Path dir;

    private Path rootfs() {
        return SpecFixtures.rootfs(dir.resolve("rootfs"), PASSWD, GROUP);
    }

    private ContainerUser resolve(String user, String... groupAdd) {
        return ContainerUser.resolve(rootfs(), user, List.of(groupAdd));
    }

    @Test
    void emptyUserIsRootWithRootsGroups() {
        assertEquals(new ContainerUser(0, 0, List.of(0L)), resolve(""));
    }

    @Test
    void nameGivesPasswdIdsAndTheGroupsListingTheUser() {
        assertEquals(new ContainerUser(1001, 100, List.of(100L, 29L, 44L)), resolve("bob"));
        assertEquals(new ContainerUser(1000, 1000, List.of(1000L, 29L)), resolve("alice"));
    }

    @Test
    void numericUserIsAUidEvenWithoutAnEntry() {
        assertEquals(new ContainerUser(1000, 1000, List.of(1000L, 29L)), resolve("1000"));
        assertEquals(new ContainerUser(4242, 0, List.of(0L)), resolve("4242"));
    }

    @Test
    void explicitGroupReplacesThePrimaryGroupAndDropsSupplementaryOnes() {
        assertEquals(new ContainerUser(1001, 50, List.of(50L)), resolve("bob:staff"));
        assertEquals(new ContainerUser(1000, 7, List.of(7L)), resolve("1000:7"));
        assertEquals(new ContainerUser(1000, 44, List.of(44L)), resolve("alice:44"));
    }

    @Test
    void groupAddAppendsByNameOrIdEachOnce() {
        assertEquals(List.of(1000L, 29L, 50L, 44L, 777L),
                resolve("alice", "staff", "44", "777", "50").additionalGids());
    }

    @Test
    void unknownNamesFailWithRuncsMessages() {
        assertEquals("unable to find user mallory: no matching entries in passwd file",
                assertThrows(SystemException.class, () -> resolve("mallory")).getMessage());
        assertEquals("unable to find group wheel: no matching entries in group file",
                assertThrows(SystemException.class, () -> resolve("alice:wheel")).getMessage());
        assertEquals("Unable to find group wheel",
                assertThrows(SystemException.class, () -> resolve("alice", "wheel")).getMessage());
        assertEquals("uids and gids must be in range 0-2147483647",
                assertThrows(SystemException.class, () -> resolve("2147483648")).getMessage());
    }

    @Test
    void missingFilesStillAllowNumericIdsButNotNames() throws IOException {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertEquals(new ContainerUser(5, 6, List.of(6L, 9L)), ContainerUser.resolve(empty, "5:6", List.of("9")));
        assertEquals(new ContainerUser(0, 0, List.of(0L)), ContainerUser.resolve(empty, "", List.of()));
        assertThrows(SystemException.class, () -> ContainerUser.resolve(empty, "alice", List.of()));
    }

    @Test
    void symlinksCannotLeadToTheHostsFiles() throws IOException {
        // A "host" passwd outside the root file system that knows a user the image does not.
        Path hostPasswd = dir.resolve("host-passwd");
        Files.writeString(hostPasswd, "intruder:x:0:0::/:/bin/sh\n");
        Path rootfs = Files.createDirectories(dir.resolve("evil/etc")).getParent();

        PosixFiles.symlink(hostPasswd.toString(), rootfs.resolve("etc/passwd"));
        assertThrows(SystemException.class, () -> ContainerUser.resolve(rootfs, "intruder", List.of()));

        Files.delete(rootfs.resolve("etc/passwd"));
        PosixFiles.symlink("../../../../../../.." + hostPasswd, rootfs.resolve("etc/passwd"));
        assertThrows(SystemException.class, () -> ContainerUser.resolve(rootfs, "intruder", List.of()));

        // The same links read the image's own file: "/" is the root file system.
        Files.createDirectories(rootfs.resolve(hostPasswd.getParent().toString().substring(1)));
        Files.writeString(rootfs.resolve(hostPasswd.toString().substring(1)), "inside:x:7:8::/:/bin/sh\n");
        assertEquals(new ContainerUser(7, 8, List.of(8L)), ContainerUser.resolve(rootfs, "inside", List.of()));
    }

    @Test
    void aLinkedEtcDirectoryIsFollowedInsideTheRoot() throws IOException {
        Path rootfs = Files.createDirectories(dir.resolve("linked"));
        SpecFixtures.rootfs(rootfs.resolve("real"), "carol:x:12:13::/:/bin/sh\n", "");
        Files.move(rootfs.resolve("real/etc"), rootfs.resolve("real-etc"));
        PosixFiles.symlink("/real-etc", rootfs.resolve("etc"));
        assertEquals(new ContainerUser(12, 13, List.of(13L)), ContainerUser.resolve(rootfs, "carol", List.of()));
    }

    @Test
    void aFifoAsPasswdIsNoFileRatherThanAHang() throws IOException {
        Path rootfs = Files.createDirectories(dir.resolve("fifo/etc")).getParent();
        PosixFiles.mkfifo(rootfs.resolve("etc/passwd"), 0644);
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            assertEquals(new ContainerUser(3, 0, List.of(0L)), ContainerUser.resolve(rootfs, "3", List.of()));
            assertThrows(SystemException.class, () -> ContainerUser.resolve(rootfs, "root", List.of()));
        });
    }
}
