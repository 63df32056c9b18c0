package dev.portkeeper;

import dev.portkeeper.internal.CloseMode;
import dev.portkeeper.internal.CloseRequest;
import dev.portkeeper.internal.CloseRule;
import dev.portkeeper.internal.Engine;
import dev.portkeeper.internal.EngineConfig;
import dev.portkeeper.internal.GuardMode;
import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pool of long-lived, reused TCP connections, one sub-pool per {@link Endpoint}.
 *
 * <p>Reusing a connection instead of opening one per request is what keeps a busy client from
 * filling its ephemeral-port range with TIME_WAIT sockets: each short connection that this side
 * closes holds a local port for 60 s. The pool keeps connections open within
 * {@link PoolSettings}'s limits, checks each one on borrow with a non-blocking read (microseconds),
 * closes idle ones whose peer has closed (so none lingers in CLOSE_WAIT), retires them after
 * their lifetime, and reports connections borrowed and never given back.
 *
 * <pre>{@code
 * try (ConnectionPool pool = ConnectionPool.builder()
 *         .settings(PoolSettings.custom().maxPerEndpoint(16).build())
 *         .build()) {
 *     Endpoint cache = Endpoint.of("cache.internal", 11211);
 *     try (PooledConnection c = pool.borrow(cache)) {
 *         c.output().write("version\r\n".getBytes(StandardCharsets.US_ASCII));
 *         ...
 *     }
 * }
 * }</pre>
 *
 * <p><b>What the check on borrow guarantees.</b> Before a connection is lent, a non-blocking
 * one-byte read asks the kernel about the socket: no end of stream, no error (reset, keepalive
 * timeout) and, for a connection lent before, no unread byte (the previous borrower left it in
 * step) were pending at that moment. It never consumes data: a byte it reads is kept and handed
 * to the borrower first, so a connection never lent keeps a server's greeting whole. It cannot
 * promise that the peer will not close a microsecond later: a protocol that may race with the
 * peer's idle timeout still needs to handle an end of stream on its first read.
 *
 * <p>Thread-safe. The engine owns its limits and its borrow loop (see {@code docs/architecture.md}).
 */
