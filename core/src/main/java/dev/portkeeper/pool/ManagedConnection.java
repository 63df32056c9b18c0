package dev.portkeeper.pool;

import dev.portkeeper.CloseReason;
import dev.portkeeper.ClosedBy;
import dev.portkeeper.ConnectionInfo;
import dev.portkeeper.Endpoint;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;

/**
 * One pooled socket and what the pool knows of it. The socket lives across many leases; the
 * fields written by a borrower are only written while it holds the single lease.
 */
final class ManagedConnection {
    private final long id;
    private final Endpoint endpoint;
    private final SocketChannel channel;
    private final InputStream in;
    private final OutputStream out;
    private final InetSocketAddress localAddress;
    private final InetSocketAddress remoteAddress;
    private final long openedAt;
    private final long expiresAt;
    private final boolean boundLocally;
    private final ByteBuffer probeBuffer = ByteBuffer.allocate(1);

    private volatile long lastReturnedAt;
    private volatile long useCount;
    private volatile CloseReason closeReason;
    private volatile ClosedBy closedBy;

    ManagedConnection(long id, Endpoint endpoint, SocketChannel channel, long openedAt, long lifetimeNanos,
            boolean boundLocally) throws IOException {
        this.id = id;
        this.endpoint = endpoint;
        this.channel = channel;
        Socket socket = channel.socket();
        // The adaptor's streams honour SO_TIMEOUT; Channels.newInputStream would not.
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
        this.localAddress = (InetSocketAddress) channel.getLocalAddress();
        this.remoteAddress = (InetSocketAddress) channel.getRemoteAddress();
        this.openedAt = openedAt;
        this.expiresAt = lifetimeNanos == Long.MAX_VALUE ? Long.MAX_VALUE : openedAt + lifetimeNanos;
        this.lastReturnedAt = openedAt;
        this.boundLocally = boundLocally;
    }

    long id() {
        return id;
    }

    Endpoint endpoint() {
        return endpoint;
    }

    InputStream in() {
        return in;
    }

    OutputStream out() {
        return out;
    }

    InetSocketAddress localAddress() {
        return localAddress;
    }

    InetSocketAddress remoteAddress() {
        return remoteAddress;
    }

    long openedAt() {
        return openedAt;
    }

    long lastReturnedAt() {
        return lastReturnedAt;
    }

    void returnedAt(long now) {
        lastReturnedAt = now;
    }

    long useCount() {
        return useCount;
    }

    void lent() {
        useCount++;
    }

    boolean expired(long now) {
        return expiresAt != Long.MAX_VALUE && now - expiresAt >= 0;
    }

    /** Records why the connection is about to be destroyed; the first reason given wins. */
    void retire(CloseReason reason, ClosedBy knownCloser) {
        if (closeReason == null) {
            closeReason = reason;
            closedBy = knownCloser;
        }
    }

    CloseReason closeReason() {
        return closeReason;
    }

    /**
     * A non-blocking one-byte read: microseconds, where a blocking read with a short timeout
     * would cost a millisecond. Only for a connection no borrower is using.
     */
    Probe probe() {
        probeBuffer.clear();
        try {
            int n;
            synchronized (channel.blockingLock()) {
                channel.configureBlocking(false);
                try {
                    n = channel.read(probeBuffer);
                } finally {
                    channel.configureBlocking(true);
                }
            }
            return n == 0 ? Probe.HEALTHY : n < 0 ? Probe.PEER_CLOSED : Probe.STRAY_BYTES;
        } catch (IOException | RuntimeException e) {
            return Probe.FAILED;
        }
    }

    /**
     * Closes the socket and says which side closed first. A peer's FIN already waiting means the
     * peer did; bytes still unread make Linux answer our close with a reset instead of a FIN.
     */
    ClosedBy close() {
        ClosedBy by = closedBy;
        if (by == null && channel.isOpen()) {
            switch (probe()) {
                case PEER_CLOSED:
                    by = ClosedBy.PEER;
                    break;
                case STRAY_BYTES:
                case FAILED:
                    by = ClosedBy.RESET;
                    break;
                default:
                    by = ClosedBy.LOCAL;
            }
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing is best effort; the descriptor is released either way
        }
        return by == null ? ClosedBy.LOCAL : by;
    }

    ConnectionInfo info(String poolName, long now) {
        return new ConnectionInfo(poolName, id, endpoint, localAddress, remoteAddress,
                Duration.ofNanos(now - openedAt), useCount, boundLocally);
    }

    @Override
    public String toString() {
        return "connection #" + id + " to " + endpoint + " from " + localAddress.getAddress().getHostAddress()
                + ":" + localAddress.getPort();
    }
}
