package dev.portkeeper;

import dev.portkeeper.pool.PoolEngine;
import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

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
 * <p>Thread-safe. Built on Apache Commons Pool 2's {@code GenericKeyedObjectPool}.
 */
public final class ConnectionPool implements Closeable {
    private static final AtomicInteger POOL_NUMBER = new AtomicInteger();

    private final PoolSettings settings;
    private final SocketPolicy socketPolicy;
    private final ClosePolicy closePolicy;
    private final PoolEngine engine;

    private ConnectionPool(Builder b) {
        this.settings = b.settings;
        this.socketPolicy = b.socketPolicy;
        String name = b.name != null ? b.name : "portkeeper-" + POOL_NUMBER.incrementAndGet();
        this.closePolicy = b.closePolicy;
        List<PoolListener> listeners = new ArrayList<>(b.listeners);
        if (b.portBudget != null) {
            listeners.add(b.portBudget.poolListener());
        }
        this.engine = new PoolEngine(name, settings, socketPolicy, closePolicy, b.closePolicies, listeners,
                b.ticker, b.portBudget);
    }

    /** @return a builder with the default settings, socket policy and name */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Borrows a connection, waiting at most {@link PoolSettings#acquireTimeout()}.
     *
     * @param endpoint where to
     * @return a connection; close it to give it back
     * @throws AcquireTimeoutException if none became available in time
     * @throws TooManyWaitersException if {@code maxWaiters} borrowers were already waiting
     * @throws ConnectFailedException if a new connection was needed and could not be opened
     * @throws PoolClosedException if the pool is closed
     * @throws InterruptedIOException if the thread was interrupted while waiting
     * @throws IOException for any other I/O failure
     */
    public PooledConnection borrow(Endpoint endpoint) throws IOException {
        return engine.borrow(endpoint, settings.acquireTimeout());
    }

    /**
     * Borrows a connection, waiting at most {@code acquireTimeout}.
     *
     * @param endpoint where to
     * @param acquireTimeout how long to wait when the limits are reached; zero does not wait
     * @return a connection; close it to give it back
     * @throws IOException as {@link #borrow(Endpoint)}
     */
    public PooledConnection borrow(Endpoint endpoint, Duration acquireTimeout) throws IOException {
        return engine.borrow(endpoint, acquireTimeout);
    }

    /** @return the whole pool's state now */
    public PoolStats stats() {
        return engine.stats();
    }

    /**
     * @param endpoint the endpoint
     * @return the state of the endpoint's connections now
     */
    public PoolStats stats(Endpoint endpoint) {
        return engine.stats(Objects.requireNonNull(endpoint, "endpoint"));
    }

    /** @return the pool's name, as its log lines and threads show it */
    public String name() {
        return engine.name();
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
        return engine.closePolicy(Objects.requireNonNull(endpoint, "endpoint"));
    }

    /**
     * @return counts of the connections closed so far by the side that closed first (so where
     *     their TIME_WAIT landed), and of close strategies that fell back to GRACEFUL
     */
    public CloseStats closeStats() {
        return engine.closeStats();
    }

    /** @return whether {@link #close()} has been called */
    public boolean isClosed() {
        return engine.isClosed();
    }

    /**
     * Closes the idle connections and stops the background work; connections still borrowed are
     * closed when they are given back. Later borrows fail with {@link PoolClosedException}.
     * With {@link CloseStrategy#PEER_FIRST} it waits for the peers' FINs, at most
     * {@link ClosePolicy#peerCloseTimeout()} (all connections at once). Idempotent.
     */
    @Override
    public void close() {
        engine.close();
    }

    PoolEngine engine() {
        return engine;
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
        private PortBudgetSignal portBudget;

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

        /** @param value the limits and times; default {@link PoolSettings#ofDefaults()} @return this */
        public Builder settings(PoolSettings value) {
            settings = Objects.requireNonNull(value, "settings");
            return this;
        }

        /** @param value the socket options; default {@link SocketPolicy#ofDefaults()} @return this */
        public Builder socketPolicy(SocketPolicy value) {
            socketPolicy = Objects.requireNonNull(value, "socketPolicy");
            return this;
        }

        /**
         * @param value how the pool closes the connections it retires (lifetime, idle timeout,
         *     pool close, invalidation, room for others); default {@link ClosePolicy#ofDefaults()}
         *     ({@link CloseStrategy#GRACEFUL})
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

        /** @param value a listener, called after those added before it @return this */
        public Builder listener(PoolListener value) {
            listeners.add(Objects.requireNonNull(value, "listener"));
            return this;
        }

        /** @param value the time source; default {@link Ticker#system()} @return this */
        public Builder ticker(Ticker value) {
            ticker = Objects.requireNonNull(value, "ticker");
            return this;
        }

        /**
         * Attaches the pool to a port budget: its opens and closes feed the budget's ledger, and
         * the churn guard ({@link PoolSettings#churnGuard()}) asks it how fast the pool may open
         * and retire connections under pressure. Usually {@code PortBudgetMonitor.shared()}, which
         * samples on its own; a monitor that is not started gives the guard nothing to act on.
         *
         * @param value the budget; default none (no guard, no ledger)
         * @return this
         */
        public Builder portBudget(PortBudgetSignal value) {
            portBudget = Objects.requireNonNull(value, "portBudget");
            return this;
        }

        /** @return a new, open pool */
        public ConnectionPool build() {
            return new ConnectionPool(this);
        }
    }
}
