package dev.portkeeper.budget;

import java.time.Instant;
import java.util.Optional;

/**
 * A budget changed level: raised when a threshold is crossed upward, and again when the level
 * comes back down past its threshold less the hysteresis. Immutable.
 */
public final class BudgetAlert {
    private final Instant time;
    private final String subject;
    private final Destination destination;
    private final BudgetLevel from;
    private final BudgetLevel to;
    private final String message;

    BudgetAlert(Instant time, String subject, Destination destination, BudgetLevel from, BudgetLevel to,
            String message) {
        this.time = time;
        this.subject = subject;
        this.destination = destination;
        this.from = from;
        this.to = to;
        this.message = message;
    }

    /** @return when the change was seen */
    public Instant time() {
        return time;
    }

    /** @return what changed: a destination as text, {@code tcp_max_tw_buckets}, or {@code file descriptors} */
    public String subject() {
        return subject;
    }

    /** @return the destination, for a destination's budget */
    public Optional<Destination> destination() {
        return Optional.ofNullable(destination);
    }

    /** @return the level before */
    public BudgetLevel from() {
        return from;
    }

    /** @return the level now */
    public BudgetLevel to() {
        return to;
    }

    /** @return whether it got worse */
    public boolean isRaised() {
        return to.compareTo(from) > 0;
    }

    /** @return what happened, the numbers, and (when raised) what to do */
    public String message() {
        return message;
    }

    @Override
    public String toString() {
        return message;
    }
}
