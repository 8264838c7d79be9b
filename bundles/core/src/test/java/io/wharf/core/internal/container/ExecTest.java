package io.wharf.core.internal.container;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class ExecTest {

    @Test
    void anExecEndsAtItsExitAndOnlyThen() {
        Exec e = new Exec("e1", "c1", new Exec.Request(List.of("true"), null, "", "", false, false, false, true, true, "", null));
        long later = System.nanoTime() + 1_000_000_000L;
        assertFalse(e.endedBefore(later), "an exec that has not exited is kept");
        long beforeExit = System.nanoTime();
        e.exited(0);
        assertTrue(e.endedBefore(later));
        assertFalse(e.endedBefore(beforeExit), "nor is it dropped for a time before its exit");
    }
}
