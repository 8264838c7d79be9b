package io.wharf.containerd.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import io.wharf.core.spi.runtime.OciRuntime;

class RuntimeVersionsTest {

    @Test
    void runcVersionOutput() {
        OciRuntime r = RuntimeVersions.parse("runc", "runc", """
                runc version 1.1.5+ds1
                commit: 1.1.5+ds1-1+deb12u1
                spec: 1.0.2-dev
                go: go1.19.8
                libseccomp: 2.5.4
                """);
        assertEquals(new OciRuntime("runc", "runc", "1.1.5+ds1", "1.1.5+ds1-1+deb12u1"), r);
    }

    @Test
    void commitWithoutVersionAndUnknownOutput() {
        assertEquals(new OciRuntime("crun", "/usr/bin/crun", "", "abc123"),
                RuntimeVersions.parse("crun", "/usr/bin/crun", "commit: abc123\n"));
        assertEquals(new OciRuntime("x", "x", "", ""), RuntimeVersions.parse("x", "x", "something else\n"));
    }
}
