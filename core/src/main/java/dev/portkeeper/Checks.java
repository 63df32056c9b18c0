package dev.portkeeper;

import java.time.Duration;
import java.util.Objects;

/** Argument checks for the settings builders; each message names the setting and the bad value. */
final class Checks {
    private Checks() {
    }

    static int positive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be greater than 0: " + value);
        }
        return value;
    }

    static int atMost(String name, int value, int max) {
        if (value > max) {
            throw new IllegalArgumentException(name + " must be at most " + max + ": " + value);
        }
        return value;
    }

    static int notNegative(String name, int value) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must not be negative: " + value);
        }
        return value;
    }

    static Duration notNegative(String name, Duration value) {
        Objects.requireNonNull(value, name);
        if (value.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative: " + value);
        }
        return value;
    }

    static Duration positive(String name, Duration value) {
        Objects.requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be greater than 0: " + value);
        }
        return value;
    }

    /** A bound below Duration's nanosecond overflow (292 years) and below any sensible setting. */
    static final Duration ONE_YEAR = Duration.ofDays(365);

    static Duration atMost(String name, Duration value, Duration max, String maxText) {
        Objects.requireNonNull(value, name);
        if (value.compareTo(max) > 0) {
            throw new IllegalArgumentException(name + " must be at most " + maxText + ": " + value);
        }
        return value;
    }

    /** Zero, or at least 1 ms: the socket layer counts whole milliseconds, and 0 means forever there. */
    static Duration zeroOrAtLeastOneMilli(String name, Duration value) {
        Objects.requireNonNull(value, name);
        if (!value.isZero() && !value.isNegative() && value.compareTo(Duration.ofMillis(1)) < 0) {
            throw new IllegalArgumentException(name + " must be 0 or at least 1 ms (the socket counts whole"
                    + " milliseconds, and 0 would mean no bound): " + value);
        }
        return value;
    }

    static Duration atLeastOneSecond(String name, Duration value) {
        Objects.requireNonNull(value, name);
        if (value.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException(name + " must be at least 1 s (the kernel counts whole seconds): " + value);
        }
        if (value.compareTo(Duration.ofSeconds(32_767)) > 0) {
            throw new IllegalArgumentException(name + " must be at most 32767 s (the kernel's limit for TCP keepalive"
                    + " times): " + value);
        }
        return value;
    }
}
