package dev.portkeeper.internal;

import java.time.Duration;

/**
 * How one peer-first close ended: which side closed first, why it fell back to a graceful close
 * if it did, how long the peer took, and how many bytes it answered before its FIN.
 *
 * @param closedBy which side closed first: {@link Side#PEER} when the peer's FIN came in time
 * @param fallback why the pool closed it itself; null when the peer closed first (or reset it)
 * @param waited from the close request to the FIN, or to the end of the wait
 * @param replyBytes bytes the peer sent after the request, read and discarded
 */
record PeerCloseOutcome(Side closedBy, Fallback fallback, Duration waited,
        long replyBytes) {

    /** @return whether the close fell back to GRACEFUL */
    boolean fellBack() {
        return fallback != null;
    }

    static PeerCloseOutcome of(Side closedBy, Fallback fallback, long startNanos, long replyBytes) {
        return new PeerCloseOutcome(closedBy, fallback, Duration.ofNanos(System.nanoTime() - startNanos), replyBytes);
    }
}
