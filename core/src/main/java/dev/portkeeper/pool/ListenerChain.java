package dev.portkeeper.pool;

import dev.portkeeper.CloseFallback;
import dev.portkeeper.CloseReason;
import dev.portkeeper.CloseStrategy;
import dev.portkeeper.ClosedBy;
import dev.portkeeper.ConnectionInfo;
import dev.portkeeper.Endpoint;
import dev.portkeeper.LeakReport;
import dev.portkeeper.PoolListener;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls every listener in turn and keeps a failing listener from breaking the pool: its first
 * failure per event kind is logged at WARN with the stack, later ones at DEBUG.
 */
final class ListenerChain {
    private static final Logger LOG = LoggerFactory.getLogger(ListenerChain.class);

    private final String poolName;
    private final PoolListener[] listeners;
    private final Set<String> warned = ConcurrentHashMap.newKeySet();

    ListenerChain(String poolName, List<PoolListener> listeners) {
        this.poolName = poolName;
        this.listeners = listeners.toArray(new PoolListener[0]);
    }

    boolean isEmpty() {
        return listeners.length == 0;
    }

    void opened(ConnectionInfo c) {
        each("connectionOpened", l -> l.connectionOpened(c));
    }

    void closed(ConnectionInfo c, CloseReason reason, ClosedBy closedBy) {
        each("connectionClosed", l -> l.connectionClosed(c, reason, closedBy));
    }

    void closeFallback(ConnectionInfo c, CloseStrategy strategy, CloseFallback why) {
        each("closeFallback", l -> l.closeFallback(c, strategy, why));
    }

    void connectFailed(Endpoint endpoint, IOException failure) {
        each("connectFailed", l -> l.connectFailed(endpoint, failure));
    }

    void borrowed(ConnectionInfo c) {
        each("connectionBorrowed", l -> l.connectionBorrowed(c));
    }

    void returned(ConnectionInfo c) {
        each("connectionReturned", l -> l.connectionReturned(c));
    }

    void leakSuspected(LeakReport report) {
        each("leakSuspected", l -> l.leakSuspected(report));
    }

    private void each(String event, Consumer<PoolListener> call) {
        for (PoolListener listener : listeners) {
            try {
                call.accept(listener);
            } catch (RuntimeException | LinkageError e) {
                String key = listener.getClass().getName() + "#" + event;
                if (warned.add(key)) {
                    LOG.warn("Pool {}: listener {} threw from {}; ignored (the pool goes on; later failures of"
                            + " this listener and event are logged at DEBUG)", poolName, listener, event, e);
                } else {
                    LOG.debug("Pool {}: listener {} threw from {} again; ignored", poolName, listener, event, e);
                }
            }
        }
    }
}
