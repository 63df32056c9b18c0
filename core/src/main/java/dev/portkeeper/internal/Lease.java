package dev.portkeeper.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One borrower's hold on a pooled socket. Its streams hand over the byte the check kept first,
 * watch for an end of stream or an I/O error, and refuse use after the lease has ended, since the
 * socket may then serve another borrower. Another thread may end it with
 * {@link #invalidate()}: a read or write blocked on it then fails at once.
 *
 * @param <K> the key type
 */
public final class Lease<K> {
    private static final int LIVE = 0;
    private static final int ENDED = 1;

    private final Engine<K> engine;
    private final Conn<K> conn;
    private final long borrowedAt;
    private final Thread borrower;
    private final Throwable borrowSite;
    private final AtomicInteger state = new AtomicInteger(LIVE);
    private final InputStream in = new WatchedInput();
    private final OutputStream out = new WatchedOutput();
    private volatile Cause brokenBy;
    /** System.nanoTime() when the blocked write began, 0 when none is in progress. */
    private volatile long writeStartedAt;
    /** System.nanoTime() when the blocked read began, 0 when none is in progress. */
    private volatile long readStartedAt;
    /** Why the socket was closed under a borrower: null, "invalidated", "read timeout" or "write timeout". */
    private volatile String abortedBecause;
    volatile boolean leakReported;
    /** Set by the watchdog: a read outlived the read timeout, and the socket's input was shut down to end it. */
    private volatile boolean readTimedOut;
    /** Whether this lease set its own read timeout as SO_TIMEOUT (a short one), to be cleared at its end. */
    volatile boolean readTimeoutChanged;
    /** The lease's own read timeout kept by the watchdog, in nanoseconds; 0 for none; -1 for the pool's. */
    private volatile long ownReadTimeoutNanos = -1;

    /**
     * Read timeouts from this length on are kept by the engine's watchdog (a plain blocking read,
     * ended within a quarter of the timeout); shorter ones are SO_TIMEOUT, precise to the millisecond.
     */
    static final int WATCHED_FROM_MILLIS = 200;

    Lease(Engine<K> engine, Conn<K> conn, long borrowedAt, Throwable borrowSite) {
        this.engine = engine;
        this.conn = conn;
        this.borrowedAt = borrowedAt;
        this.borrower = Thread.currentThread();
        this.borrowSite = borrowSite;
    }

    /** @return the connection */
    public Conn<K> conn() {
        return conn;
    }

    long borrowedAt() {
        return borrowedAt;
    }

    String threadName() {
        return borrower.getName();
    }

    Throwable borrowSite() {
        return borrowSite;
    }

    Cause brokenBy() {
        return brokenBy;
    }

    /** @return whether the lease has ended */
    public boolean ended() {
        return state.get() == ENDED;
    }

    /** @return the stream to read from */
    public InputStream input() {
        return in;
    }

    /** @return the stream to write to */
    public OutputStream output() {
        return out;
    }

    /** @return whether a stream saw an end of stream or an error */
    public boolean isBroken() {
        return brokenBy != null;
    }

    /** @return whether the connection will be retired when given back */
    public boolean isLastUse() {
        return brokenBy == null && engine.wouldRetire(conn);
    }

    /** @param millis the read timeout for this lease, 0 for none @throws java.net.SocketException if the socket refuses it */
    public void setReadTimeout(int millis) throws SocketException {
        checkLive();
        if (millis > 0 && millis < WATCHED_FROM_MILLIS) {
            conn.channel().socket().setSoTimeout(millis);
            readTimeoutChanged = true;
            ownReadTimeoutNanos = 0; // SO_TIMEOUT's, not the watchdog's
            return;
        }
        if (readTimeoutChanged) {
            conn.channel().socket().setSoTimeout(0);
            readTimeoutChanged = false;
        }
        if (millis > 0) {
            engine.watchIo(millis);
        }
        ownReadTimeoutNanos = millis * 1_000_000L;
    }

    /** @return the read timeout in force on this lease, in milliseconds @throws SocketException if the socket is closed */
    public int readTimeout() throws SocketException {
        if (readTimeoutChanged) {
            return conn.channel().socket().getSoTimeout();
        }
        long own = ownReadTimeoutNanos;
        return (int) (own >= 0 ? own / 1_000_000L : engine.readTimeoutMillis());
    }

    /** @return the attachment, or null */
    public Object attachment() {
        return conn.attachment();
    }

    /** @param attachment the face's object @param view what the engine asks of it; both null to detach */
    public void attach(Object attachment, Attached view) {
        checkLive();
        conn.attach(attachment, view);
    }

    /** Gives the connection back to be closed once the peer closed it. Idempotent; never throws. */
    public void closeWhenPeerCloses() {
        if (state.compareAndSet(LIVE, ENDED)) {
            engine.release(this, brokenBy != null ? null : Cause.RETIRED, false);
        }
    }

    /** @return nanoseconds until the connection is due for retirement, 0 if due, -1 without lifetime */
    public long remainingLifetimeNanos() {
        return conn.remainingLifetimeNanos(engine.now());
    }

    /** Gives the connection back, or discards it. Idempotent; never throws. */
    public void close() {
        if (state.compareAndSet(LIVE, ENDED)) {
            engine.release(this, null, false);
        }
    }

    /**
     * Discards the connection. From the borrowing thread, with no I/O in progress, it is closed
     * as its policy allows for a connection out of step; from another thread, or while a read or
     * write is in progress, it is closed at once with a reset, without touching the socket's
     * locks, so that a blocked read or write fails at once. Idempotent; never throws.
     */
    public void invalidate() {
        if (state.compareAndSet(LIVE, ENDED)) {
            boolean abort = Thread.currentThread() != borrower || readStartedAt != 0 || writeStartedAt != 0;
            if (abort) {
                abortedBecause = "invalidated";
            }
            engine.release(this, Cause.INVALIDATED, abort);
        }
    }

    /**
     * The engine's watchdog: a read blocked past the lease's own read timeout, or else the pool's.
     * A lease whose own timeout is short has SO_TIMEOUT set instead, and the watchdog leaves it alone.
     */
    boolean readBlockedSince(long now, long timeoutNanos) {
        long started = readStartedAt;
        if (started == 0 || readTimeoutChanged) {
            return false;
        }
        long own = ownReadTimeoutNanos;
        long timeout = own >= 0 ? own : timeoutNanos;
        return timeout > 0 && now - started >= timeout;
    }

    /**
     * The engine's watchdog ends a read that outlived the read timeout: it shuts the socket's input
     * down (which takes none of the reader's locks), the blocked read returns, and the reader gets a
     * {@code SocketTimeoutException}. The connection is broken; its borrower's close() closes it
     * gracefully, as a timed-out read always did.
     */
    void timeOutRead() {
        if (!readTimedOut) {
            readTimedOut = true;
            try {
                conn.channel().shutdownInput();
            } catch (IOException | RuntimeException e) {
                // closed already: the read has ended anyway
            }
        }
    }

    /** @return whether a read timed out, so that this side closes first */
    boolean readTimedOut() {
        return readTimedOut;
    }

    private SocketTimeoutException readTimedOutFailure() {
        brokenBy = Cause.BROKEN;
        long own = ownReadTimeoutNanos;
        return new SocketTimeoutException(conn + ": read timed out: no byte from the peer within the read timeout ("
                + (own > 0 ? own / 1_000_000L + " ms, this lease's" : engine.readTimeoutMillis() + " ms") + ")");
    }

    /** The engine's watchdog: a write blocked past the write timeout. */
    boolean writeBlockedSince(long now, long timeoutNanos) {
        long started = writeStartedAt;
        return started != 0 && now - started >= timeoutNanos;
    }

    /** Ends the lease from the engine (write timeout, pool closed), closing the socket at once. */
    boolean abort(String because) {
        if (state.compareAndSet(LIVE, ENDED)) {
            abortedBecause = because;
            return true;
        }
        return false;
    }

    @Override
    public String toString() {
        return conn + (ended() ? " (returned)" : " (borrowed)");
    }

    private void checkLive() {
        if (state.get() == ENDED) {
            String why = abortedBecause;
            throw new IllegalStateException(conn + (why == null ? " was already given back to the pool;"
                    + " borrow a new connection instead of keeping a reference to this one"
                    : " was closed by the pool (" + why + "); borrow a new connection"));
        }
    }

    private IOException failed(IOException e, String op) {
        String why = abortedBecause;
        if (why != null && (e instanceof ClosedChannelException || e instanceof SocketException)) {
            IOException clear = "write timeout".equals(why)
                    ? new SocketTimeoutException(conn + ": " + op + " blocked longer than the write timeout ("
                            + engine.writeTimeoutMillis() + " ms); the peer is not reading. The connection was"
                            + " closed with a reset")
                    : new SocketException(conn + ": " + op + " failed because the connection was " + why
                            + " while it was blocked; it was closed with a reset");
            clear.initCause(e);
            brokenBy = Cause.BROKEN;
            return clear;
        }
        if (brokenBy == null) {
            brokenBy = Cause.BROKEN;
        }
        return e;
    }

    private void sawEndOfStream() {
        if (brokenBy == null) {
            brokenBy = Cause.PEER_CLOSED;
        }
    }

    private final class WatchedInput extends InputStream {
        /** For read(): the lease has one borrower at a time. */
        private final byte[] one = new byte[1];

        @Override
        public int read() throws IOException {
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            checkLive();
            java.util.Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) {
                return 0;
            }
            int first = conn.takePushback();
            if (first >= 0) {
                b[off] = (byte) first;
                return 1;
            }
            readStartedAt = System.nanoTime() | 1;
            try {
                int n = conn.in().read(b, off, len);
                if (n < 0) {
                    if (readTimedOut) {
                        throw readTimedOutFailure();
                    }
                    sawEndOfStream();
                }
                return n;
            } catch (SocketTimeoutException e) {
                if (brokenBy == null) {
                    brokenBy = Cause.BROKEN;
                }
                throw e;
            } catch (IOException e) {
                if (readTimedOut) {
                    throw readTimedOutFailure();
                }
                throw failed(e, "read");
            } finally {
                readStartedAt = 0;
            }
        }

        @Override
        public int available() throws IOException {
            checkLive();
            int held = conn.hasPushback() ? 1 : 0;
            try {
                return held + conn.in().available();
            } catch (IOException e) {
                throw failed(e, "available");
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
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            checkLive();
            writeStartedAt = System.nanoTime() | 1;
            try {
                conn.out().write(b, off, len);
            } catch (IOException e) {
                throw failed(e, "write");
            } finally {
                writeStartedAt = 0;
            }
        }

        @Override
        public void flush() {
            checkLive();
        }

        @Override
        public void close() {
            // See WatchedInput.close.
        }
    }
}
