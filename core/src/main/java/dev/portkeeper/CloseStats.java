package dev.portkeeper;

/**
 * Counts of the connections a pool has closed since it was built: by where their TIME_WAIT
 * landed (the side that sends the first FIN keeps it for 60 s), and how often a close strategy
 * fell back to {@link ClosePolicy.Strategy#GRACEFUL}. An immutable snapshot from
 * {@link ConnectionPool#closeStats()}.
 *
 * @param closedLocal closes where this side sent the first FIN: each left a TIME_WAIT socket, and
 *     so a local port held for 60 s, on this host ({@link ConnectionClosed.TimeWait#LOCAL})
 * @param closedPeer closes where the peer sent the first FIN: their TIME_WAIT is on the peer
 *     ({@link ConnectionClosed.TimeWait#PEER})
 * @param closedReset closes that ended with a reset, or on a connection the kernel had already
 *     given up on: no TIME_WAIT on either side ({@link ConnectionClosed.TimeWait#NONE})
 * @param peerCloseFallbacks PEER_FIRST closes that fell back to GRACEFUL
 * @param abortFallbacks ABORT_WHEN_IDLE closes that fell back to GRACEFUL
 * @param peerClosesPending PEER_FIRST closes waiting for the peer's FIN at the time of the snapshot
 */
public record CloseStats(long closedLocal, long closedPeer, long closedReset, long peerCloseFallbacks,
        long abortFallbacks, int peerClosesPending) {

    /** @return closes of all kinds */
    public long closed() {
        return closedLocal + closedPeer + closedReset;
    }
}
