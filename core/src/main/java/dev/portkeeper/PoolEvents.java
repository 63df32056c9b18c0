package dev.portkeeper;

import dev.portkeeper.internal.Cause;
import dev.portkeeper.internal.CloseMode;
import dev.portkeeper.internal.Conn;
import dev.portkeeper.internal.Events;
import dev.portkeeper.internal.Fallback;
import dev.portkeeper.internal.Side;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the engine's events into {@link PoolListener} and {@link PortBudget} calls, and keeps a
 * failing listener or budget from breaking the pool: any {@link Throwable} but a
 * {@link VirtualMachineError} is caught, its first occurrence per listener and event logged at
 * WARN with the stack, later ones at DEBUG.
 */
final class PoolEvents implements Events<Endpoint> {
    private static final Logger LOG = LoggerFactory.getLogger(PoolEvents.class);

    private final String poolName;
    private final PoolListener[] listeners;
    private final PortBudget budget;
    private final LongSupplier ticker;
    private final Set<String> warned = ConcurrentHashMap.newKeySet();

    PoolEvents(String poolName, List<PoolListener> listeners, PortBudget budget, LongSupplier ticker) {
        this.poolName = poolName;
        this.listeners = listeners.toArray(new PoolListener[0]);
        this.budget = budget;
        this.ticker = ticker;
    }

    @Override
    public boolean wantsLeaseEvents() {
        return listeners.length > 0;
    }

    ConnectionInfo info(Conn<Endpoint> c) {
        return new ConnectionInfo(poolName, c.id(), c.key(), c.localAddress(), c.remoteAddress(),
                Duration.ofNanos(Math.max(0, ticker.getAsLong() - c.openedAt())), c.useCount(),
                Duration.ofNanos(c.connectNanos()), c.boundLocally());
    }

    @Override
    public void opened(Conn<Endpoint> c) {
        if (listeners.length == 0 && budget == null) {
            return;
        }
        ConnectionInfo info = info(c);
        if (budget != null) {
            call(budget, "connectionOpened", () -> budget.connectionOpened(info));
        }
        each("connectionOpened", l -> l.connectionOpened(info));
    }

    @Override
    public void closed(Conn<Endpoint> c, Cause cause, Side side, CloseMode mode, Fallback fallback) {
        if (listeners.length == 0 && budget == null) {
            return;
        }
        ConnectionClosed event = new ConnectionClosed(info(c), ConnectionClosed.Reason.valueOf(cause.name()),
                ConnectionClosed.TimeWait.valueOf(side.name()), ClosePolicy.Strategy.valueOf(mode.name()),
                fallback == null ? null : ConnectionClosed.Fallback.valueOf(fallback.name()));
        if (budget != null) {
            call(budget, "connectionClosed", () -> budget.connectionClosed(event));
        }
        each("connectionClosed", l -> l.connectionClosed(event));
    }

    @Override
    public void connectFailed(Endpoint endpoint, IOException failure) {
        if (budget != null) {
            call(budget, "connectFailed", () -> budget.connectFailed(endpoint, failure));
        }
        each("connectFailed", l -> l.connectFailed(endpoint, failure));
    }

    @Override
    public void borrowed(Conn<Endpoint> c, long waitedNanos) {
        ConnectionInfo info = info(c);
        Duration waited = Duration.ofNanos(waitedNanos);
        each("connectionBorrowed", l -> l.connectionBorrowed(info, waited));
    }

    @Override
    public void borrowFailed(Endpoint endpoint, long waitedNanos, IOException failure) {
        Duration waited = Duration.ofNanos(waitedNanos);
        each("borrowFailed", l -> l.borrowFailed(endpoint, waited, failure));
    }

    @Override
    public void returned(Conn<Endpoint> c, long heldNanos) {
        ConnectionInfo info = info(c);
        Duration held = Duration.ofNanos(heldNanos);
        each("connectionReturned", l -> l.connectionReturned(info, held));
    }

    @Override
    public void leak(Conn<Endpoint> c, long heldNanos, String threadName, Throwable borrowSite, boolean atPoolClose) {
        if (listeners.length == 0) {
            return;
        }
        LeakReport report = new LeakReport(info(c), Duration.ofNanos(heldNanos), threadName, borrowSite, atPoolClose);
        each("leakSuspected", l -> l.leakSuspected(report));
    }

    private void each(String event, Consumer<PoolListener> call) {
        for (PoolListener listener : listeners) {
            call(listener, event, () -> call.accept(listener));
        }
    }

    private void call(Object target, String event, Runnable call) {
        try {
            call.run();
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable e) {
            String key = System.identityHashCode(target) + "#" + event;
            if (warned.add(key)) {
                LOG.warn("Pool {}: {} threw from {}; ignored (the pool goes on; later failures of this listener and"
                        + " event are logged at DEBUG)", poolName, target, event, e);
            } else {
                LOG.debug("Pool {}: {} threw from {} again; ignored", poolName, target, event, e);
            }
        }
    }
}
