package dev.portkeeper.httpclient5;

import dev.portkeeper.PooledConnection;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;

/**
 * The {@link Socket} HttpCore's connection (and, for https, the JDK's layered {@code SSLSocket})
 * is bound to, once, for the pooled socket's whole life. Its streams forward to the streams of
 * the lease in force, set at each lease and cleared at its end; {@link #setSoTimeout(int)} is the
 * lease's read timeout; {@link #close()} invalidates the lease. Between leases every read or write
 * fails: a stray reference to an old lease can never touch a socket that serves someone else.
 *
 * <p>It can answer a read with an immediate timeout ({@link #probe}) so that HttpCore's own buffer
 * (and the TLS layer's) can be asked whether it holds bytes without any I/O.
 *
 * <p>Used by one thread at a time (the borrower); {@link #invalidateFromAnyThread()} may come from any.
 */
final class LeaseSocket extends Socket {
    private final InetSocketAddress local;
    private final InetSocketAddress remote;
    private final InputStream in = new LeaseInput();
    private final OutputStream out = new LeaseOutput();
    private volatile PooledConnection lease;
    private volatile boolean dead;
    private boolean probing;
    private int idleTimeoutMillis;

    LeaseSocket(PooledConnection lease) {
        this.local = lease.localAddress();
        this.remote = lease.remoteAddress();
    }

    /** Binds the streams to a new lease of the same pooled socket. */
    void lease(PooledConnection value) {
        lease = value;
    }

    /** Unbinds the streams at the end of a lease. */
    void unlease() {
        lease = null;
    }

    /** The pooled socket was closed: nothing will use this adapter again. */
    void kill() {
        dead = true;
        lease = null;
    }

    /**
     * Runs {@code action} with reads answering at once with a timeout and timeout changes ignored,
     * so that whatever HttpCore (or the TLS layer) asks of the socket does no I/O.
     */
    <T> T probe(IoSupplier<T> action) throws IOException {
        probing = true;
        try {
            return action.get();
        } finally {
            probing = false;
        }
    }

    void invalidateFromAnyThread() {
        PooledConnection l = lease;
        if (l != null) {
            l.invalidate();
        }
    }

    private PooledConnection current(String op) throws SocketException {
        PooledConnection l = lease;
        if (l == null) {
            throw new SocketException(dead ? "Socket closed: the pooled connection to " + remote + " was closed"
                    : "Socket not leased: " + op + " on a pooled connection to " + remote + " between two leases");
        }
        return l;
    }

    /** The lease was ended under the borrower (invalidated from another thread): an I/O failure to HttpCore. */
    private static SocketException ended(IllegalStateException e) {
        SocketException se = new SocketException(e.getMessage());
        se.initCause(e);
        return se;
    }

    @Override
    public InputStream getInputStream() {
        return in;
    }

    @Override
    public OutputStream getOutputStream() {
        return out;
    }

    @Override
    public void setSoTimeout(int timeout) throws SocketException {
        if (timeout < 0) {
            throw new IllegalArgumentException("timeout can't be negative");
        }
        if (probing) {
            return;
        }
        PooledConnection l = lease;
        if (l == null) {
            idleTimeoutMillis = timeout;
            return;
        }
        l.setReadTimeout(Duration.ofMillis(timeout));
    }

    @Override
    public int getSoTimeout() throws SocketException {
        PooledConnection l = lease;
        if (l == null || probing) {
            return idleTimeoutMillis;
        }
        return Math.toIntExact(Math.min(Integer.MAX_VALUE, l.readTimeout().toMillis()));
    }

    /**
     * HttpCore's {@code close(IMMEDIATE)} asks for a reset here; the pool decides how its sockets
     * close (its {@code ClosePolicy}), so this is ignored.
     */
    @Override
    public void setSoLinger(boolean on, int linger) {
        // The pool's close policy decides.
    }

    @Override
    public int getSoLinger() {
        return -1;
    }

    /** Invalidates the lease in force: the pool discards the socket. */
    @Override
    public void close() {
        invalidateFromAnyThread();
    }

    @Override
    public void shutdownInput() {
        // The pool owns the socket: a half-close would leave it unusable but pooled.
    }

    @Override
    public void shutdownOutput() {
        // As shutdownInput.
    }

    @Override
    public boolean isConnected() {
        return true;
    }

    @Override
    public boolean isBound() {
        return true;
    }

    @Override
    public boolean isClosed() {
        return dead;
    }

    @Override
    public boolean isInputShutdown() {
        return false;
    }

    @Override
    public boolean isOutputShutdown() {
        return false;
    }

    @Override
    public InetAddress getInetAddress() {
        return remote.getAddress();
    }

    @Override
    public int getPort() {
        return remote.getPort();
    }

    @Override
    public InetAddress getLocalAddress() {
        return local.getAddress();
    }

    @Override
    public int getLocalPort() {
        return local.getPort();
    }

    @Override
    public SocketAddress getRemoteSocketAddress() {
        return remote;
    }

    @Override
    public SocketAddress getLocalSocketAddress() {
        return local;
    }

    @Override
    public void setTcpNoDelay(boolean on) {
        // The pool's SocketPolicy sets the options.
    }

    @Override
    public void setKeepAlive(boolean on) {
        // The pool's SocketPolicy sets the options.
    }

    @Override
    public String toString() {
        return "LeaseSocket[" + local + "->" + remote + (dead ? ", closed" : lease == null ? ", at rest" : ", leased") + "]";
    }

    /** A supplier that may throw an IOException. */
    interface IoSupplier<T> {
        T get() throws IOException;
    }

    /**
     * What a read answers while probing: HttpCore takes it as "no data within the timeout". It has
     * no stack trace, which would cost more than the whole probe (it is thrown on every borrow).
     */
    private static final class ProbeTimeout extends SocketTimeoutException {
        private static final long serialVersionUID = 1L;

        ProbeTimeout() {
            super("probe: no I/O");
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }

    private final class LeaseInput extends InputStream {
        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n <= 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (probing) {
                throw new ProbeTimeout();
            }
            try {
                return current("read").input().read(b, off, len);
            } catch (IllegalStateException e) {
                throw ended(e);
            }
        }

        @Override
        public int available() throws IOException {
            if (probing) {
                return 0;
            }
            try {
                return current("available").input().available();
            } catch (IllegalStateException e) {
                throw ended(e);
            }
        }

        @Override
        public void close() {
            // Closing a stream never closes the pooled socket.
        }
    }

    private final class LeaseOutput extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (probing) {
                throw new SocketException("probe: no I/O");
            }
            try {
                current("write").output().write(b, off, len);
            } catch (IllegalStateException e) {
                throw ended(e);
            }
        }

        @Override
        public void flush() throws IOException {
            if (!probing && lease != null) {
                lease.output().flush();
            }
        }

        @Override
        public void close() {
            // Closing a stream never closes the pooled socket.
        }
    }
}
