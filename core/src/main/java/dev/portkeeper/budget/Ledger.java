package dev.portkeeper.budget;

import dev.portkeeper.ConnectionInfo;
import dev.portkeeper.Endpoint;
import dev.portkeeper.PortExhaustedException;
import dev.portkeeper.Ticker;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The pools' own account of opens and closes per destination: who closed first (so where each
 * TIME_WAIT landed), and when, by the second, over the last minute. It gives the close rate and
 * the TIME_WAIT this process holds without reading the kernel.
 *
 * <p>It is fed through three methods, {@link #opened}, {@link #closed} and {@link #failed}, which
 * the monitor calls from the pool's callbacks. Its memory is bounded by activity: a destination
 * with nothing open and nothing done for {@link #RETENTION} is dropped by {@link #prune}, its
 * counts added to {@link #retired()}. Thread-safe; its methods run on pool threads, at connect
 * and close only, never on the borrow path.
 */
final class Ledger {
    /** How long a destination with nothing open stays after its last open or close (two TIME_WAIT lengths). */
    static final Duration RETENTION = Duration.ofSeconds(2L * PortBudgetMonitor.TIME_WAIT_SECONDS);
    private static final int SECONDS = PortBudgetMonitor.TIME_WAIT_SECONDS;

    /** Where a closed connection's TIME_WAIT landed. */
    enum TimeWaitSide {
        /** This side closed first: TIME_WAIT here. */
        LOCAL,
        /** The peer closed first. */
        PEER,
        /** A reset: no TIME_WAIT. */
        NONE
    }

    private final Ticker ticker;
    private final Map<Destination, Entry> entries = new ConcurrentHashMap<>();
    private final Map<String, Failures> exhaustionByRemote = new ConcurrentHashMap<>();
    private final Map<Endpoint, Destination> destinationOfEndpoint = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicInteger boundTotal = new java.util.concurrent.atomic.AtomicInteger();
    private volatile LedgerCounts retired = LedgerCounts.NONE;
    private volatile long retiredDestinations;

    Ledger(Ticker ticker) {
        this.ticker = ticker;
    }

    /** Port-exhaustion failures toward one remote end, and when the last was seen. */
    private static final class Failures {
        long count;
        long lastNanos;
    }

    /** One destination's counts; the per-second ring covers the TIME_WAIT length. */
    static final class Entry {
        private long opened;
        private long closedLocal;
        private long closedPeer;
        private long closedReset;
        private int open;
        private int boundOpen;
        private long lastActivity;
        private final long[] secondOf = new long[SECONDS + 1];
        private final int[] localCloses = new int[SECONDS + 1];

        Entry(long now) {
            lastActivity = now;
        }

        synchronized void opened(boolean bound, long now) {
            opened++;
            open++;
            if (bound) {
                boundOpen++;
            }
            lastActivity = now;
        }

        synchronized int boundOpen() {
            return boundOpen;
        }

        synchronized void closed(TimeWaitSide side, long second, boolean bound, long now) {
            open = Math.max(0, open - 1);
            if (bound) {
                boundOpen = Math.max(0, boundOpen - 1);
            }
            lastActivity = now;
            if (side == TimeWaitSide.LOCAL) {
                closedLocal++;
                int slot = (int) (second % secondOf.length);
                if (secondOf[slot] != second) {
                    secondOf[slot] = second;
                    localCloses[slot] = 0;
                }
                localCloses[slot]++;
            } else if (side == TimeWaitSide.PEER) {
                closedPeer++;
            } else {
                closedReset++;
            }
        }

        /** Local closes within the last {@code seconds} whole seconds before {@code now}, this second included. */
        synchronized int localClosesWithin(long now, int seconds) {
            int n = 0;
            for (int i = 0; i < secondOf.length; i++) {
                if (localCloses[i] > 0 && now - secondOf[i] < seconds && secondOf[i] <= now) {
                    n += localCloses[i];
                }
            }
            return n;
        }

        /** Local closes by age in whole seconds, {@code [0]} being the last complete second. */
        synchronized int[] localClosesByAge(long now) {
            int[] ages = new int[SECONDS];
            for (int i = 0; i < secondOf.length; i++) {
                long age = now - 1 - secondOf[i];
                if (localCloses[i] > 0 && age >= 0 && age < SECONDS) {
                    ages[(int) age] += localCloses[i];
                }
            }
            return ages;
        }

        synchronized boolean idleSince(long cutoff) {
            return open == 0 && boundOpen == 0 && lastActivity - cutoff < 0;
        }

        synchronized LedgerCounts counts(long now, long exhaustionFailures) {
            return new LedgerCounts(opened, closedLocal, closedPeer, closedReset, open, boundOpen,
                    localClosesWithin(now, SECONDS), exhaustionFailures);
        }
    }

    private long second() {
        return Math.floorDiv(ticker.nanos(), 1_000_000_000L);
    }

    private static Destination destination(ConnectionInfo c) {
        InetSocketAddress local = c.localAddress();
        InetSocketAddress remote = c.remoteAddress();
        if (local == null || remote == null || local.getAddress() == null || remote.getAddress() == null) {
            return null;
        }
        return Destination.of(local.getAddress(), remote.getAddress(), remote.getPort());
    }

    /** A pool opened a connection. */
    void opened(ConnectionInfo connection) {
        Destination d = destination(connection);
        if (d != null) {
            long now = ticker.nanos();
            entries.computeIfAbsent(d, k -> new Entry(now)).opened(connection.boundLocally(), now);
            if (connection.boundLocally()) {
                boundTotal.incrementAndGet();
            }
            destinationOfEndpoint.put(connection.endpoint(), d);
        }
    }

    /** A pool closed a connection; {@code side} says where its TIME_WAIT landed. */
    void closed(ConnectionInfo connection, TimeWaitSide side) {
        Destination d = destination(connection);
        if (d != null) {
            long now = ticker.nanos();
            entries.computeIfAbsent(d, k -> new Entry(now)).closed(side, second(), connection.boundLocally(), now);
            if (connection.boundLocally()) {
                boundTotal.updateAndGet(n -> Math.max(0, n - 1));
            }
        }
    }

    /** A pool's connect failed; only a failure for lack of a local port counts. */
    void failed(Endpoint endpoint, IOException failure) {
        if (PortExhaustedException.isPortExhaustion(failure)) {
            long now = ticker.nanos();
            exhaustionByRemote.compute(endpoint.toString(), (k, f) -> {
                Failures v = f == null ? new Failures() : f;
                v.count++;
                v.lastNanos = now;
                return v;
            });
        }
    }

    /** @return where the endpoint's last connection went (its name resolved, its local address chosen) */
    Destination destinationOf(Endpoint endpoint) {
        return destinationOfEndpoint.get(endpoint);
    }

    Map<Destination, Entry> entries() {
        return entries;
    }

    /** @return destinations held now */
    int size() {
        return entries.size();
    }

    /** @return the summed counts of the destinations dropped so far */
    LedgerCounts retired() {
        return retired;
    }

    /** @return how many destinations were dropped so far */
    long retiredDestinations() {
        return retiredDestinations;
    }

    /**
     * Drops the destinations with nothing open and no open or close for {@link #RETENTION}, adding
     * their counts to {@link #retired()}; likewise forgets old exhaustion failures and endpoints.
     * Called by the monitor's sampler.
     */
    synchronized void prune() {
        long now = ticker.nanos();
        long cutoff = now - RETENTION.toNanos();
        long second = second();
        for (Iterator<Map.Entry<Destination, Entry>> it = entries.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Destination, Entry> e = it.next();
            if (e.getValue().idleSince(cutoff)) {
                retired = retired.plus(e.getValue().counts(second, 0));
                retiredDestinations++;
                it.remove();
            }
        }
        destinationOfEndpoint.values().removeIf(d -> !entries.containsKey(d));
        exhaustionByRemote.values().removeIf(f -> f.lastNanos - cutoff < 0);
    }

    /** Port-exhaustion failures toward the destination's remote end, when the pool named it by address. */
    long exhaustionFailures(Destination d) {
        Failures f = exhaustionByRemote.get(d.remoteText());
        return f == null ? 0 : f.count;
    }

    LedgerCounts counts(Destination d) {
        Entry e = entries.get(d);
        long failures = exhaustionFailures(d);
        return e == null ? (failures == 0 ? LedgerCounts.NONE : new LedgerCounts(0, 0, 0, 0, 0, 0, 0, failures))
                : e.counts(second(), failures);
    }

    /** Local closes by age in whole seconds ({@code [0]}: the last complete second) over the last minute. */
    int[] localClosesByAge(Destination d) {
        Entry e = entries.get(d);
        return e == null ? new int[SECONDS] : e.localClosesByAge(second());
    }

    /**
     * Ports held by {@code bind()} before {@code connect()} for destinations other than {@code d}:
     * a bound port is taken for every destination, so each one is a port fewer for {@code d}.
     */
    int boundElsewhere(Destination d) {
        Entry e = entries.get(d);
        return Math.max(0, boundTotal.get() - (e == null ? 0 : e.boundOpen()));
    }

    /** Local closes per second over the last {@code windowSeconds} whole seconds. */
    double closeRate(Destination d, int windowSeconds) {
        Entry e = entries.get(d);
        return e == null ? 0 : e.localClosesWithin(second(), windowSeconds) / (double) windowSeconds;
    }
}
