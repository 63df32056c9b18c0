package dev.portkeeper;

import java.util.Optional;

/**
 * A connection the pool closed, and what that means for TIME_WAIT: which side sent the first FIN
 * (that side keeps the connection in TIME_WAIT for 60 s, holding a port), why the pool closed
 * it, with which close strategy, and why that strategy fell back to a graceful close if it did.
 * Told to {@link PoolListener#connectionClosed(ConnectionClosed)} and
 * {@link PortBudget#connectionClosed(ConnectionClosed)}. Immutable.
 *
 * @param connection the connection, as it was when it was closed
 * @param reason why the pool closed it
 * @param timeWait where its TIME_WAIT landed
 * @param strategy the close strategy its endpoint's {@link ClosePolicy} asked for
 * @param fallback why {@code strategy} was not applied and the connection was closed gracefully
 *     instead; null when it was applied (always null for {@link ClosePolicy.Strategy#GRACEFUL})
 */
public record ConnectionClosed(ConnectionInfo connection, Reason reason, TimeWait timeWait,
        ClosePolicy.Strategy strategy, Fallback fallback) {

    /** @return why the strategy fell back to a graceful close, if it did */
    public Optional<Fallback> fallbackCause() {
        return Optional.ofNullable(fallback);
    }

    @Override
    public String toString() {
        return "ConnectionClosed{" + connection + ", " + reason + ", TIME_WAIT " + timeWait + ", " + strategy
                + (fallback == null ? "" : " fell back: " + fallback) + '}';
    }

    /** Why the pool closed a connection. */
    public enum Reason {
        /** It reached its lifetime ({@code maxLifetime} less its jitter). */
        EXPIRED,
        /** It sat idle longer than {@code idleTimeout}. */
        IDLE,
        /** The peer had closed it (a FIN seen by a read or by the pool's check). */
        PEER_CLOSED,
        /** Bytes were waiting on it while it was at rest: the protocol was out of step. */
        STRAY_BYTES,
        /** An I/O error (reset, timeout, ...) was seen on it. */
        BROKEN,
        /** The borrower, or another thread, called {@link PooledConnection#invalidate()}. */
        INVALIDATED,
        /** Closed while idle to make room under {@code maxTotal} for a connection to another endpoint. */
        CAPACITY,
        /**
         * Its borrower gave it back with {@link PooledConnection#closeWhenPeerCloses()}: the protocol
         * had asked the peer to close.
         */
        RETIRED,
        /** The pool was closed. */
        POOL_CLOSED
    }

    /**
     * Where the connection's TIME_WAIT landed: the side that sends the first FIN keeps the
     * connection in TIME_WAIT for 60 s, holding its port.
     */
    public enum TimeWait {
        /** This side sent the first FIN: TIME_WAIT is on this host and holds a local port for 60 s. */
        LOCAL,
        /** The peer sent the first FIN: TIME_WAIT is on the peer; this host keeps nothing. */
        PEER,
        /**
         * No FIN exchange: a reset (RST) was sent or received ({@link ClosePolicy.Strategy#ABORT_WHEN_IDLE},
         * an invalidation during blocked I/O, or the kernel's answer to a close with unread bytes), or the
         * kernel had already given the connection up (keepalive or retransmissions unanswered). No TIME_WAIT
         * on either side.
         */
        NONE
    }

    /**
     * Why a {@link ClosePolicy.Strategy#PEER_FIRST} or {@link ClosePolicy.Strategy#ABORT_WHEN_IDLE}
     * close fell back to {@link ClosePolicy.Strategy#GRACEFUL}.
     */
    public enum Fallback {
        /**
         * The connection was not at rest: it was invalidated, or a stream saw an error while it was
         * borrowed. Its protocol may be out of step: a close request written into a half-sent command
         * could be taken as data, and a reset could cut a reply in flight, so neither is tried.
         */
        NOT_IDLE,
        /**
         * Bytes from the peer were waiting unread. A reset would throw them away unseen, so the
         * connection is closed normally; the kernel then answers with a reset itself (RFC 1122: data was
         * lost), reported as {@link TimeWait#NONE}, and the pool logs how many bytes were unread.
         */
        UNREAD_BYTES,
        /** PEER_FIRST: the close request could not be written (the peer is not reading, or the hook failed). */
        REQUEST_FAILED,
        /** PEER_FIRST: the peer answered the close request with more than the hook's {@code maxReplyBytes}. */
        UNEXPECTED_REPLY,
        /** PEER_FIRST: the peer did not close within {@link ClosePolicy#peerCloseTimeout()} of the request. */
        PEER_DID_NOT_CLOSE
    }
}
