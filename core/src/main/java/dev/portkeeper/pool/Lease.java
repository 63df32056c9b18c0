package dev.portkeeper.pool;

import dev.portkeeper.CloseReason;
import dev.portkeeper.ClosedBy;
import dev.portkeeper.Endpoint;
import dev.portkeeper.PooledConnection;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One borrower's hold on a pooled socket. Its streams watch for an end of stream or an I/O
 * error and refuse use after the lease has ended, since the socket may then serve another
 * borrower.
 */
final class Lease implements PooledConnection {
    private final PoolEngine pool;
    private final ManagedConnection connection;
    private final long borrowedAt;
    private final String threadName;
    private final Throwable borrowSite;
    private final AtomicBoolean ended = new AtomicBoolean();
    private final InputStream in = new WatchedInput();
    private final OutputStream out = new WatchedOutput();
    private volatile CloseReason brokenBy;
    private volatile ClosedBy brokenCloser;
    private volatile boolean leakReported;

    Lease(PoolEngine pool, ManagedConnection connection, long borrowedAt, Throwable borrowSite) {
        this.pool = pool;
        this.connection = connection;
        this.borrowedAt = borrowedAt;
        this.threadName = Thread.currentThread().getName();
        this.borrowSite = borrowSite;
    }

    ManagedConnection connection() {
        return connection;
    }

    long borrowedAt() {
        return borrowedAt;
    }

    String threadName() {
        return threadName;
    }

    Throwable borrowSite() {
        return borrowSite;
    }

    boolean leakReported() {
        return leakReported;
    }

    void markLeakReported() {
        leakReported = true;
    }

    CloseReason brokenBy() {
        return brokenBy;
    }

    ClosedBy brokenCloser() {
        return brokenCloser;
    }

    boolean ended() {
        return ended.get();
    }

    @Override
    public InputStream input() {
        return in;
    }

    @Override
    public OutputStream output() {
        return out;
    }

    @Override
    public void close() {
        if (ended.compareAndSet(false, true)) {
            pool.release(this, null);
        }
    }

    @Override
    public void invalidate() {
        if (ended.compareAndSet(false, true)) {
            pool.release(this, CloseReason.INVALIDATED);
        }
    }

    @Override
    public boolean isBroken() {
        return brokenBy != null;
    }

    @Override
    public Endpoint endpoint() {
        return connection.endpoint();
    }

    @Override
    public Duration age() {
        return Duration.ofNanos(pool.now() - connection.openedAt());
    }

    @Override
    public long useCount() {
        return connection.useCount();
    }

    @Override
    public InetSocketAddress localAddress() {
        return connection.localAddress();
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return connection.remoteAddress();
    }

    @Override
    public String toString() {
        return connection + (ended.get() ? " (returned)" : " (borrowed)");
    }

    private void checkLive() {
        if (ended.get()) {
            throw new IllegalStateException(connection + " was already given back to the pool;"
                    + " borrow a new connection instead of keeping a reference to this one");
        }
    }

    private void sawEndOfStream() {
        if (brokenBy == null) {
            brokenCloser = ClosedBy.PEER;
            brokenBy = CloseReason.PEER_CLOSED;
        }
    }

    private IOException sawFailure(IOException e) {
        if (brokenBy == null) {
            String message = String.valueOf(e.getMessage());
            brokenCloser = message.contains("reset") || message.contains("Broken pipe") ? ClosedBy.RESET : null;
            brokenBy = CloseReason.BROKEN;
        }
        return e;
    }

    private final class WatchedInput extends InputStream {
        @Override
        public int read() throws IOException {
            checkLive();
            try {
                int b = connection.in().read();
                if (b < 0) {
                    sawEndOfStream();
                }
                return b;
            } catch (IOException e) {
                throw sawFailure(e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            checkLive();
            try {
                int n = connection.in().read(b, off, len);
                if (n < 0) {
                    sawEndOfStream();
                }
                return n;
            } catch (IOException e) {
                throw sawFailure(e);
            }
        }

        @Override
        public int available() throws IOException {
            checkLive();
            try {
                return connection.in().available();
            } catch (IOException e) {
                throw sawFailure(e);
            }
        }

        @Override
        public void close() {
            // Closing the adaptor's stream would close the socket under the pool; the lease owns that.
        }
    }

    private final class WatchedOutput extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            checkLive();
            try {
                connection.out().write(b);
            } catch (IOException e) {
                throw sawFailure(e);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            checkLive();
            try {
                connection.out().write(b, off, len);
            } catch (IOException e) {
                throw sawFailure(e);
            }
        }

        @Override
        public void flush() throws IOException {
            checkLive();
        }

        @Override
        public void close() {
            // See WatchedInput.close.
        }
    }
}
