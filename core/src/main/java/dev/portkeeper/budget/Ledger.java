package dev.portkeeper.budget;

import dev.portkeeper.ConnectionClosed;
import dev.portkeeper.ConnectionInfo;
import dev.portkeeper.Endpoint;
import dev.portkeeper.PortExhaustedException;
import dev.portkeeper.Ticker;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The pools' own account of opens and closes per destination: who closed first (so where each
 * TIME_WAIT landed), and when, by the second, over the last minute. It gives the close rate and
 * the TIME_WAIT this process holds without reading the kernel. Thread-safe; its methods run on
 * pool threads, at connect and close only, never on the borrow path.
 */
final class Ledger {
    private static final int SECONDS = PortBudgetMonitor.TIME_WAIT_SECONDS;

    private final Ticker ticker;
    private final Map<Destination, Entry> entries = new ConcurrentHashMap<>();
    private final Map<String, Long> exhaustionByRemote = new ConcurrentHashMap<>();
    private final Map<Endpoint, Destination> destinationOfEndpoint = new ConcurrentHashMap<>();

    Ledger(Ticker ticker) {
        this.ticker = ticker;
    }

    /** One destination's counts; the per-second ring covers the TIME_WAIT length. */
    static final class Entry {
        private long opened;
        private long closedLocal;
        private long closedPeer;
        private long closedReset;
        private int open;
        private int boundOpen;
        private final long[] secondOf = new long[SECONDS + 1];
        private final int[] localCloses = new int[SECONDS + 1];

        synchronized void opened(boolean bound) {
            opened++;
            open++;
            if (bound) {
                boundOpen++;
            }
        }

        synchronized int boundOpen() {
            return boundOpen;
        }

        synchronized void closed(ConnectionClosed.TimeWait by, long second, boolean bound) {
            open = Math.max(0, open - 1);
            if (bound) {
                boundOpen = Math.max(0, boundOpen - 1);
            }
            if (by == ConnectionClosed.TimeWait.LOCAL) {
                closedLocal++;
                int slot = (int) (second % secondOf.length);
                if (secondOf[slot] != second) {
                    secondOf[slot] = second;
                    localCloses[slot] = 0;
                }
                localCloses[slot]++;
            } else if (by == ConnectionClosed.TimeWait.PEER) {
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

    void connectionOpened(ConnectionInfo connection) {
        Destination d = destination(connection);
        if (d != null) {
            entries.computeIfAbsent(d, k -> new Entry()).opened(connection.boundLocally());
            destinationOfEndpoint.put(connection.endpoint(), d);
        }
    }

    void connectionClosed(ConnectionClosed event) {
        ConnectionInfo connection = event.connection();
        Destination d = destination(connection);
        if (d != null) {
            entries.computeIfAbsent(d, k -> new Entry()).closed(event.timeWait(), second(), connection.boundLocally());
        }
    }

    void connectFailed(Endpoint endpoint, IOException failure) {
        if (PortExhaustedException.isPortExhaustion(failure)) {
            exhaustionByRemote.merge(endpoint.toString(), 1L, Long::sum);
        }
    }

    /** @return where the endpoint's last connection went (its name resolved, its local address chosen) */
    Destination destinationOf(Endpoint endpoint) {
        return destinationOfEndpoint.get(endpoint);
    }

    Map<Destination, Entry> entries() {
        return entries;
    }

    /** Port-exhaustion failures toward the destination's remote end, when the pool named it by address. */
    long exhaustionFailures(Destination d) {
        return exhaustionByRemote.getOrDefault(d.remoteText(), 0L);
    }

    LedgerCounts counts(Destination d) {
        Entry e = entries.get(d);
        return e == null ? (exhaustionFailures(d) == 0 ? LedgerCounts.NONE
                : new LedgerCounts(0, 0, 0, 0, 0, 0, 0, exhaustionFailures(d)))
                : e.counts(second(), exhaustionFailures(d));
    }

    /**
     * Ports held by {@code bind()} before {@code connect()} for destinations other than {@code d}:
     * a bound port is taken for every destination, so each one is a port fewer for {@code d}.
     */
    int boundElsewhere(Destination d) {
        int n = 0;
        for (Map.Entry<Destination, Entry> e : entries.entrySet()) {
            if (!e.getKey().equals(d)) {
                n += e.getValue().boundOpen();
            }
        }
        return n;
    }

    /** Local closes per second over the last {@code windowSeconds} whole seconds. */
    double closeRate(Destination d, int windowSeconds) {
        Entry e = entries.get(d);
        return e == null ? 0 : e.localClosesWithin(second(), windowSeconds) / (double) windowSeconds;
    }
}
