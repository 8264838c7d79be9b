package io.wharf.core.internal.time;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import io.wharf.core.spi.errors.InvalidParameterException;

class TimestampsTest {

    private static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");

    @Test
    void unixTimesWithFractionsAndRfc3339TimesAreRead() {
        assertEquals(Instant.ofEpochSecond(1700000000, 500_000_000), Timestamps.parse("since", "1700000000.5"));
        assertEquals(Instant.ofEpochSecond(1700000000, 123_456_789), Timestamps.parse("since", "1700000000.12345678912"));
        assertEquals(Instant.parse("2026-01-02T03:04:05Z"), Timestamps.parse("since", "2026-01-02T03:04:05Z"));
        assertNull(Timestamps.parse("since", ""));
        InvalidParameterException bad = assertThrows(InvalidParameterException.class, () -> Timestamps.parse("until", "soon"));
        assertTrue(bad.getMessage().startsWith("invalid value for \"until\": invalid timestamp \"soon\""), bad.getMessage());
    }

    @Test
    void pruneFiltersAlsoTakeGoDurationsBackFromNow() {
        assertEquals(NOW.minus(Duration.ofHours(24)), Timestamps.parseRelative("until", "24h", NOW));
        assertEquals(NOW.minus(Duration.ofMinutes(90)), Timestamps.parseRelative("until", "1h30m", NOW));
        assertEquals(NOW.minus(Duration.ofMillis(1500)), Timestamps.parseRelative("until", "1.5s", NOW));
        assertEquals(Instant.ofEpochSecond(1700000000), Timestamps.parseRelative("until", "1700000000", NOW));
        assertThrows(InvalidParameterException.class, () -> Timestamps.parseRelative("until", "10x", NOW));
    }

    @Test
    void nanosAreSinceTheEpoch() {
        assertEquals(1_700_000_000_000_000_001L, Timestamps.nanos(Instant.ofEpochSecond(1_700_000_000L, 1)));
    }
}
