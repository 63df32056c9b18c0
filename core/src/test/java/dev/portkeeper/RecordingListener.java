package dev.portkeeper;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Remembers every event it is told. */
final class RecordingListener implements PoolListener {
    /** One close event. */
    static final class Closed {
        final ConnectionInfo connection;
        final CloseReason reason;
        final ClosedBy closedBy;

        Closed(ConnectionInfo connection, CloseReason reason, ClosedBy closedBy) {
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

    @Override
    public void connectionOpened(ConnectionInfo connection) {
        opened.add(connection);
    }

    @Override
    public void connectionClosed(ConnectionInfo connection, CloseReason reason, ClosedBy closedBy) {
        closed.add(new Closed(connection, reason, closedBy));
    }

    @Override
    public void connectFailed(Endpoint endpoint, IOException failure) {
        connectFailures.add(failure);
    }

    @Override
    public void connectionBorrowed(ConnectionInfo connection) {
        borrowed.add(connection);
    }

    @Override
    public void connectionReturned(ConnectionInfo connection) {
        returned.add(connection);
    }

    @Override
    public void leakSuspected(LeakReport report) {
        leaks.add(report);
    }

    long closedWith(CloseReason reason) {
        return closed.stream().filter(c -> c.reason == reason).count();
    }
}
