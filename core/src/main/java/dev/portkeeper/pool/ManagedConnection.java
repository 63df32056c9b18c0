package dev.portkeeper.pool;

import dev.portkeeper.ClosePolicy;
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
    private final ClosePolicy closePolicy;
    private final ByteBuffer probeBuffer = ByteBuffer.allocate(1);

    private volatile long lastReturnedAt;
    private volatile long useCount;
    private volatile CloseReason closeReason;
    private volatile ClosedBy closedBy;
    private volatile boolean atRest = true;

    ManagedConnection(long id, Endpoint endpoint, SocketChannel channel, long openedAt, long lifetimeNanos,
            boolean boundLocally, ClosePolicy closePolicy) throws IOException {
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
        this.closePolicy = closePolicy;
    }

    long id() {
        return id;
    }

    Endpoint endpoint() {
        return endpoint;
    }

    SocketChannel channel() {
        return channel;
    }

    ClosePolicy closePolicy() {
        return closePolicy;
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

    /**
     * Records why the connection is about to be destroyed, for a connection at rest (idle in the
     * pool, or given back in step); the first reason given wins.
     */
    void retire(CloseReason reason, ClosedBy knownCloser) {
        retire(reason, knownCloser, true);
    }

    /**
     * Records why the connection is about to be destroyed; the first reason given wins.
     *
     * @param atRest false for a connection taken from a borrower out of step (invalidated, broken)
     */
    void retire(CloseReason reason, ClosedBy knownCloser, boolean atRest) {
        if (closeReason == null) {
            closeReason = reason;
            closedBy = knownCloser;
            this.atRest = atRest;
        }
    }

    CloseReason closeReason() {
        return closeReason;
    }

    /** @return which side closed first, if that was already seen (a FIN read, a reset); else null */
    ClosedBy knownCloser() {
        return closedBy;
    }

    /** @return whether it was retired at rest: idle in the pool, or given back in step */
    boolean atRest() {
        return atRest;
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
