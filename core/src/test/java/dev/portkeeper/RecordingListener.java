package dev.portkeeper;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Remembers every event it is told. */
final class RecordingListener implements PoolListener {
    /** One close event. */
    static final class Closed {
        final ConnectionInfo connection;
        final ConnectionClosed.Reason reason;
        final ConnectionClosed.TimeWait closedBy;

        Closed(ConnectionInfo connection, ConnectionClosed.Reason reason, ConnectionClosed.TimeWait closedBy) {
            this.connection = connection;
            this.reason = reason;
            this.closedBy = closedBy;
        }

        @Override
        public String toString() {
            return connection + " " + reason + " " + closedBy;
        }
    }

    final List<ConnectionInfo> opened = new CopyOnWriteArrayList<>();
    final List<Closed> closed = new CopyOnWriteArrayList<>();
    final List<ConnectionInfo> borrowed = new CopyOnWriteArrayList<>();
    final List<ConnectionInfo> returned = new CopyOnWriteArrayList<>();
    final List<LeakReport> leaks = new CopyOnWriteArrayList<>();
    final List<IOException> connectFailures = new CopyOnWriteArrayList<>();
    final List<Fallback> fallbacks = new CopyOnWriteArrayList<>();
    /** Every event's name in order, e.g. "fallback #3", "closed #3". */
    final List<String> order = new CopyOnWriteArrayList<>();

    /** One close-strategy fallback. */
    static final class Fallback {
        final ConnectionInfo connection;
        final ClosePolicy.Strategy strategy;
        final ConnectionClosed.Fallback why;

        Fallback(ConnectionInfo connection, ClosePolicy.Strategy strategy, ConnectionClosed.Fallback why) {
            this.connection = connection;
            this.strategy = strategy;
            this.why = why;
        }

        @Override
        public String toString() {
            return connection + " " + strategy + " " + why;
        }
    }

    @Override
    public void connectionOpened(ConnectionInfo connection) {
        opened.add(connection);
    }

    final List<ConnectionClosed> events = new CopyOnWriteArrayList<>();

    @Override
    public void connectionClosed(ConnectionClosed event) {
        ConnectionInfo connection = event.connection();
        events.add(event);
        if (event.fallback() != null) {
            fallbacks.add(new Fallback(connection, event.strategy(), event.fallback()));
            order.add("fallback #" + connection.id());
        }
        closed.add(new Closed(connection, event.reason(), event.timeWait()));
        order.add("closed #" + connection.id());
    }

    long closedBy(ConnectionClosed.TimeWait by) {
        return closed.stream().filter(c -> c.closedBy == by).count();
    }

    @Override
    public void connectFailed(Endpoint endpoint, IOException failure) {
        connectFailures.add(failure);
    }

    @Override
    public void connectionBorrowed(ConnectionInfo connection, java.time.Duration waited) {
        borrowed.add(connection);
    }

    @Override
    public void connectionReturned(ConnectionInfo connection, java.time.Duration held) {
        returned.add(connection);
    }

    @Override
    public void leakSuspected(LeakReport report) {
        leaks.add(report);
    }

    long closedWith(ConnectionClosed.Reason reason) {
        return closed.stream().filter(c -> c.reason == reason).count();
    }
}
