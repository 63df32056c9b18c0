package dev.portkeeper.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One pooled socket and what the engine knows of it. It lives across many leases; its state
 * says who holds it: idle in the pool, lent to one borrower, or reserved by the engine (being
 * checked, handed over or closed). Every change of holder is a compare-and-set on the state, so
 * exactly one party holds it at a time, and the fields written by a holder are read by the next
 * one after that handover.
 *
 * @param <K> the key type
 */
public final class Conn<K> {
    static final int IDLE = 0;
    static final int IN_USE = 1;
    static final int RESERVED = 2;
    static final int CLOSED = 3;

    private final long id;
    private final K key;
    private final SocketChannel channel;
    private final InputStream in;
    private final OutputStream out;
    private final InetSocketAddress localAddress;
    private final InetSocketAddress remoteAddress;
    private final long openedAt;
    private final long connectNanos;
    private final long expiresAt;
    private final boolean boundLocally;
    private final CloseRule closeRule;
    private final ByteBuffer probeBuffer = ByteBuffer.allocate(1);
    final AtomicInteger state = new AtomicInteger(IN_USE);

    private volatile long lastReturnedAt;
    private volatile long useCount;
    /** A byte the check read and the borrower has not had yet, or -1. */
    private int pushback = -1;
    private Attached attached;
    private Object attachment;
    volatile Lease<K> lease;
    private final java.util.concurrent.CountDownLatch closedSignal = new java.util.concurrent.CountDownLatch(1);
    /** Decided once: past its lifetime and paid for by the churn guard. */
    volatile boolean retiring;

    Conn(long id, K key, SocketChannel channel, long openedAt, long connectNanos, long lifetimeNanos,
            boolean boundLocally, CloseRule closeRule) throws IOException {
        this.connectNanos = connectNanos;
        this.id = id;
        this.key = key;
        this.channel = channel;
        Socket socket = channel.socket();
        // The adaptor's streams honour SO_TIMEOUT; Channels.newInputStream would not.
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
        this.localAddress = (InetSocketAddress) channel.getLocalAddress();
        this.remoteAddress = (InetSocketAddress) channel.getRemoteAddress();
        this.openedAt = openedAt;
        this.expiresAt = lifetimeNanos <= 0 ? Long.MAX_VALUE : openedAt + lifetimeNanos;
        this.lastReturnedAt = openedAt;
        this.boundLocally = boundLocally;
        this.closeRule = closeRule;
    }

    /** @return counted down once the socket is closed and the connection left the counts */
    java.util.concurrent.CountDownLatch closedSignal() {
        return closedSignal;
    }

    /** @return the id, unique within the pool */
    public long id() {
        return id;
    }

    /** @return the key (endpoint) */
    public K key() {
        return key;
    }

    /** @return the local address and port */
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    /** @return the peer's address and port */
    public InetSocketAddress remoteAddress() {
        return remoteAddress;
    }

    /** @return the engine clock's reading at the open */
    public long openedAt() {
        return openedAt;
    }

    /** @return how long the connect took */
    public long connectNanos() {
        return connectNanos;
    }

    /** @return times lent */
    public long useCount() {
        return useCount;
    }

    /** @return whether the socket was bound before connect */
    public boolean boundLocally() {
        return boundLocally;
    }

    SocketChannel channel() {
        return channel;
    }

    CloseRule closeRule() {
        return closeRule;
    }

    InputStream in() {
        return in;
    }

    OutputStream out() {
        return out;
    }

    long lastReturnedAt() {
        return lastReturnedAt;
    }

    void returnedAt(long now) {
        lastReturnedAt = now;
    }

    void lent() {
        useCount++;
    }

    /** @return nanoseconds until expiry, 0 if expired, -1 without lifetime */
    long remainingLifetimeNanos(long now) {
        return expiresAt == Long.MAX_VALUE ? -1 : Math.max(0, expiresAt - now);
    }

    boolean expired(long now) {
        return expiresAt != Long.MAX_VALUE && now - expiresAt >= 0;
    }

    boolean claim(int from, int to) {
        return state.compareAndSet(from, to);
    }

    /** The holder only: the byte the check kept for the borrower, or -1; taken once. */
    int takePushback() {
        int b = pushback;
        pushback = -1;
        return b;
    }

    boolean hasPushback() {
        return pushback >= 0;
    }

    /** @return bytes waiting for the borrower that the pool already holds: the check's byte and the attachment's buffer */
    int heldBytes() {
        int n = pushback >= 0 ? 1 : 0;
        Attached a = attached;
        if (a != null) {
            try {
                n += Math.max(0, a.bufferedBytes());
            } catch (RuntimeException e) {
                n += 1; // cannot tell: treat as out of step, the safe side
            }
        }
        return n;
    }

    Object attachment() {
        return attachment;
    }

    /** Replaces the attachment; the old one is told it is detached. */
    void attach(Object attachment, Attached view) {
        Attached old = this.attached;
        this.attachment = attachment;
        this.attached = view;
        if (old != null && old != view) {
            Engine.quietly(old::detached);
        }
    }

    void detachForClose() {
        Attached old = attached;
        attached = null;
        attachment = null;
        if (old != null) {
            Engine.quietly(old::detached);
        }
    }

    /**
     * A non-blocking one-byte read: microseconds, where a blocking read with a short timeout
     * would cost a millisecond. Only by the holder, for a connection no borrower is using. A byte
     * read is kept for the borrower ({@link #takePushback()}): the check never consumes data.
     */
    Probe probe() {
        if (pushback >= 0) {
            return Probe.STRAY_BYTES;
        }
        Probe p = SocketInspector.look(channel, probeBuffer);
        if (p == Probe.STRAY_BYTES) {
            pushback = probeBuffer.get(0) & 0xff;
        }
        return p;
    }

    @Override
    public String toString() {
        return "connection #" + id + " to " + key + " from " + localAddress.getAddress().getHostAddress()
                + ":" + localAddress.getPort();
    }
}
