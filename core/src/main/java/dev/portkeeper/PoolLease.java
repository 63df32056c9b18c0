package dev.portkeeper;

import dev.portkeeper.internal.Attached;
import dev.portkeeper.internal.Lease;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.time.Duration;

/** The face of one lease: a {@link PooledConnection} over the engine's lease. */
final class PoolLease implements PooledConnection {
    private final Lease<Endpoint> lease;
    private final dev.portkeeper.internal.Engine<Endpoint> engine;

    PoolLease(Lease<Endpoint> lease, dev.portkeeper.internal.Engine<Endpoint> engine) {
        this.lease = lease;
        this.engine = engine;
    }

    @Override
    public InputStream input() {
        return lease.input();
    }

    @Override
    public OutputStream output() {
        return lease.output();
    }

    @Override
    public void close() {
        lease.close();
    }

    @Override
    public void closeWhenPeerCloses() {
        lease.closeWhenPeerCloses();
    }

    @Override
    public java.util.Optional<Duration> remainingLifetime() {
        long left = lease.remainingLifetimeNanos();
        return left < 0 ? java.util.Optional.empty() : java.util.Optional.of(Duration.ofNanos(left));
    }

    @Override
    public void invalidate() {
        lease.invalidate();
    }

    @Override
    public boolean isBroken() {
        return lease.isBroken();
    }

    @Override
    public boolean isLastUse() {
        return lease.isLastUse();
    }

    @Override
    public void setReadTimeout(Duration timeout) throws java.net.SocketException {
        java.util.Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || (!timeout.isZero() && timeout.compareTo(Duration.ofMillis(1)) < 0)
                || timeout.compareTo(Duration.ofMillis(Integer.MAX_VALUE)) > 0) {
            throw new IllegalArgumentException("readTimeout must be 0 (wait forever) or between 1 ms and "
                    + Integer.MAX_VALUE + " ms: " + timeout);
        }
        lease.setReadTimeout((int) timeout.toMillis());
    }

    @Override
    public Duration readTimeout() throws java.net.SocketException {
        return Duration.ofMillis(lease.readTimeout());
    }

    @Override
    public Endpoint endpoint() {
        return lease.conn().key();
    }

    @Override
    public Duration age() {
        return Duration.ofNanos(Math.max(0, engine.now() - lease.conn().openedAt()));
    }

    @Override
    public long useCount() {
        return lease.conn().useCount();
    }

    @Override
    public InetSocketAddress localAddress() {
        return lease.conn().localAddress();
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return lease.conn().remoteAddress();
    }

    @Override
    public Attachment attachment() {
        return (Attachment) lease.attachment();
    }

    @Override
    public void attach(Attachment attachment) {
        lease.attach(attachment, attachment == null ? null : new Attached() {
            @Override
            public int bufferedBytes() {
                return attachment.bufferedBytes();
            }

            @Override
            public void detached() {
                attachment.detached();
            }
        });
    }

    @Override
    public String toString() {
        return lease.toString();
    }
}
