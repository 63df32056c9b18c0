package dev.portkeeper.internal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.ToDoubleFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pool engine: it owns the limits, the borrow loop and the idle connections.
 *
 * <p>The borrow path, in one line: the connection this thread gave back last, if it is idle;
 * else any idle connection of the endpoint; else, under the engine's lock, a new connection if
 * the limits (connects in progress included) and the churn guard allow it, or room made by
 * closing an idle connection of another endpoint; else wait, in order of arrival, for a
 * connection handed over by the borrower that gives one back, or for room. Every connection
 * lent passes the check on borrow, which never consumes data. Connects run outside the lock, in
 * parallel up to the endpoint's limit, bounded by the borrower's own deadline.
 *
 * <p>Holding a connection is a compare-and-set on its state (idle, in use, reserved, closed), so
 * the fast path takes no lock. The lock guards the counts and the queue of waiters; closing,
 * connecting and checking happen outside it. Thread-safe.
 *
 * @param <K> the key type (the face's endpoint)
 */
public final class Engine<K> implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Engine.class);
    /** Beyond the longest peerCloseTimeout, for the close thread to notice the deadline and report. */
    private static final long PEER_CLOSE_GRACE_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** Deadlines beyond this are treated as no deadline, so that arithmetic cannot overflow. */
    private static final long MAX_TIMEOUT_NANOS = TimeUnit.DAYS.toNanos(365L * 100);

    private final EngineConfig cfg;
    private final LongSupplier ticker;
    private final Opener<K> opener;
    private final Events<K> events;
    private final Failures<K> failures;
    private final Function<K, CloseRule> closeRules;
    private final long longestPeerCloseNanos;
    private final ChurnGuardGate<K> guard;
    private final Closer<K> closer;
    private final ConcurrentHashMap<K, Slot<K>> slots = new ConcurrentHashMap<>();
    private final ReentrantLock lock = new ReentrantLock();
    /** Guarded by lock: borrowers waiting, in order of arrival. */
    private final ArrayDeque<Waiter<K>> waiters = new ArrayDeque<>();
    /** Written under lock, read without: whether a giver must look for waiters. */
    private volatile int waiterCount;
    /** Guarded by lock: connections open or being opened, which count against maxTotal. */
    private int totalOpen;
    /** Guarded by lock: connects in progress. */
    private int totalPending;
    private final AtomicLong ids = new AtomicLong();
    private final ThreadLocal<Conn<K>> lastGivenBack = new ThreadLocal<>();
    private final ScheduledExecutorService housekeeper;
    private volatile boolean closed;

    /** One endpoint's connections and counts. */
    static final class Slot<K> {
        final K key;
        final CopyOnWriteArrayList<Conn<K>> conns = new CopyOnWriteArrayList<>();
        /** Guarded by the engine's lock: open and being opened. */
        int open;
        /** Guarded by the engine's lock. */
        int pending;
        /** Guarded by the engine's lock. */
        int waiting;
        /** Guarded by the engine's lock: it left the map; find the current one. */
        boolean removed;
        /** Whether it was ever borrowed from: min idle is kept only for endpoints in use. */
        volatile boolean used;

        Slot(K key) {
            this.key = key;
        }

        /** Claims an idle connection, without a lock. */
        Conn<K> claimIdle() {
            for (Conn<K> c : conns) {
                if (c.state.get() == Conn.IDLE && c.claim(Conn.IDLE, Conn.IN_USE)) {
                    return c;
                }
            }
            return null;
        }

        /** Connections whose socket is being closed: they still count against the limits. */
        int closingCount() {
            return count(Conn.CLOSED, Conn.CLOSED);
        }

        /** Connections at rest: idle, or reserved while the engine checks them (they are idle to a user). */
        int idleCount() {
            return count(Conn.IDLE, Conn.RESERVED);
        }

        private int count(int state, int orState) {
            int n = 0;
            for (Conn<K> c : conns) {
                int st = c.state.get();
                if (st == state || st == orState) {
                    n++;
                }
            }
            return n;
        }
    }

    /** A borrower waiting. Its fields are guarded by the engine's lock. */
    private static final class Waiter<K> {
        final Slot<K> slot;
        final Condition wakeUp;
        /** A connection handed over to it, held IN_USE for it. */
        Conn<K> handed;
        /** Room reserved for it to open a connection. */
        boolean mayOpen;
        /** With mayOpen: an idle connection of another endpoint it must close, and see closed, first. */
        Conn<K> toClose;
        boolean poolClosed;
        /** The churn guard's hint: when a token comes, in nanoseconds from now; 0 for none. */
        long guardWait;

        Waiter(Slot<K> slot, Condition wakeUp) {
            this.slot = slot;
            this.wakeUp = wakeUp;
        }

        boolean granted() {
            return handed != null || mayOpen;
        }
    }

    /**
     * @param cfg the settings
     * @param ticker the clock of decisions (lifetime, idleness, leaks); waits use the real clock
     * @param opener opens connections
     * @param events hears what happens
     * @param failures makes the exceptions the caller sees
     * @param closeRules the close rule of each key
     * @param longestPeerCloseNanos the longest PEER_FIRST wait among the rules, for close()
     * @param budgetSignal the churn guard's signal, or null for no guard
     */
    public Engine(EngineConfig cfg, LongSupplier ticker, Opener<K> opener, Events<K> events, Failures<K> failures,
            Function<K, CloseRule> closeRules, long longestPeerCloseNanos, ToDoubleFunction<K> budgetSignal) {
        this.cfg = cfg;
        this.ticker = ticker;
        this.opener = opener;
        this.events = events;
        this.failures = failures;
        this.closeRules = closeRules;
        this.longestPeerCloseNanos = longestPeerCloseNanos;
        this.guard = new ChurnGuardGate<>(cfg.name(), budgetSignal, cfg.guardMode(), ticker);
        this.closer = new Closer<>(cfg.name(), events, this::closedAndUncounted);
        this.housekeeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "portkeeper-" + cfg.name() + "-housekeeper");
            t.setDaemon(true);
            return t;
        });
        long evictMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(cfg.evictionIntervalNanos()));
        housekeeper.scheduleWithFixedDelay(this::evictNow, evictMillis, evictMillis, TimeUnit.MILLISECONDS);
        if (cfg.leakThresholdNanos() > 0) {
            long period = Math.min(Math.max(TimeUnit.NANOSECONDS.toMillis(cfg.leakThresholdNanos()) / 2, 10), 1000);
            housekeeper.scheduleWithFixedDelay(this::checkLeaksNow, period, period, TimeUnit.MILLISECONDS);
        }
        long shortestIo = Math.min(cfg.readTimeoutMillis() > 0 ? cfg.readTimeoutMillis() : Long.MAX_VALUE,
                cfg.writeTimeoutNanos() > 0 ? TimeUnit.NANOSECONDS.toMillis(cfg.writeTimeoutNanos()) : Long.MAX_VALUE);
        if (shortestIo != Long.MAX_VALUE) {
            watchIo(shortestIo);
        }
    }

    /** The I/O watchdog's period now, in milliseconds; Long.MAX_VALUE while it does not run. Guarded by ioWatchLock. */
    private volatile long ioWatchPeriodMillis = Long.MAX_VALUE;
    private final Object ioWatchLock = new Object();
    private java.util.concurrent.ScheduledFuture<?> ioWatch;

    /**
     * Makes the I/O watchdog end blocked calls within a quarter of {@code timeoutMillis} of their
     * timeout (every 10 ms at the most often, every second at the least). Timeouts are the
     * watchdog's, not SO_TIMEOUT's: a timed read on a socket channel costs four fcntl calls and a
     * poll, a plain blocking read none of them. The period only ever shortens.
     */
    void watchIo(long timeoutMillis) {
        long period = Math.min(Math.max(timeoutMillis / 4, 10), 1000);
        if (period >= ioWatchPeriodMillis) {
            return;
        }
        synchronized (ioWatchLock) {
            if (period >= ioWatchPeriodMillis || closed) {
                return;
            }
            java.util.concurrent.ScheduledFuture<?> before = ioWatch;
            try {
                ioWatch = housekeeper.scheduleWithFixedDelay(this::checkIoNow, period, period, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                return; // closed meanwhile
            }
            ioWatchPeriodMillis = period;
            if (before != null) {
                before.cancel(false);
            }
        }
    }

    /** @return the pool's name */
    public String name() {
        return cfg.name();
    }

    /** @return the engine clock's reading */
    public long now() {
        return ticker.getAsLong();
    }

    long writeTimeoutMillis() {
        return TimeUnit.NANOSECONDS.toMillis(cfg.writeTimeoutNanos());
    }

    long readTimeoutMillis() {
        return cfg.readTimeoutMillis();
    }

    // ---------------------------------------------------------------- borrow

    /**
     * Lends a connection to the key: the one this thread gave back last, an idle one, a new one,
     * or the first one handed over within the timeout. Each passes the check on borrow.
     *
     * @param key where to
     * @param timeoutNanos how long to wait, connects included; 0 does not wait
     * @return the lease
     * @throws IOException the face's exception: timeout, too many waiters, closed, connect failure
     */
    public Lease<K> borrow(K key, long timeoutNanos) throws IOException {
        long start = System.nanoTime();
        try {
            if (closed) {
                throw failures.poolClosed(key);
            }
            long deadline = start + Math.min(Math.max(0, timeoutNanos), MAX_TIMEOUT_NANOS);
            Conn<K> c = lastGivenBack.get();
            if (c != null && (c.key() == key || c.key().equals(key)) && c.claim(Conn.IDLE, Conn.IN_USE)) {
                Lease<K> lease = checked(c, start);
                if (lease != null) {
                    return lease;
                }
            }
            Slot<K> slot = slots.computeIfAbsent(key, Slot::new);
            while ((c = slot.claimIdle()) != null) {
                Lease<K> lease = checked(c, start);
                if (lease != null) {
                    return lease;
                }
            }
            return slowBorrow(key, slot, start, deadline);
        } catch (IOException e) {
            if (events.wantsLeaseEvents()) {
                events.borrowFailed(key, System.nanoTime() - start, e);
            }
            throw e;
        }
    }

    private Lease<K> slowBorrow(K key, Slot<K> slot, long start, long deadline) throws IOException {
        while (true) {
            Waiter<K> w;
            lock.lock();
            try {
                w = awaitGrant(key, slot, start, deadline);
            } finally {
                lock.unlock();
            }
            slot = w.slot;
            if (w.handed != null) {
                Lease<K> lease = checked(w.handed, start);
                if (lease != null) {
                    return lease;
                }
                continue; // it failed the check and was closed; go round again
            }
            if (w.toClose != null) {
                Conn<K> victim = w.toClose;
                closer.close(victim, Cause.CAPACITY, null, true);
                if (!awaitClosed(victim, deadline)) {
                    lock.lock();
                    try {
                        unreserve(slot);
                        dispatch();
                        if (Thread.currentThread().isInterrupted()) {
                            throw new InterruptedIOException("Interrupted while waiting for a connection to " + key
                                    + " in pool " + cfg.name() + " (an idle connection was closing to make room)");
                        }
                        throw failures.acquireTimeout(key, deadline - start, counts(slot), counts(), null);
                    } finally {
                        lock.unlock();
                    }
                }
            }
            return openNew(slot, start, deadline);
        }
    }

    /** Under lock: returns a granted waiter (a connection handed over, or room to open one), or throws. */
    private Waiter<K> awaitGrant(K key, Slot<K> slot, long start, long deadline) throws IOException {
        if (slot.removed) {
            slot = slots.computeIfAbsent(key, Slot::new);
        }
        slot.used = true;
        Waiter<K> w = new Waiter<>(slot, null);
        if (closed) {
            throw failures.poolClosed(key);
        }
        if (satisfy(w)) {
            return w;
        }
        if (waiterCount >= cfg.maxWaiters()) {
            throw failures.tooManyWaiters(key, cfg.maxWaiters(), counts(slot), counts());
        }
        w = new Waiter<>(slot, lock.newCondition());
        waiters.addLast(w);
        waiterCount = waiters.size();
        slot.waiting++;
        try {
            // Registered: a giver that set its connection idle before seeing us is found by this look.
            if (satisfy(w)) {
                return w;
            }
            while (true) {
                if (w.granted()) {
                    return w;
                }
                if (w.poolClosed || closed) {
                    throw failures.poolClosed(key);
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    leave(w);
                    throw failures.acquireTimeout(key, deadline - start, counts(slot), counts(), null);
                }
                long wait = w.guardWait > 0 ? Math.min(left, w.guardWait) : left;
                w.guardWait = 0;
                try {
                    w.wakeUp.awaitNanos(wait);
                } catch (InterruptedException e) {
                    // Out of the queue first: giving back dispatches, and a dispatch that still saw
                    // this waiter would hand it a connection no one would ever use.
                    leave(w);
                    giveBackGrant(w);
                    Thread.currentThread().interrupt();
                    InterruptedIOException ie = new InterruptedIOException("Interrupted while waiting for a connection to "
                            + key + " in pool " + cfg.name());
                    ie.initCause(e);
                    throw ie;
                }
                if (!w.granted() && !w.poolClosed && satisfy(w)) {
                    return w;
                }
            }
        } finally {
            leave(w);
        }
    }

    /** Under lock: the waiter leaves the queue, if it is still in it. */
    private void leave(Waiter<K> w) {
        if (waiters.remove(w)) {
            waiterCount = waiters.size();
            w.slot.waiting--;
        }
    }

    /** Waits, at most until the deadline, for a connection closed to make room to be closed (PEER_FIRST takes a while). */
    private boolean awaitClosed(Conn<K> victim, long deadline) {
        try {
            return victim.closedSignal().await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Under lock: an interrupted waiter, out of the queue, gives back what it was granted. */
    private void giveBackGrant(Waiter<K> w) {
        if (w.handed != null) {
            w.handed.state.set(Conn.IDLE);
            w.handed = null;
        }
        if (w.mayOpen) {
            w.mayOpen = false;
            unreserve(w.slot);
            if (w.toClose != null) {
                Conn<K> victim = w.toClose;
                w.toClose = null;
                victim.state.set(Conn.IDLE); // it was only claimed: it goes back to rest
            }
        }
        dispatch();
    }

    /**
     * Under lock: gives the waiter an idle connection of its endpoint, or room for a new one (by
     * closing an idle connection of another endpoint if the total is reached), as the limits and
     * the churn guard allow.
     *
     * @return whether it was granted something
     */
    private boolean satisfy(Waiter<K> w) {
        Slot<K> s = w.slot;
        Conn<K> c = s.claimIdle();
        if (c != null) {
            w.handed = c;
            return true;
        }
        if (s.open >= cfg.maxPerKey()) {
            return false;
        }
        Conn<K> victim = null;
        if (totalOpen >= cfg.maxTotal()) {
            victim = claimVictim(s);
            if (victim == null) {
                return false;
            }
        }
        long wait = guard.enabled() ? guard.trySpend(s.key, "open a connection") : 0;
        if (wait > 0) {
            if (victim != null) {
                victim.state.set(Conn.IDLE);
            }
            w.guardWait = wait;
            return false;
        }
        if (victim != null) {
            // The victim counts until its socket is closed: the new one opens only after that.
            victim.state.set(Conn.CLOSED);
            w.toClose = victim;
        }
        reserve(s);
        w.mayOpen = true;
        return true;
    }

    /**
     * Under lock: the idle connection of another endpoint idle the longest, claimed, if the churn
     * guard lets its endpoint spend a port on closing it. Never one of the asking endpoint's own.
     */
    private Conn<K> claimVictim(Slot<K> asking) {
        Conn<K> best = null;
        for (Slot<K> s : slots.values()) {
            if (s == asking) {
                continue;
            }
            for (Conn<K> c : s.conns) {
                if (c.state.get() == Conn.IDLE && (best == null || c.lastReturnedAt() - best.lastReturnedAt() < 0)) {
                    best = c;
                }
            }
        }
        if (best == null || !best.claim(Conn.IDLE, Conn.RESERVED)) {
            return null;
        }
        if (!guard.tryRetire(best.key(), "close an idle connection to make room for " + asking.key)) {
            best.state.set(Conn.IDLE);
            return null;
        }
        return best;
    }

    /** Under lock: hands connections and room to the waiters that can use them, in order of arrival. */
    private void dispatch() {
        if (waiters.isEmpty()) {
            return;
        }
        for (Iterator<Waiter<K>> it = waiters.iterator(); it.hasNext(); ) {
            Waiter<K> w = it.next();
            if (w.granted() || satisfy(w)) {
                it.remove();
                w.slot.waiting--;
                w.wakeUp.signal();
            }
        }
        waiterCount = waiters.size();
    }

    private void reserve(Slot<K> s) {
        s.open++;
        s.pending++;
        totalOpen++;
        totalPending++;
    }

    /** Under lock: a reserved open that did not happen. */
    private void unreserve(Slot<K> s) {
        s.open--;
        s.pending--;
        totalOpen--;
        totalPending--;
    }

    /** Under lock: a connection leaves the counts (it is being closed). */
    private void uncount(Conn<K> c) {
        Slot<K> s = slots.get(c.key());
        if (s != null && s.conns.remove(c)) {
            s.open--;
            totalOpen--;
        }
    }

    private Lease<K> openNew(Slot<K> slot, long start, long deadline) throws IOException {
        K key = slot.key;
        long left = deadline - System.nanoTime();
        long leftMillis = TimeUnit.NANOSECONDS.toMillis(left);
        boolean cutByDeadline = leftMillis < cfg.connectTimeoutMillis();
        if (left <= 0 || (cutByDeadline && leftMillis < 1)) {
            lock.lock();
            try {
                unreserve(slot);
                dispatch();
                throw failures.acquireTimeout(key, deadline - start, counts(slot), counts(), null);
            } finally {
                lock.unlock();
            }
        }
        int timeout = (int) Math.min(cfg.connectTimeoutMillis(), Math.max(1, leftMillis));
        SocketChannel channel;
        Conn<K> c;
        long connectStart = System.nanoTime();
        try {
            channel = opener.open(key, timeout);
        } catch (IOException | RuntimeException | Error e) {
            lock.lock();
            try {
                unreserve(slot);
                dispatch();
            } finally {
                lock.unlock();
            }
            if (e instanceof IOException io) {
                events.connectFailed(key, io);
                if (cutByDeadline && (System.nanoTime() - deadline >= 0 || timedOut(io))) {
                    throw failures.acquireTimeout(key, deadline - start, counts(slot), counts(), io);
                }
            }
            throw e;
        }
        try {
            c = new Conn<>(ids.incrementAndGet(), key, channel, ticker.getAsLong(), System.nanoTime() - connectStart,
                    drawLifetime(), cfg.boundLocally(), closeRules.apply(key));
        } catch (IOException | RuntimeException e) {
            SocketClosing.closeQuietly(channel);
            lock.lock();
            try {
                unreserve(slot);
                dispatch();
            } finally {
                lock.unlock();
            }
            throw e;
        }
        boolean poolClosed;
        lock.lock();
        try {
            slot.pending--;
            totalPending--;
            slot.conns.add(c);
            poolClosed = closed;
        } finally {
            lock.unlock();
        }
        LOG.debug("Pool {}: opened {}", cfg.name(), c);
        events.opened(c);
        if (poolClosed) {
            retire(c, Cause.POOL_CLOSED, null, true);
            throw failures.poolClosed(key);
        }
        return lend(c, start);
    }

    /** @return whether the connect ran out of time (the JDK's type, never its message) */
    private static boolean timedOut(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof java.net.SocketTimeoutException) {
                return true;
            }
        }
        return false;
    }

    /** Spreads expiries over [max × (1 − jitter), max] so that a burst of opens does not expire as a burst. */
    private long drawLifetime() {
        long max = cfg.maxLifetimeNanos();
        if (max <= 0) {
            return 0;
        }
        long spread = (long) (max * cfg.lifetimeJitter());
        return spread <= 0 ? max : max - ThreadLocalRandom.current().nextLong(spread + 1);
    }

    /**
     * The check on borrow, for a connection the caller holds IN_USE: lent if healthy, else closed.
     * A connection never lent may carry a server's greeting: bytes on it are the borrower's.
     *
     * @return the lease, or null if the connection was closed instead
     */
    private Lease<K> checked(Conn<K> c, long start) throws IOException {
        boolean lentBefore = c.useCount() > 0;
        if (lentBefore && retireDecision(c, ticker.getAsLong())) {
            retire(c, Cause.EXPIRED, null, true);
            return null;
        }
        Probe probe = c.probe();
        if (probe == Probe.HEALTHY && lentBefore && c.heldBytes() > 0) {
            probe = Probe.STRAY_BYTES;
        }
        switch (probe) {
            case HEALTHY:
                return lend(c, start);
            case STRAY_BYTES:
                if (!lentBefore) {
                    return lend(c, start);
                }
                retire(c, Cause.STRAY_BYTES, null, true);
                return null;
            case PEER_CLOSED:
                retire(c, Cause.PEER_CLOSED, Side.PEER, true);
                return null;
            default:
                retire(c, Cause.BROKEN, Side.NONE, true);
                return null;
        }
    }

    private Lease<K> lend(Conn<K> c, long start) throws IOException {
        c.lent();
        Throwable site = cfg.leakThresholdNanos() > 0
                ? new Throwable("Connection to " + c.key() + " borrowed by thread '" + Thread.currentThread().getName() + "'")
                : null;
        Lease<K> lease = new Lease<>(this, c, ticker.getAsLong(), site);
        c.lease = lease;
        if (closed && lease.abort("closed with the pool")) {
            retire(c, Cause.POOL_CLOSED, null, true);
            throw failures.poolClosed(c.key());
        }
        if (events.wantsLeaseEvents()) {
            events.borrowed(c, System.nanoTime() - start);
        }
        return lease;
    }

    // ---------------------------------------------------------------- give back and retire

    /**
     * The single decision to retire a connection past its lifetime: once the churn guard has paid
     * for it, the connection stays decided (its last use may already have told the peer).
     */
    private boolean retireDecision(Conn<K> c, long now) {
        if (c.retiring) {
            return true;
        }
        if (c.expired(now) && guard.tryRetire(c.key(), "retire an expired connection")) {
            c.retiring = true;
        }
        return c.retiring;
    }

    boolean wouldRetire(Conn<K> c) {
        return retireDecision(c, ticker.getAsLong());
    }

    /** Ends a lease: back into the pool if healthy and young enough, else closed. Never throws. */
    void release(Lease<K> lease, Cause requested, boolean abortNow) {
        Conn<K> c = lease.conn();
        c.lease = null;
        if (lease.leakReported) {
            LOG.info("Pool {}: {}, reported as a possible leak, was given back after {} ms", cfg.name(), c,
                    TimeUnit.NANOSECONDS.toMillis(ticker.getAsLong() - lease.borrowedAt()));
        }
        if (abortNow) {
            abort(c, requested);
            return;
        }
        if (requested == Cause.RETIRED) {
            c.state.set(Conn.CLOSED);
            closer.closeAfterPeer(c);
            return;
        }
        Cause cause = requested != null ? requested : lease.brokenBy();
        boolean atRest = cause == null;
        Side known = cause == Cause.PEER_CLOSED ? Side.PEER : lease.readTimedOut() ? Side.LOCAL : null;
        if (cause == null && closed) {
            cause = Cause.POOL_CLOSED;
        }
        if (cause == null && retireDecision(c, ticker.getAsLong())) {
            cause = Cause.EXPIRED;
        }
        if (cause != null) {
            retire(c, cause, known, atRest);
            return;
        }
        if (lease.readTimeoutChanged) {
            try {
                c.channel().socket().setSoTimeout(0); // the lease's own timeout ends with it
            } catch (java.net.SocketException e) {
                retire(c, Cause.BROKEN, null, true);
                return;
            }
        }
        c.returnedAt(ticker.getAsLong());
        if (events.wantsLeaseEvents()) {
            events.returned(c, ticker.getAsLong() - lease.borrowedAt());
        }
        makeIdle(c);
        if (lastGivenBack.get() != c) {
            lastGivenBack.set(c);
        }
    }

    /** The holder lets the connection rest; a waiter, if any, gets it (or another) handed over. */
    private void makeIdle(Conn<K> c) {
        if (closed) {
            retire(c, Cause.POOL_CLOSED, null, true);
            return;
        }
        c.state.set(Conn.IDLE);
        if (closed && c.claim(Conn.IDLE, Conn.RESERVED)) {
            // close() may have passed this connection while it was held: close it here.
            retire(c, Cause.POOL_CLOSED, null, true);
            return;
        }
        // Set idle, then look: a waiter registers, then looks for idle connections; one of the two sees the other.
        if (waiterCount > 0) {
            lock.lock();
            try {
                dispatch();
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * Closes a connection the caller holds. It counts against the limits until its socket is
     * closed (for PEER_FIRST, until the peer closed or the wait ended), so the limits hold for
     * file descriptors too; then its room goes to the waiters. Never throws.
     */
    private void retire(Conn<K> c, Cause cause, Side known, boolean atRest) {
        c.lease = null;
        c.state.set(Conn.CLOSED);
        closer.close(c, cause, known, atRest);
    }

    /** Closes at once with a reset a connection whose borrower may be blocked in I/O. Never throws. */
    private void abort(Conn<K> c, Cause cause) {
        c.lease = null;
        c.state.set(Conn.CLOSED);
        closer.abort(c, cause);
    }

    /** The closer's word that a connection's socket is closed: its room goes to the waiters. */
    private void closedAndUncounted(Conn<K> c) {
        lock.lock();
        try {
            uncount(c);
            dispatch();
        } finally {
            lock.unlock();
        }
        c.closedSignal().countDown();
    }

    // ---------------------------------------------------------------- background

    /**
     * One pass of the background check now: expiry, idle timeout and the check of every idle
     * connection, then min idle topped up. For tests and for a caller that cannot wait.
     */
    public void evictNow() {
        try {
            evict();
        } catch (RuntimeException e) {
            LOG.warn("Pool {}: eviction pass failed", cfg.name(), e);
        }
    }

    private void evict() {
        long now = ticker.getAsLong();
        for (Slot<K> s : slots.values()) {
            int idle = s.idleCount();
            for (Conn<K> c : s.conns) {
                if (closed || !c.claim(Conn.IDLE, Conn.RESERVED)) {
                    continue;
                }
                Cause cause = null;
                Side known = null;
                boolean lentBefore = c.useCount() > 0;
                if (retireDecision(c, now)) {
                    cause = Cause.EXPIRED;
                } else if (cfg.idleTimeoutNanos() > 0 && now - c.lastReturnedAt() >= cfg.idleTimeoutNanos()
                        && idle > cfg.minIdlePerKey() && !guard.underPressure(s.key)) {
                    // Under port pressure the pool keeps what recent demand needed: closing an idle
                    // connection costs a port for 60 s, and reopening it another.
                    cause = Cause.IDLE;
                } else {
                    Probe probe = c.probe();
                    if (probe == Probe.HEALTHY && lentBefore && c.heldBytes() > 0) {
                        probe = Probe.STRAY_BYTES;
                    }
                    switch (probe) {
                        case PEER_CLOSED -> {
                            cause = Cause.PEER_CLOSED;
                            known = Side.PEER;
                        }
                        case STRAY_BYTES -> cause = lentBefore ? Cause.STRAY_BYTES : null;
                        case FAILED -> {
                            cause = Cause.BROKEN;
                            known = Side.NONE;
                        }
                        default -> {
                        }
                    }
                }
                if (cause != null) {
                    idle--;
                    retire(c, cause, known, true);
                } else {
                    makeIdle(c);
                }
            }
            if (cfg.minIdlePerKey() > 0 && s.used && !closed) {
                topUp(s);
            }
        }
        forgetUnusedSlots();
    }

    /** Opens connections in the background until the endpoint has min idle ones, as limits and guard allow. */
    private void topUp(Slot<K> s) {
        for (int i = 0; i < cfg.minIdlePerKey() && s.idleCount() < cfg.minIdlePerKey(); i++) {
            lock.lock();
            try {
                if (closed || s.removed || s.open >= cfg.maxPerKey() || totalOpen >= cfg.maxTotal()
                        || (guard.enabled() && guard.trySpend(s.key, "open a min-idle connection") > 0)) {
                    return;
                }
                reserve(s);
            } finally {
                lock.unlock();
            }
            SocketChannel channel;
            Conn<K> c;
            try {
                long connectStart = System.nanoTime();
                channel = opener.open(s.key, cfg.connectTimeoutMillis());
                c = new Conn<>(ids.incrementAndGet(), s.key, channel, ticker.getAsLong(), System.nanoTime() - connectStart,
                        drawLifetime(),
                        cfg.boundLocally(), closeRules.apply(s.key));
            } catch (IOException | RuntimeException e) {
                lock.lock();
                try {
                    unreserve(s);
                    dispatch();
                } finally {
                    lock.unlock();
                }
                if (e instanceof IOException io) {
                    events.connectFailed(s.key, io);
                }
                LOG.debug("Pool {}: could not open a min-idle connection to {}", cfg.name(), s.key, e);
                return;
            }
            lock.lock();
            try {
                s.pending--;
                totalPending--;
                s.conns.add(c);
            } finally {
                lock.unlock();
            }
            events.opened(c);
            makeIdle(c);
        }
    }

    /** Endpoints with nothing open, pending or waiting leave the map, so that many short-lived endpoints do not pile up. */
    private void forgetUnusedSlots() {
        lock.lock();
        try {
            for (Iterator<Slot<K>> it = slots.values().iterator(); it.hasNext(); ) {
                Slot<K> s = it.next();
                if (s.open == 0 && s.waiting == 0 && s.conns.isEmpty() && (cfg.minIdlePerKey() == 0 || !s.used)) {
                    it.remove();
                    s.removed = true;
                    guard.forget(s.key);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Reports the leases held longer than the leak threshold and not reported yet.
     *
     * @return how many were reported; 0 when leak detection is off
     */
    public int checkLeaksNow() {
        if (cfg.leakThresholdNanos() <= 0) {
            return 0;
        }
        int reported = 0;
        try {
            long now = ticker.getAsLong();
            for (Slot<K> s : slots.values()) {
                for (Conn<K> c : s.conns) {
                    Lease<K> l = c.lease;
                    if (l != null && !l.ended() && !l.leakReported && now - l.borrowedAt() >= cfg.leakThresholdNanos()) {
                        l.leakReported = true;
                        reported++;
                        long held = now - l.borrowedAt();
                        LOG.warn("Pool {}: {} has been borrowed for {} ms by thread '{}' without being given back;"
                                + " it may be a leak (a borrow without close()). It was borrowed here:", cfg.name(), c,
                                TimeUnit.NANOSECONDS.toMillis(held), l.threadName(), l.borrowSite());
                        events.leak(c, held, l.threadName(), l.borrowSite(), false);
                    }
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("Pool {}: leak check failed", cfg.name(), e);
        }
        return reported;
    }

    /**
     * The I/O watchdog: ends a read blocked longer than its read timeout, the lease's own or the
     * pool's (its input is shut down; the connection is then broken, and closed gracefully when
     * given back), and aborts a write blocked longer than the write timeout (a reset: unsent data
     * cannot be taken back). The blocked call fails with a {@code SocketTimeoutException} that says
     * which.
     */
    void checkIoNow() {
        long now = System.nanoTime();
        long readNanos = TimeUnit.MILLISECONDS.toNanos(cfg.readTimeoutMillis());
        for (Slot<K> s : slots.values()) {
            for (Conn<K> c : s.conns) {
                Lease<K> l = c.lease;
                if (l == null) {
                    continue;
                }
                if (cfg.writeTimeoutNanos() > 0 && l.writeBlockedSince(now, cfg.writeTimeoutNanos())
                        && l.abort("write timeout")) {
                    LOG.debug("Pool {}: {}: a write blocked past the write timeout; closing it with a reset", cfg.name(), c);
                    abort(c, Cause.BROKEN);
                } else if (l.readBlockedSince(now, readNanos)) {
                    LOG.debug("Pool {}: {}: a read blocked past the read timeout; ending it", cfg.name(), c);
                    l.timeOutRead();
                }
            }
        }
    }

    // ---------------------------------------------------------------- state

    /** @return the whole pool's counts */
    public Counts counts() {
        lock.lock();
        try {
            int idle = 0;
            int closing = 0;
            for (Slot<K> s : slots.values()) {
                idle += s.idleCount();
                closing += s.closingCount();
            }
            int active = Math.max(0, totalOpen - totalPending - idle - closing);
            return new Counts(active, Math.min(idle, totalOpen - totalPending), totalPending, waiters.size(),
                    cfg.maxTotal());
        } finally {
            lock.unlock();
        }
    }

    /** @param key the endpoint @return its counts */
    public Counts counts(K key) {
        Slot<K> s = slots.get(key);
        return s == null ? new Counts(0, 0, 0, 0, cfg.maxPerKey()) : counts(s);
    }

    private Counts counts(Slot<K> s) {
        lock.lock();
        try {
            int idle = Math.min(s.idleCount(), s.open - s.pending);
            int closing = s.closingCount();
            return new Counts(Math.max(0, s.open - s.pending - idle - closing), idle, s.pending, s.waiting,
                    cfg.maxPerKey());
        } finally {
            lock.unlock();
        }
    }

    /** @return closed LOCAL, PEER, NONE, peer-close fallbacks, abort fallbacks, peer closes pending */
    public long[] closeCounts() {
        return closer.stats();
    }

    /** @return whether close() was called */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Closes the pool: waiters fail with the face's closed exception, idle connections are closed
     * with their policy, borrowed ones are closed at once with a reset and reported with their
     * borrow site (their borrowers' next use fails), peer-first closes are waited for (bounded),
     * and the background thread stops. Idempotent.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            for (Waiter<K> w : waiters) {
                w.poolClosed = true;
                w.wakeUp.signal();
            }
        } finally {
            lock.unlock();
        }
        housekeeper.shutdownNow();
        long now = ticker.getAsLong();
        int borrowed = 0;
        for (Slot<K> s : slots.values()) {
            for (Conn<K> c : s.conns) {
                if (c.claim(Conn.IDLE, Conn.RESERVED)) {
                    retire(c, Cause.POOL_CLOSED, null, true);
                    continue;
                }
                Lease<K> l = c.lease;
                if (l == null && c.state.get() == Conn.IN_USE) {
                    // Held without a lease: handed to a waiter, or in a borrower's check. Close its socket
                    // under it; the holder finds it broken and retires it (and so uncounts it) itself.
                    SocketClosing.abort(c.channel());
                    continue;
                }
                if (l != null && l.abort("closed with the pool")) {
                    borrowed++;
                    long held = now - l.borrowedAt();
                    LOG.warn("Pool {}: {} was still borrowed by thread '{}' ({} ms) when the pool was closed; it is closed"
                            + " now with a reset, and its borrower's next use fails.{}", cfg.name(), c, l.threadName(),
                            TimeUnit.NANOSECONDS.toMillis(held), l.borrowSite() == null
                                    ? " Set leakDetectionThreshold to log where it was borrowed." : " It was borrowed here:",
                            l.borrowSite());
                    events.leak(c, held, l.threadName(), l.borrowSite(), true);
                    abort(c, Cause.POOL_CLOSED);
                }
            }
        }
        Duration wait = Duration.ofNanos(longestPeerCloseNanos + PEER_CLOSE_GRACE_NANOS);
        if (!closer.awaitPeerCloses(wait)) {
            LOG.warn("Pool {}: {} peer-first closes still waiting for their peer {} ms after the pool was closed;"
                    + " they end on their own", cfg.name(), closer.stats()[5], wait.toMillis());
        }
        LOG.debug("Pool {}: closed ({} borrowed connections closed with it)", cfg.name(), borrowed);
    }

    /** Runs a call into foreign code, whose failure must not stop ours. */
    static void quietly(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            LOG.warn("A detach callback failed; ignored", e);
        }
    }
}
