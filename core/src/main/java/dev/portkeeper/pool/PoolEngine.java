package dev.portkeeper.pool;

import dev.portkeeper.AcquireTimeoutException;
import dev.portkeeper.ClosePolicy;
import dev.portkeeper.CloseReason;
import dev.portkeeper.CloseStats;
import dev.portkeeper.ClosedBy;
import dev.portkeeper.ConnectFailedException;
import dev.portkeeper.Endpoint;
import dev.portkeeper.PoolClosedException;
import dev.portkeeper.PoolListener;
import dev.portkeeper.PoolSettings;
import dev.portkeeper.PortBudgetSignal;
import dev.portkeeper.PoolStats;
import dev.portkeeper.PooledConnection;
import dev.portkeeper.PortkeeperException;
import dev.portkeeper.SocketPolicy;
import dev.portkeeper.Ticker;
import dev.portkeeper.TooManyWaitersException;
import dev.portkeeper.net.SocketClosing;
import dev.portkeeper.net.SocketConnector;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.commons.pool2.impl.GenericKeyedObjectPool;
import org.apache.commons.pool2.impl.GenericKeyedObjectPoolConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pool proper: a Commons Pool 2 {@link GenericKeyedObjectPool} keyed by endpoint, with the
 * borrow-time check, the waiter bound, leases that watch their streams, and leak detection.
 * Thread-safe.
 */
