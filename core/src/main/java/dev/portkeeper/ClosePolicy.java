package dev.portkeeper;

import dev.portkeeper.net.PeerCloseHook;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How the pool closes the connections it retires: the {@link CloseStrategy}, and for
 * {@link CloseStrategy#PEER_FIRST} the protocol hook that asks the peer to close and how long to
 * wait for its FIN. Set one for the whole pool with
 * {@link ConnectionPool.Builder#closePolicy(ClosePolicy)} and override it per endpoint with
 * {@link ConnectionPool.Builder#closePolicy(Endpoint, ClosePolicy)}.
 *
 * <pre>{@code
 * ConnectionPool pool = ConnectionPool.builder()
 *         .closePolicy(Endpoint.of("cache.internal", 11211), ClosePolicy.peerFirst(PeerCloseHooks.memcached()))
 *         .closePolicy(Endpoint.of("redis.internal", 6379), ClosePolicy.peerFirst(PeerCloseHooks.redis()))
 *         .build();
 * }</pre>
 *
 * <table>
 *   <caption>Settings and their defaults</caption>
 *   <tr><th>setting</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code strategy}</td><td>{@link CloseStrategy#GRACEFUL}</td><td>see {@link CloseStrategy}</td></tr>
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
    private static final ClosePolicy ABORT_WHEN_IDLE = new Builder().strategy(CloseStrategy.ABORT_WHEN_IDLE).build();

    private final CloseStrategy strategy;
    private final PeerCloseHook hook;
    private final Duration peerCloseTimeout;

    private ClosePolicy(Builder b) {
        strategy = b.strategy;
        hook = b.hook;
        peerCloseTimeout = b.peerCloseTimeout;
    }

    /** @return the default policy: {@link CloseStrategy#GRACEFUL} */
    public static ClosePolicy ofDefaults() {
        return DEFAULTS;
    }

    /** @return {@link CloseStrategy#GRACEFUL}, the default */
    public static ClosePolicy graceful() {
        return DEFAULTS;
    }

    /**
     * @param hook the protocol's close request, e.g. {@link dev.portkeeper.net.PeerCloseHooks#memcached()}
     * @return {@link CloseStrategy#PEER_FIRST} with that hook and the default timeout
     */
    public static ClosePolicy peerFirst(PeerCloseHook hook) {
        return new Builder().strategy(CloseStrategy.PEER_FIRST).hook(Objects.requireNonNull(hook, "hook")).build();
    }

    /** @return {@link CloseStrategy#ABORT_WHEN_IDLE} */
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
    public CloseStrategy strategy() {
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
    public String toString() {
        return "ClosePolicy{" + strategy + (hook == null ? "" : ", hook=" + hook.name()
                + ", peerCloseTimeout=" + peerCloseTimeout.toMillis() + " ms") + '}';
    }

    /** Builds {@link ClosePolicy}; each setter validates its argument, {@link #build()} the whole. Not thread-safe. */
    public static final class Builder {
        private CloseStrategy strategy = CloseStrategy.GRACEFUL;
        private PeerCloseHook hook;
        private Duration peerCloseTimeout = DEFAULT_PEER_CLOSE_TIMEOUT;

        private Builder() {
        }

        private Builder(ClosePolicy p) {
            strategy = p.strategy;
            hook = p.hook;
            peerCloseTimeout = p.peerCloseTimeout;
        }

        /** @param value the strategy; default {@link CloseStrategy#GRACEFUL} @return this */
        public Builder strategy(CloseStrategy value) {
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

        /** @param value greater than 0, at most 10 s; default 200 ms @return this */
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
            if (strategy == CloseStrategy.PEER_FIRST && hook == null) {
                throw new IllegalStateException("strategy PEER_FIRST needs a hook that asks the peer to close:"
                        + " set hook(PeerCloseHooks.memcached()), hook(PeerCloseHooks.redis()) or your own"
                        + " PeerCloseHook, or choose another strategy");
            }
            if (strategy != CloseStrategy.PEER_FIRST && hook != null) {
                throw new IllegalStateException("hook " + hook.name() + " is only used by strategy PEER_FIRST, but the"
                        + " strategy is " + strategy + ": set strategy(CloseStrategy.PEER_FIRST), or hook(null)");
            }
            return new ClosePolicy(this);
        }
    }
}
