package dev.portkeeper.budget;

/**
 * How close a budget is to running out, in increasing order of severity. The thresholds are
 * {@link BudgetSettings}'s.
 */
public enum BudgetLevel {
    /** Below every threshold. */
    OK,
    /** At least {@code warnRatio} of the capacity used, or exhaustion forecast within {@code warnHorizon}. */
    WARN,
    /** At least {@code criticalRatio} used, or exhaustion forecast within {@code criticalHorizon}. */
    CRITICAL,
    /** Every port is in use (or, for the host budgets, the kernel is already dropping TIME_WAIT sockets). */
    EXHAUSTED;

    /**
     * @param other another level
     * @return the more severe of the two
     */
    public BudgetLevel max(BudgetLevel other) {
        return compareTo(other) >= 0 ? this : other;
    }
}