public final class PoolEngine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PoolEngine.class);
    /** Beyond the longest peerCloseTimeout, for the close thread to notice the deadline and report. */
    private static final Duration PEER_CLOSE_GRACE = Duration.ofSeconds(1);

    private final String name;
    private final PoolSettings settings;
    private final Ticker ticker;
    private final ListenerChain listeners;
    private final GenericKeyedObjectPool<Endpoint, ManagedConnection> pool;
    private final LeakDetector leaks;
    private final ScheduledExecutorService leakChecker;
    private final ClosePolicy closePolicy;
    private final Map<Endpoint, ClosePolicy> closePolicies;
    private final ConnectionCloser closer;
    private final ChurnThrottle throttle;
    private volatile boolean closing;

    /**
     * @param name the pool's name, for logs and threads
     * @param settings the limits and times
     * @param policy the socket options
     * @param listeners event listeners, in call order
     * @param ticker the time source
     */
    public PoolEngine(String name, PoolSettings settings, SocketPolicy policy, List<PoolListener> listeners,
            Ticker ticker) {
        this(name, settings, policy, ClosePolicy.ofDefaults(), Map.of(), listeners, ticker, null);
    }

    /**
     * @param name the pool's name, for logs and threads
     * @param settings the limits and times
     * @param policy the socket options
     * @param closePolicy how retired connections are closed, unless overridden for their endpoint
     * @param closePolicies the overrides per endpoint
     * @param listeners event listeners, in call order
     * @param ticker the time source
     * @param portBudget what the churn guard asks, or null for no guard
     */
    public PoolEngine(String name, PoolSettings settings, SocketPolicy policy, ClosePolicy closePolicy,
            Map<Endpoint, ClosePolicy> closePolicies, List<PoolListener> listeners, Ticker ticker,
            PortBudgetSignal portBudget) {
        this.name = Objects.requireNonNull(name, "name");
        this.closePolicy = Objects.requireNonNull(closePolicy, "closePolicy");
        this.closePolicies = Map.copyOf(closePolicies);
        this.settings = Objects.requireNonNull(settings, "settings");
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        this.listeners = new ListenerChain(name, List.copyOf(listeners));
        policy.localAddress().ifPresent(address -> LOG.warn("Pool {}: socketPolicy.localAddress is {}: each"
                + " connection binds it before connect(), which reserves its local port for every destination,"
                + " not only its own (Java has no IP_BIND_ADDRESS_NO_PORT), so all endpoints of this pool share"
                + " one ephemeral-port budget, TIME_WAIT included. Leave localAddress unset unless this host"
                + " must send from that address.", name, address.getHostAddress()));
        this.closer = new ConnectionCloser(name, ticker, this.listeners);
        this.throttle = new ChurnThrottle(name, portBudget, settings.churnGuard(), ticker);
        ConnectionFactory factory = new ConnectionFactory(name, settings, new SocketConnector(policy), ticker,
                this.listeners, () -> closing, closePolicy, this.closePolicies, closer, throttle);
        this.pool = new GenericKeyedObjectPool<>(factory, config(settings, ticker, throttle));
        if (settings.leakDetectionThreshold().isZero()) {
            this.leaks = null;
            this.leakChecker = null;
        } else {
            this.leaks = new LeakDetector(name, settings.leakDetectionThreshold(), this.listeners);
            this.leakChecker = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "portkeeper-" + name + "-leak-check");
                t.setDaemon(true);
                return t;
            });
            long period = Math.min(Math.max(settings.leakDetectionThreshold().toMillis() / 2, 10), 1000);
            leakChecker.scheduleWithFixedDelay(this::checkLeaksNow, period, period, TimeUnit.MILLISECONDS);
        }
    }

    private static GenericKeyedObjectPoolConfig<ManagedConnection> config(PoolSettings s, Ticker ticker,
            ChurnThrottle throttle) {
        GenericKeyedObjectPoolConfig<ManagedConnection> c = new GenericKeyedObjectPoolConfig<>();
        c.setMaxTotalPerKey(s.maxPerEndpoint());
        c.setMaxIdlePerKey(s.maxPerEndpoint());
        c.setMinIdlePerKey(s.minIdlePerEndpoint());
        c.setMaxTotal(s.maxTotal());
        c.setBlockWhenExhausted(true);
        c.setMaxWait(s.acquireTimeout());
        c.setLifo(true);
        c.setTestOnCreate(false);
        c.setTestOnBorrow(true);
        c.setTestOnReturn(false);
        c.setTestWhileIdle(true);
        c.setTimeBetweenEvictionRuns(s.evictionInterval());
        // Negative: test ceil(idle / 1) = every idle connection on each run.
        c.setNumTestsPerEvictionRun(-1);
        c.setEvictionPolicy(new ConnectionEvictionPolicy(ticker,
                s.idleTimeout().isZero() ? 0 : s.idleTimeout().toNanos(), s.minIdlePerEndpoint(), throttle));
        c.setJmxEnabled(false);
        return c;
    }

    /** @return the pool's name */
    public String name() {
        return name;
    }

    /**
     * Lends a connection to the endpoint: an idle one that passes the check, or a new one, or the
     * first one given back within the timeout.
     *
     * @param endpoint where to
     * @param timeout how long to wait when the limits are reached
     * @return the lease
     * @throws IOException see {@link dev.portkeeper.ConnectionPool#borrow(Endpoint, Duration)}
     */
    public PooledConnection borrow(Endpoint endpoint, Duration timeout) throws IOException {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative: " + timeout);
        }
        if (closing) {
            throw new PoolClosedException(name, endpoint);
        }
        if (wouldWait(endpoint) && pool.getNumWaiters() >= settings.maxWaiters()) {
            throw new TooManyWaitersException(endpoint, settings.maxWaiters(), stats(endpoint), stats());
        }
        ManagedConnection c;
        try {
            c = throttle.enabled() ? borrowGuarded(endpoint, timeout) : pool.borrowObject(endpoint, timeout);
        } catch (ChurnTimeout e) {
            throw new AcquireTimeoutException(endpoint, timeout, stats(endpoint), stats());
        } catch (PortkeeperException e) {
            throw e;
        } catch (NoSuchElementException e) {
            throw translate(endpoint, timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            InterruptedIOException ie = new InterruptedIOException(
                    "Interrupted while waiting for a connection to " + endpoint + " in pool " + name);
            ie.initCause(e);
            throw ie;
        } catch (IllegalStateException e) {
            if (closing || pool.isClosed()) {
                throw new PoolClosedException(name, endpoint);
            }
            throw e;
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("Pool " + name + ": unexpected failure borrowing a connection to "
                    + endpoint, e);
        }
        c.lent();
        long now = ticker.nanos();
        Throwable borrowSite = leaks == null ? null
                : new Throwable("Connection to " + endpoint + " borrowed by thread '"
                        + Thread.currentThread().getName() + "'");
        Lease lease = new Lease(this, c, now, borrowSite);
        if (leaks != null) {
            leaks.track(lease);
        }
        if (!listeners.isEmpty()) {
            listeners.borrowed(c.info(name, now));
        }
        return lease;
    }

    /**
     * A borrow under the churn guard: the factory's create may hold a new connection back, and ask
     * for another round when a connection was given back meanwhile.
     */
    private ManagedConnection borrowGuarded(Endpoint endpoint, Duration timeout) throws Exception {
        long deadline = ticker.nanos() + timeout.toNanos();
        BorrowDeadline.set(deadline == 0 ? 1 : deadline);
        try {
            while (true) {
                long left = deadline - ticker.nanos();
                try {
                    return pool.borrowObject(endpoint, Duration.ofNanos(Math.max(0, left)));
                } catch (BorrowAgain e) {
                    if (deadline - ticker.nanos() <= 0) {
                        throw ChurnTimeout.INSTANCE;
                    }
                }
            }
        } finally {
            BorrowDeadline.clear();
        }
    }

    private boolean wouldWait(Endpoint endpoint) {
        return pool.getNumIdle(endpoint) == 0
                && (pool.getNumActive(endpoint) >= settings.maxPerEndpoint() || pool.getNumActive() >= settings.maxTotal());
    }

    private IOException translate(Endpoint endpoint, Duration timeout, NoSuchElementException e) {
        String message = String.valueOf(e.getMessage());
        if (message.startsWith("Unable to validate") || message.startsWith("Unable to activate")) {
            ConnectFailedException failure = new ConnectFailedException(endpoint,
                    "the peer closed or reset it before it was used");
            failure.initCause(e);
            listeners.connectFailed(endpoint, failure);
            return failure;
        }
        return new AcquireTimeoutException(endpoint, timeout, stats(endpoint), stats());
    }

    /** Ends a lease: back into the pool if healthy and young enough, else closed. */
    void release(Lease lease, CloseReason requested) {
        ManagedConnection c = lease.connection();
        long now = ticker.nanos();
        if (leaks != null) {
            leaks.untrack(lease, now);
        }
        CloseReason discard = requested != null ? requested : lease.brokenBy();
        ClosedBy knownCloser = requested != null ? null : lease.brokenCloser();
        if (discard == null && c.expired(now) && throttle.tryRetire(c.endpoint())) {
            discard = CloseReason.EXPIRED;
        }
        try {
            if (discard != null) {
                // Given back in step only if merely expired; an invalidated or broken one may be out of step.
                c.retire(discard, knownCloser, requested == null && lease.brokenBy() == null);
                pool.invalidateObject(c.endpoint(), c);
            } else {
                c.returnedAt(now);
                if (!listeners.isEmpty()) {
                    listeners.returned(c.info(name, now));
                }
                pool.returnObject(c.endpoint(), c);
                throttle.returned(c.endpoint());
            }
        } catch (Exception e) {
            // Returning must never throw into the borrower's finally block; the socket is closed either way.
            LOG.warn("Pool {}: could not give back {}; it is closed instead", name, c, e);
            SocketClosing.closeGracefully(c.channel());
        }
    }

    long now() {
        return ticker.nanos();
    }

    /** @return the whole pool's state */
    public PoolStats stats() {
        return new PoolStats(pool.getNumActive(), pool.getNumIdle(), pool.getNumWaiters(), settings.maxTotal());
    }

    /**
     * @param endpoint the endpoint
     * @return that endpoint's state
     */
    public PoolStats stats(Endpoint endpoint) {
        return new PoolStats(pool.getNumActive(endpoint), pool.getNumIdle(endpoint),
                pool.getNumWaitersByKey().getOrDefault(endpoint.toString(), 0), settings.maxPerEndpoint());
    }

    /**
     * Runs one pass of the background task now: expiry, idle timeout and the check of every
     * idle connection. For tests and for a caller that cannot wait for the next run.
     */
    public void evictNow() {
        try {
            pool.evict();
        } catch (Exception e) {
            LOG.warn("Pool {}: eviction pass failed", name, e);
        }
    }

    /**
     * Reports the connections borrowed longer than the leak threshold and not reported yet.
     *
     * @return how many were reported; 0 when leak detection is off
     */
    public int checkLeaksNow() {
        try {
            return leaks == null ? 0 : leaks.check(ticker.nanos());
        } catch (RuntimeException e) {
            LOG.warn("Pool {}: leak check failed", name, e);
            return 0;
        }
    }

    /** @return counts of the connections closed so far, by who closed first, and of close-strategy fallbacks */
    public CloseStats closeStats() {
        return closer.stats();
    }

    /**
     * @param endpoint the endpoint
     * @return how connections to it are closed
     */
    public ClosePolicy closePolicy(Endpoint endpoint) {
        return closePolicies.getOrDefault(endpoint, closePolicy);
    }

    /** @return whether {@link #close()} was called */
    public boolean isClosed() {
        return closing;
    }

    /**
     * Closes the idle connections and stops the background work; connections still borrowed
     * are closed when they are given back. Peer-first closes are waited for, each at most its
     * {@code peerCloseTimeout}. Idempotent.
     */
    @Override
    public void close() {
        if (closing) {
            return;
        }
        closing = true;
        if (leakChecker != null) {
            leakChecker.shutdownNow();
        }
        pool.close();
        Duration wait = closePolicies.values().stream().map(ClosePolicy::peerCloseTimeout)
                .reduce(closePolicy.peerCloseTimeout(), (a, b) -> a.compareTo(b) >= 0 ? a : b)
                .plus(PEER_CLOSE_GRACE);
        if (!closer.awaitPeerCloses(wait)) {
            LOG.warn("Pool {}: {} peer-first closes still waiting for their peer {} ms after the pool was closed;"
                    + " they end on their own", name, closer.stats().peerClosesPending(), wait.toMillis());
        }
        LOG.debug("Pool {}: closed", name);
    }
}
