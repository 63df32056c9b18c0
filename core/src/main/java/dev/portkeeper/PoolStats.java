package dev.portkeeper;

/**
 * A snapshot of a pool's (or one endpoint's) connections: borrowed, idle, being opened, and
 * borrowers waiting. Immutable; {@link #toString()} reads
 * {@code total=3, active=2, idle=1, pending=0, waiting=0, max=8}.
 *
 * @param active connections lent to borrowers
 * @param idle open connections waiting in the pool
 * @param pending connections being opened now (a connect in progress counts toward the limits)
 * @param waiting borrowers waiting for a connection
 * @param max the limit that applies: {@code maxPerEndpoint} for an endpoint, {@code maxTotal}
 *     for the pool
 */
public record PoolStats(int active, int idle, int pending, int waiting, int max) {

    /** @return connections that count against {@link #max()}: active, idle and pending */
    public int total() {
        return active + idle + pending;
    }

    @Override
    public String toString() {
        return "total=" + total() + ", active=" + active + ", idle=" + idle + ", pending=" + pending
                + ", waiting=" + waiting + ", max=" + max;
    }
}
