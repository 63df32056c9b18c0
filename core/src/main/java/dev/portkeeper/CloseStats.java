package dev.portkeeper;

/**
 * Counts of the connections a pool has closed since it was built: by the side that closed
 * first (so where their TIME_WAIT landed), and how often a close strategy fell back to
 * {@link CloseStrategy#GRACEFUL}. An immutable snapshot from {@link ConnectionPool#closeStats()}.
 */
public final class CloseStats {
    private final long closedLocal;
    private final long closedPeer;
    private final long closedReset;
    private final long peerCloseFallbacks;
    private final long abortFallbacks;
    private final int peerClosesPending;

    /**
     * @param closedLocal closes where this side sent the first FIN
     * @param closedPeer closes where the peer sent the first FIN
     * @param closedReset closes that ended with a reset, or on a connection the kernel had given up on
     * @param peerCloseFallbacks PEER_FIRST closes that fell back to GRACEFUL
     * @param abortFallbacks ABORT_WHEN_IDLE closes that fell back to GRACEFUL
     * @param peerClosesPending PEER_FIRST closes waiting for the peer's FIN now
     */
    public CloseStats(long closedLocal, long closedPeer, long closedReset, long peerCloseFallbacks,
            long abortFallbacks, int peerClosesPending) {
        this.closedLocal = closedLocal;
        this.closedPeer = closedPeer;
        this.closedReset = closedReset;
        this.peerCloseFallbacks = peerCloseFallbacks;
        this.abortFallbacks = abortFallbacks;
        this.peerClosesPending = peerClosesPending;
    }

    /** @return closes where this side sent the first FIN: each left a TIME_WAIT socket on this host */
    public long closedLocal() {
        return closedLocal;
    }

    /** @return closes where the peer sent the first FIN: their TIME_WAIT is on the peer */
    public long closedPeer() {
        return closedPeer;
    }

    /** @return closes that ended with a reset (or on a dead connection): no TIME_WAIT on either side */
    public long closedReset() {
        return closedReset;
    }

    /** @return closes of all kinds */
    public long closed() {
        return closedLocal + closedPeer + closedReset;
    }

    /** @return PEER_FIRST closes that fell back to GRACEFUL (peer did not close in time, request failed, not at rest, ...) */
    public long peerCloseFallbacks() {
        return peerCloseFallbacks;
    }

    /** @return ABORT_WHEN_IDLE closes that fell back to GRACEFUL (unread bytes, not at rest) */
    public long abortFallbacks() {
        return abortFallbacks;
    }

    /** @return PEER_FIRST closes waiting for the peer's FIN at the time of the snapshot */
    public int peerClosesPending() {
        return peerClosesPending;
    }

    @Override
    public String toString() {
        return "CloseStats{closedLocal=" + closedLocal + ", closedPeer=" + closedPeer + ", closedReset=" + closedReset
                + ", peerCloseFallbacks=" + peerCloseFallbacks + ", abortFallbacks=" + abortFallbacks
                + ", peerClosesPending=" + peerClosesPending + '}';
    }
}
