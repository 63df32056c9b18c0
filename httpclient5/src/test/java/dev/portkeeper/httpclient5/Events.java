package dev.portkeeper.httpclient5;

import dev.portkeeper.ConnectionClosed;
import dev.portkeeper.ConnectionInfo;
import dev.portkeeper.PoolListener;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Remembers a pool's opens and closes. */
final class Events implements PoolListener {
    final List<ConnectionInfo> opened = new CopyOnWriteArrayList<>();
    final List<ConnectionClosed> closed = new CopyOnWriteArrayList<>();

    @Override
    public void connectionOpened(ConnectionInfo connection) {
        opened.add(connection);
    }

    @Override
    public void connectionClosed(ConnectionClosed event) {
        closed.add(event);
    }

    long closedBy(ConnectionClosed.TimeWait side) {
        return closed.stream().filter(c -> c.timeWait() == side).count();
    }
}
