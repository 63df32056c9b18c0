package dev.portkeeper.budget;

/**
 * What the pools attached to a monitor did toward one destination: the ledger that gives the
 * close rate, and who closed first, even where the kernel's tables cannot be read. Immutable.
 */
public final class LedgerCounts {
    static final LedgerCounts NONE = new LedgerCounts(0, 0, 0, 0, 0, 0, 0, 0);

    private final long opened;
    private final long closedLocal;
    private final long closedPeer;
    private final long closedReset;
    private final int open;
    private final int boundOpen;
    private final int localClosesLastMinute;
    private final long portExhaustionFailures;

    LedgerCounts(long opened, long closedLocal, long closedPeer, long closedReset, int open, int boundOpen,
            int localClosesLastMinute, long portExhaustionFailures) {
        this.opened = opened;
        this.closedLocal = closedLocal;
        this.closedPeer = closedPeer;
        this.closedReset = closedReset;
        this.open = open;
        this.boundOpen = boundOpen;
        this.localClosesLastMinute = localClosesLastMinute;
        this.portExhaustionFailures = portExhaustionFailures;
    }

    /** @return connections opened since the monitor started */
    public long opened() {
        return opened;
    }

    /** @return connections this side closed first (each left a TIME_WAIT here) */
    public long closedLocal() {
        return closedLocal;
    }

    /** @return connections the peer closed first (TIME_WAIT on the peer) */
    public long closedPeer() {
        return closedPeer;
    }

    /** @return connections that ended in a reset (no TIME_WAIT) */
    public long closedReset() {
        return closedReset;
    }

    /** @return connections open now */
    public int open() {
        return open;
    }

    /**
     * @return of the open connections, those whose local port was bound before connect (a fixed
     *     local address in the socket policy): each holds its port for every destination
     */
    public int boundOpen() {
        return boundOpen;
    }

    /** @return connections this side closed first in the last 60 s: the TIME_WAIT sockets they still hold */
    public int localClosesLastMinute() {
        return localClosesLastMinute;
    }

    /** @return connects that failed because no local port was free (EADDRNOTAVAIL) */
    public long portExhaustionFailures() {
        return portExhaustionFailures;
    }

    @Override
    public String toString() {
        return "opened=" + opened + ", open=" + open + ", boundOpen=" + boundOpen + ", closedLocal=" + closedLocal + ", closedPeer=" + closedPeer
                + ", closedReset=" + closedReset + ", localClosesLastMinute=" + localClosesLastMinute
                + ", portExhaustionFailures=" + portExhaustionFailures;
    }
}
