package dev.portkeeper.budget;

/**
 * When to read the full socket tables, as a pure function of the time, the cheap counters and
 * the cost of the last read: the counters ({@code sockstat}) are read every sample; the tables,
 * whose read grows with the number of sockets (about 30 ms of CPU at 20,000), only as often as
 * needed.
 *
 * <ul>
 *   <li>Urgent (a destination EXHAUSTED, or forecast to run out within the critical horizon):
 *       every sample, up to a quarter of a core (at 100,000 sockets a read takes 1-2 s of CPU).
 *   <li>Pressure (a level up, a forecast, or a quarter of the capacity in use host-wide): every
 *       sample, but no more often than keeps the reads within {@link #CPU_SHARE} of a core.
 *   <li>Otherwise every {@code idleTableInterval}, likewise bounded by the cost.
 *   <li>Never less often than every 60 s under pressure, or every 5 min without it.
 *   <li>Sooner, when the counters moved by a twentieth of the capacity (and a tenth of the sockets)
 *       since the last read, a load starting or stopping: once half of that interval has passed.
 * </ul>
 *
 * <p>Not thread-safe: the sampler's.
 */
final class TableSchedule {
    /** The share of one core the table reads may take, outside urgency. */
    static final double CPU_SHARE = 0.005;
    /** The share they may take when urgent. */
    static final double URGENT_CPU_SHARE = 0.25;
    /** The longest the tables go unread under pressure (a level up or a forecast). */
    static final long MAX_INTERVAL_NANOS = 60_000_000_000L;
    /** The longest the tables go unread with every level OK and no forecast (the counters still every sample). */
    static final long MAX_QUIET_INTERVAL_NANOS = 300_000_000_000L;

    private final long sampleNanos;
    private final long idleNanos;
    private boolean read;
    private long lastAt;
    private long lastCostNanos;
    private long socketsAtLast = -1;

    TableSchedule(BudgetSettings settings) {
        sampleNanos = settings.sampleInterval().toNanos();
        idleNanos = settings.idleTableInterval().toNanos();
    }

    /**
     * @param now the ticker's time
     * @param sockets TCP sockets host-wide from the counters, -1 when unknown
     * @param capacity the range's capacity
     * @param urgent whether exhaustion may be near
     * @param pressure whether a level is up or a forecast stands
     * @return whether to read the tables now
     */
    boolean due(long now, long sockets, int capacity, boolean urgent, boolean pressure) {
        if (!read) {
            return true;
        }
        long elapsed = now - lastAt;
        if (urgent) {
            // Every sample, unless a read takes more than a quarter of the interval (100,000 sockets
            // and more): the sampler must not spend all its time reading.
            return elapsed >= Math.max(sampleNanos - sampleNanos / 10, (long) (lastCostNanos / URGENT_CPU_SHARE));
        }
        long byCost = Math.min(pressure ? MAX_INTERVAL_NANOS : MAX_QUIET_INTERVAL_NANOS,
                (long) (lastCostNanos / CPU_SHARE));
        boolean busy = pressure || sockets >= capacity / 4;
        long base = busy ? sampleNanos - sampleNanos / 10 : idleNanos;
        if (elapsed >= Math.max(base, byCost)) {
            return true;
        }
        // A load starting or stopping is worth a read sooner (up to twice the share, for a while); a
        // steady churn's jitter (a few percent of a large table) is not.
        long threshold = Math.max(capacity / 20, socketsAtLast / 10);
        boolean moved = sockets >= 0 && socketsAtLast >= 0 && Math.abs(sockets - socketsAtLast) >= threshold;
        return moved && elapsed >= Math.max(sampleNanos - sampleNanos / 10, byCost / 2);
    }

    /** Records a read of the tables, and what it cost (CPU time where known, else elapsed time). */
    void tablesRead(long now, long costNanos, long sockets) {
        read = true;
        lastAt = now;
        lastCostNanos = Math.max(0, costNanos);
        socketsAtLast = sockets;
    }

    /** @return the cost of the last read, in nanoseconds */
    long lastCostNanos() {
        return lastCostNanos;
    }
}