public final class ConnectionPool implements Closeable {
    private static final AtomicInteger POOL_NUMBER = new AtomicInteger();
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionPool.class);

    private final String name;
    private final PoolSettings settings;
    private final SocketPolicy socketPolicy;
    private final ClosePolicy closePolicy;
    private final Map<Endpoint, ClosePolicy> closePolicies;
    private final Map<Endpoint, CloseRule> closeRules = new ConcurrentHashMap<>();
    private final CloseRule defaultRule;
    private final Engine<Endpoint> engine;

    private ConnectionPool(Builder b) {
        this.name = b.name != null ? b.name : "portkeeper-" + POOL_NUMBER.incrementAndGet();
        this.settings = b.settings;
        this.socketPolicy = b.socketPolicy;
        this.closePolicy = b.closePolicy;
        this.closePolicies = Map.copyOf(b.closePolicies);
        this.defaultRule = rule(closePolicy);
        socketPolicy.localAddress().ifPresent(address -> LOG.warn("Pool {}: socketPolicy.localAddress is {}: each"
                + " connection binds it before connect(), which reserves its local port for every destination,"
                + " not only its own (Java has no IP_BIND_ADDRESS_NO_PORT), so all endpoints of this pool share"
                + " one ephemeral-port budget, TIME_WAIT included. Leave localAddress unset unless this host"
                + " must send from that address.", name, address.getHostAddress()));
        Ticker ticker = b.ticker;
        long longestPeerClose = closePolicies.values().stream().map(ClosePolicy::peerCloseTimeout)
                .reduce(closePolicy.peerCloseTimeout(), (x, y) -> x.compareTo(y) >= 0 ? x : y).toNanos();
        PortBudget budget = b.portBudget;
        this.engine = new Engine<>(config(name, settings, socketPolicy), ticker::nanos, new EndpointOpener(socketPolicy, b.connectGuard),
                new PoolEvents(name, List.copyOf(b.listeners), budget, ticker::nanos), new PoolFailures(name),
                this::closeRule, longestPeerClose, budget == null ? null : budget::sustainableOpenRate);
    }

    private static EngineConfig config(String name, PoolSettings s, SocketPolicy p) {
        return new EngineConfig(name, s.maxPerEndpoint(), s.maxTotal(), s.minIdlePerEndpoint(), s.maxWaiters(),
                (int) Math.max(1, p.connectTimeout().toMillis()), (int) p.readTimeout().toMillis(), s.maxLifetime().toNanos(), s.lifetimeJitter(),
                s.idleTimeout().toNanos(), s.evictionInterval().toNanos(), s.leakDetectionThreshold().toNanos(),
                p.writeTimeout().toNanos(), GuardMode.valueOf(s.churnGuard().name()), p.localAddress().isPresent());
    }

    private static CloseRule rule(ClosePolicy p) {
        PeerCloseHook hook = p.hook().orElse(null);
        CloseRequest request = hook == null ? null : new CloseRequest() {
            @Override
            public String name() {
                return hook.name();
            }

            @Override
            public void write(java.io.OutputStream out) throws IOException {
                hook.requestClose(out);
            }

            @Override
            public int maxReplyBytes() {
                return hook.maxReplyBytes();
            }
        };
        return new CloseRule(CloseMode.valueOf(p.strategy().name()), request, p.peerCloseTimeout().toNanos());
    }

    /** The one resolver of an endpoint's close policy: its override, or the pool's. */
    private CloseRule closeRule(Endpoint endpoint) {
        ClosePolicy p = closePolicy(endpoint);
        return p == closePolicy ? defaultRule : closeRules.computeIfAbsent(endpoint, e -> rule(p));
    }

    /** @return a builder with the default settings, socket policy and name */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Borrows a connection, waiting at most {@link PoolSettings#acquireTimeout()}, connects
     * included: the connection this thread gave back last if it is idle, another idle one, a new
     * one if the limits and the churn guard allow it, or the first one given back.
     *
     * @param endpoint where to
     * @return a connection; close it to give it back
     * @throws AcquireTimeoutException if none became available in time (or the connect to a new
     *     one did not finish in time)
     * @throws TooManyWaitersException if {@code maxWaiters} borrowers were already waiting
     * @throws ConnectFailedException if a new connection was needed and could not be opened
     * @throws PortExhaustedException if a new connection was needed and no local port was left
     * @throws PoolClosedException if the pool is closed, or closes while this borrower waits
     * @throws InterruptedIOException if the thread was interrupted while waiting (its interrupt
     *     flag is set again)
     * @throws IOException for any other I/O failure
     */
    public PooledConnection borrow(Endpoint endpoint) throws IOException {
        return borrow(endpoint, settings.acquireTimeout());
    }

    /**
     * Borrows a connection, waiting at most {@code acquireTimeout}.
     *
     * @param endpoint where to
     * @param acquireTimeout how long to wait when the limits are reached, connects included; zero
     *     does not wait
     * @return a connection; close it to give it back
     * @throws IOException as {@link #borrow(Endpoint)}
     */
    public PooledConnection borrow(Endpoint endpoint, Duration acquireTimeout) throws IOException {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(acquireTimeout, "acquireTimeout");
        if (acquireTimeout.isNegative()) {
            throw new IllegalArgumentException("acquireTimeout must not be negative: " + acquireTimeout);
        }
        long nanos = acquireTimeout.compareTo(MAX_WAIT) >= 0 ? MAX_WAIT.toNanos() : acquireTimeout.toNanos();
        return new PoolLease(engine.borrow(endpoint, nanos), engine);
    }

    private static final Duration MAX_WAIT = Duration.ofDays(365L * 100);

    /** @return the whole pool's state now */
    public PoolStats stats() {
        return PoolFailures.stats(engine.counts());
    }

    /**
     * @param endpoint the endpoint
     * @return the state of the endpoint's connections now
     */
    public PoolStats stats(Endpoint endpoint) {
        return PoolFailures.stats(engine.counts(Objects.requireNonNull(endpoint, "endpoint")));
    }

    /** @return the pool's name, as its log lines and threads show it */
    public String name() {
        return name;
    }

    /** @return the pool's settings */
    public PoolSettings settings() {
        return settings;
    }

    /** @return the socket options applied to each connection */
    public SocketPolicy socketPolicy() {
        return socketPolicy;
    }

    /** @return how retired connections are closed, for endpoints without an override */
    public ClosePolicy closePolicy() {
        return closePolicy;
    }

    /**
     * @param endpoint the endpoint
     * @return how retired connections to that endpoint are closed: its override, or the pool's policy
     */
    public ClosePolicy closePolicy(Endpoint endpoint) {
        return closePolicies.getOrDefault(Objects.requireNonNull(endpoint, "endpoint"), closePolicy);
    }

    /**
     * @return counts of the connections closed so far by where their TIME_WAIT landed, and of
     *     close strategies that fell back to GRACEFUL
     */
    public CloseStats closeStats() {
        long[] c = engine.closeCounts();
        return new CloseStats(c[0], c[1], c[2], c[3], c[4], (int) c[5]);
    }

    /** @return whether {@link #close()} has been called */
    public boolean isClosed() {
        return engine.isClosed();
    }

    /**
     * Closes the pool at once. Borrowers waiting for a connection fail with
     * {@link PoolClosedException}. Idle connections are closed with their {@link ClosePolicy}
     * (for {@link ClosePolicy.Strategy#PEER_FIRST} it waits for the peers' FINs, at most the
     * longest {@link ClosePolicy#peerCloseTimeout()} plus a second, all connections at once).
     * Connections still borrowed are closed too, at once and with a reset (no grace period: stop
     * the callers first for a clean shutdown); each is logged at WARN with its borrow site (when
     * {@code leakDetectionThreshold} is set) and told to {@link PoolListener#leakSuspected} with
     * {@link LeakReport#atPoolClose()} true; their borrowers' next use fails. Later borrows fail
     * with {@link PoolClosedException}. Idempotent.
     */
    @Override
    public void close() {
        engine.close();
    }

    Engine<Endpoint> engine() {
        return engine;
    }

    @Override
    public String toString() {
        return "ConnectionPool{" + name + ", " + stats() + (isClosed() ? ", closed" : "") + '}';
    }

    /** Builds a {@link ConnectionPool}. Not thread-safe. */
    public static final class Builder {
        private String name;
        private PoolSettings settings = PoolSettings.ofDefaults();
        private SocketPolicy socketPolicy = SocketPolicy.ofDefaults();
        private ClosePolicy closePolicy = ClosePolicy.ofDefaults();
        private final Map<Endpoint, ClosePolicy> closePolicies = new HashMap<>();
        private final List<PoolListener> listeners = new ArrayList<>();
        private Ticker ticker = Ticker.system();
        private PortBudget portBudget;
        private ConnectGuard connectGuard;

        private Builder() {
        }

        /**
         * @param value the pool's name in logs and thread names; default {@code portkeeper-N}
         * @return this
         */
        public Builder name(String value) {
            Objects.requireNonNull(value, "name");
            if (value.isBlank()) {
                throw new IllegalArgumentException("name must not be blank");
            }
            name = value;
            return this;
        }

        /**
         * @param value the limits and times; default {@link PoolSettings#ofDefaults()}
         * @return this
         */
        public Builder settings(PoolSettings value) {
            settings = Objects.requireNonNull(value, "settings");
            return this;
        }

        /**
         * @param value the socket options; default {@link SocketPolicy#ofDefaults()}
         * @return this
         */
        public Builder socketPolicy(SocketPolicy value) {
            socketPolicy = Objects.requireNonNull(value, "socketPolicy");
            return this;
        }

        /**
         * @param value how the pool closes the connections it retires (lifetime, idle timeout,
         *     pool close, invalidation, room for others); default {@link ClosePolicy#ofDefaults()}
         *     ({@link ClosePolicy.Strategy#GRACEFUL})
         * @return this
         */
        public Builder closePolicy(ClosePolicy value) {
            closePolicy = Objects.requireNonNull(value, "closePolicy");
            return this;
        }

        /**
         * Overrides the close policy for one endpoint, e.g. PEER_FIRST with the memcached hook
         * for a memcached server. A later call for the same endpoint replaces the earlier one.
         *
         * @param endpoint the endpoint, as it is given to {@link ConnectionPool#borrow(Endpoint)}
         * @param value how connections to it are closed
         * @return this
         */
        public Builder closePolicy(Endpoint endpoint, ClosePolicy value) {
            closePolicies.put(Objects.requireNonNull(endpoint, "endpoint"), Objects.requireNonNull(value, "closePolicy"));
            return this;
        }

        /**
         * @param value a listener, called after those added before it
         * @return this
         */
        public Builder listener(PoolListener value) {
            listeners.add(Objects.requireNonNull(value, "listener"));
            return this;
        }

        /**
         * @param value the time source; default {@link Ticker#system()}
         * @return this
         */
        public Builder ticker(Ticker value) {
            ticker = Objects.requireNonNull(value, "ticker");
            return this;
        }

        /**
         * Attaches the pool to a port budget, the one way to do so: the pool tells it every open,
         * close and failed connect (its ledger), and the churn guard ({@link PoolSettings#churnGuard()})
         * asks it how fast the pool may open and retire connections under pressure. Usually
         * {@code PortBudgetMonitor.shared()}, which samples on its own; a monitor that is not
         * started gives the guard nothing to act on.
         *
         * @param value the budget; default none (no guard, no ledger)
         * @return this
         */
        public Builder portBudget(PortBudget value) {
            portBudget = Objects.requireNonNull(value, "portBudget");
            return this;
        }

        /**
         * Guards every connect the pool makes, e.g. with a circuit breaker per endpoint
         * ({@code dev.portkeeper.resilience}): the guard may refuse a connect, and hears each one's
         * outcome.
         *
         * @param value the guard; default none
         * @return this
         */
        public Builder connectGuard(ConnectGuard value) {
            connectGuard = Objects.requireNonNull(value, "connectGuard");
            return this;
        }

        /** @return a new, open pool */
        public ConnectionPool build() {
            return new ConnectionPool(this);
        }
    }
}
