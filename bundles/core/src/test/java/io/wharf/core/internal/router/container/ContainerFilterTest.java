package io.wharf.core.internal.router.container;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ContainerFilterTest {

    @Test
    void aNameFilterIsARegularExpressionOverTheNameWithOrWithoutItsSlash() {
        assertTrue(ContainerFilter.nameMatches("web", "/my-web-1"));
        assertTrue(ContainerFilter.nameMatches("^web", "/web-1"), "anchored at the name without its slash");
        assertTrue(ContainerFilter.nameMatches("^/web-1$", "/web-1"), "and at the name with it");
        assertTrue(ContainerFilter.nameMatches("db|web", "/web-1"));
        assertFalse(ContainerFilter.nameMatches("^web$", "/web-1"));
        assertFalse(ContainerFilter.nameMatches("web(", "/web("), "an expression that does not compile matches nothing");
    }
}
