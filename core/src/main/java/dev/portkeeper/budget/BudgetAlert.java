package dev.portkeeper.budget;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A budget changed level: raised when a threshold is crossed upward, and again when the level
 * comes back down past its threshold less the hysteresis. A value.
 *
 * @param time when the change was seen
 * @param subject what changed: a destination as text, {@code tcp_max_tw_buckets}, or {@code file descriptors}
 * @param destination the destination, for a destination's budget
 * @param from the level before
 * @param to the level now
 * @param message what happened, the numbers, the forecast and how sure it is, and (when raised) what to do
 */
public record BudgetAlert(Instant time, String subject, Optional<Destination> destination, BudgetLevel from,
        BudgetLevel to, String message) {
    /**
     * Checks that nothing is null.
     *
     * @param time see the record's description
     * @param subject see the record's description
     * @param destination see the record's description
     * @param from see the record's description
     * @param to see the record's description
     * @param message see the record's description
     */
    public BudgetAlert {
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(destination, "destination");
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(message, "message");
    }

    /** @return whether it got worse */
    public boolean isRaised() {
        return to.compareTo(from) > 0;
    }

    @Override
    public String toString() {
        return message;
    }
}
