package dev.portkeeper;

/**
 * A snapshot of a pool's (or one endpoint's) connections: borrowed, idle, and borrowers waiting.
 * Immutable; {@link #toString()} reads {@code total=3, active=2, idle=1, waiting=0, max=8}.
 */
public final class PoolStats implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    private final int active;
    private final int idle;
    private final int waiting;
    private final int max;

    /**
     * @param active connections borrowed
     * @param idle connections waiting in the pool
     * @param waiting borrowers waiting for a connection
     * @param max the limit that applies (maxPerEndpoint or maxTotal)
     */
    public PoolStats(int active, int idle, int waiting, int max) {
        this.active = active;
        this.idle = idle;
        this.waiting = waiting;
        this.max = max;
    }

    /** @return open connections, borrowed and idle */
    public int total() {
        return active + idle;
    }

    /** @return connections borrowed */
    public int active() {
        return active;
    }

    /** @return connections idle in the pool */
    public int idle() {
        return idle;
    }

    /** @return borrowers waiting for a connection */
    public int waiting() {
        return waiting;
    }

    /** @return the limit that applies */
    public int max() {
        return max;
    }

    @Override
    public String toString() {
        return "total=" + total() + ", active=" + active + ", idle=" + idle + ", waiting=" + waiting + ", max=" + max;
    }
}
