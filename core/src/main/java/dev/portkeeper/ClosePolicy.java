package dev.portkeeper;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How the pool closes the connections it retires: the {@link Strategy}, and for
 * {@link Strategy#PEER_FIRST} the protocol hook that asks the peer to close and how long to
 * wait for its FIN. Set one for the whole pool with
 * {@link ConnectionPool.Builder#closePolicy(ClosePolicy)} and override it per endpoint with
 * {@link ConnectionPool.Builder#closePolicy(Endpoint, ClosePolicy)}.
 *
 * <pre>{@code
 * ConnectionPool pool = ConnectionPool.builder()
 *         .closePolicy(Endpoint.of("cache.internal", 11211), ClosePolicy.peerFirst(PeerCloseHook.memcached()))
 *         .closePolicy(Endpoint.of("redis.internal", 6379), ClosePolicy.peerFirst(PeerCloseHook.redis()))
 *         .build();
 * }</pre>
 *
 * <table>
 *   <caption>Settings and their defaults</caption>
 *   <tr><th>setting</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code strategy}</td><td>{@link Strategy#GRACEFUL}</td><td>see {@link Strategy}</td></tr>
 *   <tr><td>{@code hook}</td><td>none</td>
 *       <td>writes the protocol's close request; required by {@code PEER_FIRST}, refused by the others</td></tr>
 *   <tr><td>{@code peerCloseTimeout}</td><td>200 ms</td>
 *       <td>{@code PEER_FIRST}: how long to wait for the peer's FIN after the request, at most
 *       10 s. The wait blocks no borrower: one background thread per pool waits for all
 *       connections at once</td></tr>
 * </table>
 *
 * <p>Immutable and thread-safe; build with {@link #custom()} or {@link #from(ClosePolicy)}, or use
 * {@link #graceful()}, {@link #peerFirst(PeerCloseHook)} or {@link #abortWhenIdle()}.
 */
public final class ClosePolicy {
    /** Default of {@code peerCloseTimeout}. */
    public static final Duration DEFAULT_PEER_CLOSE_TIMEOUT = Duration.ofMillis(200);
    /** Upper bound of {@code peerCloseTimeout}: a FIN that takes longer is not coming. */
    public static final Duration MAX_PEER_CLOSE_TIMEOUT = Duration.ofSeconds(10);

    private static final ClosePolicy DEFAULTS = new Builder().build();
    private static final ClosePolicy ABORT_WHEN_IDLE = new Builder().strategy(Strategy.ABORT_WHEN_IDLE).build();

    private final Strategy strategy;
    private final PeerCloseHook hook;
    private final Duration peerCloseTimeout;

    private ClosePolicy(Builder b) {
        strategy = b.strategy;
        hook = b.hook;
        peerCloseTimeout = b.peerCloseTimeout;
    }

    /** @return the default policy: {@link Strategy#GRACEFUL} */
    public static ClosePolicy ofDefaults() {
        return DEFAULTS;
    }

    /** @return {@link Strategy#GRACEFUL}, the default */
    public static ClosePolicy graceful() {
        return DEFAULTS;
    }

    /**
     * @param hook the protocol's close request, e.g. {@link PeerCloseHook#memcached()}
     * @return {@link Strategy#PEER_FIRST} with that hook and the default timeout
     */
    public static ClosePolicy peerFirst(PeerCloseHook hook) {
        return new Builder().strategy(Strategy.PEER_FIRST).hook(Objects.requireNonNull(hook, "hook")).build();
    }

    /** @return {@link Strategy#ABORT_WHEN_IDLE} */
    public static ClosePolicy abortWhenIdle() {
        return ABORT_WHEN_IDLE;
    }

    /** @return a builder holding the defaults */
    public static Builder custom() {
        return new Builder();
    }

    /**
     * @param base the policy to start from
     * @return a builder holding a copy of {@code base}
     */
    public static Builder from(ClosePolicy base) {
        return new Builder(Objects.requireNonNull(base, "base"));
    }

    /** @return the strategy */
    public Strategy strategy() {
        return strategy;
    }

    /** @return the hook that asks the peer to close; present exactly when the strategy is PEER_FIRST */
    public Optional<PeerCloseHook> hook() {
        return Optional.ofNullable(hook);
    }

    /** @return PEER_FIRST: how long to wait for the peer's FIN after the close request */
    public Duration peerCloseTimeout() {
        return peerCloseTimeout;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClosePolicy p && strategy == p.strategy && java.util.Objects.equals(hook, p.hook)
                && peerCloseTimeout.equals(p.peerCloseTimeout);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(strategy, hook, peerCloseTimeout);
    }

    @Override
    public String toString() {
        return "ClosePolicy{" + strategy + (hook == null ? "" : ", hook=" + hook.name()
                + ", peerCloseTimeout=" + peerCloseTimeout.toMillis() + " ms") + '}';
    }

    /** Builds {@link ClosePolicy}; each setter validates its argument, {@link #build()} the whole. Not thread-safe. */
    public static final class Builder {
        private Strategy strategy = Strategy.GRACEFUL;
        private PeerCloseHook hook;
        private Duration peerCloseTimeout = DEFAULT_PEER_CLOSE_TIMEOUT;

        private Builder() {
        }

        private Builder(ClosePolicy p) {
            strategy = p.strategy;
            hook = p.hook;
            peerCloseTimeout = p.peerCloseTimeout;
        }

        /**
         * @param value the strategy; default {@link Strategy#GRACEFUL}
         * @return this
         */
        public Builder strategy(Strategy value) {
            strategy = Objects.requireNonNull(value, "strategy");
            return this;
        }

        /**
         * @param value the protocol hook that asks the peer to close, or null for none (the
         *     default); required by PEER_FIRST, and only allowed with it
         * @return this
         */
        public Builder hook(PeerCloseHook value) {
            hook = value;
            return this;
        }

        /**
         * @param value greater than 0, at most 10 s; default 200 ms
         * @return this
         */
        public Builder peerCloseTimeout(Duration value) {
            Checks.positive("peerCloseTimeout", value);
            if (value.compareTo(MAX_PEER_CLOSE_TIMEOUT) > 0) {
                throw new IllegalArgumentException("peerCloseTimeout must be at most " + MAX_PEER_CLOSE_TIMEOUT.toSeconds()
                        + " s (a peer that has not closed by then will not): " + value);
            }
            peerCloseTimeout = value;
            return this;
        }

        /**
         * @return the policy
         * @throws IllegalStateException if the strategy is PEER_FIRST without a hook, or another
         *     strategy with one
         */
        public ClosePolicy build() {
            if (strategy == Strategy.PEER_FIRST && hook == null) {
                throw new IllegalStateException("strategy PEER_FIRST needs a hook that asks the peer to close:"
                        + " set hook(PeerCloseHook.memcached()), hook(PeerCloseHook.redis()) or your own"
                        + " PeerCloseHook, or choose another strategy");
            }
            if (strategy != Strategy.PEER_FIRST && hook != null) {
                throw new IllegalStateException("hook " + hook.name() + " is only used by strategy PEER_FIRST, but the"
                        + " strategy is " + strategy + ": set strategy(Strategy.PEER_FIRST), or hook(null)");
            }
            return new ClosePolicy(this);
        }
    }

    /**
     * How the pool closes a connection it retires (lifetime reached, idle too long, pool closed,
     * room needed, invalidated), and so on which side its TIME_WAIT lands. The side that sends the
     * first FIN keeps the connection's four-tuple in TIME_WAIT for 60 s; on a client that talks to
     * few upstreams, that is what uses up the ephemeral-port range.
     *
     * <p>Chosen per pool and per endpoint with a {@link ClosePolicy}. Whatever the strategy, a
     * connection the peer has already closed or reset is simply closed, and every close is reported
     * to {@link PoolListener#connectionClosed} with {@link ConnectionClosed.TimeWait}, where its TIME_WAIT landed.
     */
    public enum Strategy {
        /**
         * A plain {@code close()}: this side sends the FIN, and TIME_WAIT (60 s, one local port)
         * stays on this host. Always safe; the default.
         */
        GRACEFUL,

        /**
         * Asks the peer to close first, with the protocol's own request (memcached and Redis
         * {@code quit}: {@link PeerCloseHook#memcached()}, {@link PeerCloseHook#redis()}), waits up to
         * {@link ClosePolicy#peerCloseTimeout()} for its FIN without blocking any borrower, then
         * closes: TIME_WAIT lands on the server, which has no ephemeral-port budget to exhaust (its
         * TIME_WAIT sockets share its one listening port). Only for a connection at rest (idle in the
         * pool, or just given back in step): the request is never written into a connection whose
         * protocol may be out of step. If the peer does not close in time, or the connection is not
         * at rest, it falls back to {@link #GRACEFUL}; each fallback is counted
         * ({@link CloseStats#peerCloseFallbacks()}) and told to
         * listeners ({@link ConnectionClosed#fallback()}).
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
}
