package dev.portkeeper;

/** Why the pool closed a connection. */
public enum CloseReason {
    /** It reached its lifetime ({@code maxLifetime} less its jitter). */
    EXPIRED,
    /** It sat idle longer than {@code idleTimeout}. */
    IDLE,
    /** The peer had closed it (a FIN seen by a read or by the pool's check). */
    PEER_CLOSED,
    /** Unexpected bytes were waiting on it while idle: the protocol was out of step. */
    STRAY_BYTES,
    /** An I/O error (reset, timeout, ...) was seen on it. */
    BROKEN,
    /** The borrower called {@link PooledConnection#invalidate()}. */
    INVALIDATED,
    /** Closed to make room under {@code maxTotal} for a connection to another endpoint. */
    CAPACITY,
    /** The pool was closed. */
    POOL_CLOSED
}
