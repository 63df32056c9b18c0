package dev.portkeeper.budget;

/**
 * What the pools attached to a monitor did toward one destination: the ledger that gives the
 * close rate, and who closed first, even where the kernel's tables cannot be read. A value.
 *
 * @param opened connections opened since the monitor started
 * @param closedLocal connections this side closed first (each left a TIME_WAIT here)
 * @param closedPeer connections the peer closed first (TIME_WAIT on the peer)
 * @param closedReset connections that ended in a reset (no TIME_WAIT)
 * @param open connections open now
 * @param boundOpen of the open connections, those whose local port was bound before connect (a fixed
 *     local address in the socket policy): each holds its port for every destination
 * @param localClosesLastMinute connections this side closed first in the last 60 s: the TIME_WAIT sockets
 *     they still hold
 * @param portExhaustionFailures connects that failed because no local port was free (EADDRNOTAVAIL)
 */
public record LedgerCounts(long opened, long closedLocal, long closedPeer, long closedReset, int open, int boundOpen,
        int localClosesLastMinute, long portExhaustionFailures) {
    static final LedgerCounts NONE = new LedgerCounts(0, 0, 0, 0, 0, 0, 0, 0);

    /** @return these counts and {@code other}'s, summed */
    LedgerCounts plus(LedgerCounts other) {
        return new LedgerCounts(opened + other.opened, closedLocal + other.closedLocal, closedPeer + other.closedPeer,
                closedReset + other.closedReset, open + other.open, boundOpen + other.boundOpen,
                localClosesLastMinute + other.localClosesLastMinute,
                portExhaustionFailures + other.portExhaustionFailures);
    }

    @Override
    public String toString() {
        return "opened=" + opened + ", open=" + open + ", boundOpen=" + boundOpen + ", closedLocal=" + closedLocal
                + ", closedPeer=" + closedPeer + ", closedReset=" + closedReset + ", localClosesLastMinute="
                + localClosesLastMinute + ", portExhaustionFailures=" + portExhaustionFailures;
    }
}
