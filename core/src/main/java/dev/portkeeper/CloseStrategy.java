package dev.portkeeper;

/**
 * How the pool closes a connection it retires (lifetime reached, idle too long, pool closed,
 * room needed, invalidated), and so on which side its TIME_WAIT lands. The side that sends the
 * first FIN keeps the connection's four-tuple in TIME_WAIT for 60 s; on a client that talks to
 * few upstreams, that is what uses up the ephemeral-port range.
 *
 * <p>Chosen per pool and per endpoint with a {@link ClosePolicy}. Whatever the strategy, a
 * connection the peer has already closed or reset is simply closed, and every close is reported
 * to {@link PoolListener#connectionClosed} with {@link ClosedBy}, the side that closed first.
 */
public enum CloseStrategy {
    /**
     * A plain {@code close()}: this side sends the FIN, and TIME_WAIT (60 s, one local port)
     * stays on this host. Always safe; the default.
     */
    GRACEFUL,

    /**
     * Asks the peer to close first, with the protocol's own request (memcached and Redis
     * {@code quit}: {@link dev.portkeeper.net.PeerCloseHooks}), waits up to
     * {@link ClosePolicy#peerCloseTimeout()} for its FIN without blocking any borrower, then
     * closes: TIME_WAIT lands on the server, which has no ephemeral-port budget to exhaust (its
     * TIME_WAIT sockets share its one listening port). Only for a connection at rest (idle in the
     * pool, or just given back in step): the request is never written into a connection whose
     * protocol may be out of step. If the peer does not close in time, or the connection is not
     * at rest, it falls back to {@link #GRACEFUL}; each fallback is counted
     * ({@link CloseStats#peerCloseFallbacks()}) and told to
     * {@link PoolListener#closeFallback listeners}.
     */
    PEER_FIRST,

    /**
     * Closes with {@code SO_LINGER} 0, which sends a reset (RST) instead of a FIN: no TIME_WAIT
     * on either side. The cost: the peer sees "Connection reset" and may log it, and any data
     * not yet sent, in either direction, is thrown away, which is why it is only used on a
     * connection at rest (idle in the pool, or just given back in step by its borrower) that
     * passes the non-blocking check and has nothing unread. Any other connection falls back to
     * {@link #GRACEFUL}, counted ({@link CloseStats#abortFallbacks()}) and told to listeners.
     *
     * <p>Do not use it for fire-and-forget writes (memcached {@code noreply}, pipelines whose
     * replies are not read): bytes given to the kernel just before the connection is retired
     * could still be unsent, and Java cannot see the send queue.
     */
    ABORT_WHEN_IDLE
}
