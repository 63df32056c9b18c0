package dev.portkeeper;

import java.io.Closeable;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * A connection lent by a {@link ConnectionPool}: use its streams, then {@link #close()} it to
 * give it back.
 *
 * <pre>{@code
 * try (PooledConnection c = pool.borrow(endpoint)) {
 *     c.output().write(request);
 *     int n = c.input().read(buffer);
 * }
 * }</pre>
 *
 * <p>The pool watches what the streams see: an end of stream (the peer closed) or any I/O error
 * (a reset, a read or write timeout) marks the connection broken, and {@code close()} then
 * discards it instead of giving it back. Closing a stream does not close the connection.
 *
 * <p>The bytes on the socket belong to the borrower: the pool's check on borrow never consumes
 * any (see {@link ConnectionPool#borrow(Endpoint)}), so a server's greeting is read whole.
 *
 * <p>A lease is for one borrower. After {@code close()} or {@link #invalidate()} the streams
 * throw {@link IllegalStateException}: the socket may already serve someone else.
 * {@link #invalidate()} may be called from any thread; every other method belongs to the
 * borrowing thread.
 */
public interface PooledConnection extends Closeable {

    /**
     * @return the stream to read from the peer; reads honour the policy's read timeout, and bytes
     *     the pool's check saw are returned first
     */
    InputStream input();

    /**
     * @return the stream to write to the peer; not buffered, so wrap it or write whole messages;
     *     writes honour the policy's write timeout, if one is set
     */
    OutputStream output();

    /**
     * Gives the connection back to the pool, or discards it if it was seen broken or has outlived
     * its lifetime. Idempotent; never throws.
     */
    @Override
    void close();

    /**
     * Gives the connection back to be closed once the peer has closed it: for a protocol that has
     * asked the peer to close (HTTP's {@code Connection: close} on the last request, a {@code QUIT}),
     * so that the peer sends the first FIN and keeps the TIME_WAIT. The pool waits for the peer's
     * FIN on its close thread, never on the caller's, at most the endpoint's
     * {@link ClosePolicy#peerCloseTimeout()}, and closes it itself if none comes (a fallback,
     * reported in the {@link ConnectionClosed} event). The connection must be in step: the last
     * response read whole. Idempotent with {@link #close()} and {@link #invalidate()}: the first
     * of them wins; never throws.
     */
    void closeWhenPeerCloses();

    /**
     * @return how long until the pool retires this connection for its age ({@code maxLifetime}
     *     less its jitter), zero when it is due; empty when connections have no lifetime. A
     *     protocol can ask the peer to close on a connection's last request before it is due.
     */
    java.util.Optional<Duration> remainingLifetime();

    /**
     * Discards the connection instead of giving it back: use it when the protocol is out of step
     * (a half-read response, an aborted request). Safe from any thread: called while a read or a
     * write is blocked on the connection (from a watchdog, a cancelled task), it closes the socket
     * at once with a reset, and the blocked call fails at once with a {@link java.net.SocketException}
     * that says the connection was invalidated. Idempotent; never throws.
     */
    void invalidate();

    /** @return whether a stream saw an end of stream or an I/O error, so that close() will discard it */
    boolean isBroken();

    /**
     * @return whether the pool will retire this connection when it is given back (its lifetime is
     *     over and the churn guard lets it go): a protocol that can ask the peer to close after a
     *     request (HTTP's {@code Connection: close}) should do so now, so that the peer closes
     *     first and the TIME_WAIT lands there
     */
    boolean isLastUse();

    /**
     * Sets the read timeout for this lease only, for a protocol whose requests carry their own
     * response timeout; the {@link SocketPolicy#readTimeout()} applies again from the next lease.
     * A read that times out fails with a {@link java.net.SocketTimeoutException} and leaves the
     * connection broken. A timeout under 200 ms is the socket's {@code SO_TIMEOUT}, precise to the
     * millisecond; from 200 ms on the pool's watchdog keeps it, as it keeps the policy's read
     * timeout: the read is a plain blocking one (a timed read on a socket channel costs four
     * {@code fcntl} calls and a {@code poll} more), ended within a quarter of the timeout after it
     * runs out (within a second for long ones).
     *
     * @param timeout zero to wait forever, or at least 1 ms (at most {@link Integer#MAX_VALUE} ms)
     * @throws java.net.SocketException if the socket refuses it (it is closed)
     * @throws IllegalArgumentException if the timeout is negative, below 1 ms but not zero, or too long
     */
    void setReadTimeout(Duration timeout) throws java.net.SocketException;

    /**
     * @return the read timeout in force on this lease
     * @throws java.net.SocketException if the socket is closed
     */
    Duration readTimeout() throws java.net.SocketException;

    /** @return the endpoint this connection goes to */
    Endpoint endpoint();

    /** @return how long ago the connection was opened */
    Duration age();

    /** @return how many times it has been lent, counting this lease (1 for a new connection) */
    long useCount();

    /** @return the local address and ephemeral port */
    InetSocketAddress localAddress();

    /** @return the peer's address and port */
    InetSocketAddress remoteAddress();

    /**
     * @return the protocol layer's state attached to this socket by an earlier (or this) lease,
     *     or null when none is attached
     */
    Attachment attachment();

    /**
     * Attaches a protocol layer's state to the socket for the rest of its life: later leases of
     * the same socket see it through {@link #attachment()}, and the pool's checks take part of it
     * (see {@link Attachment}). Replaces an earlier attachment, which is then closed.
     *
     * @param attachment the state, or null to detach (and close) the current one
     */
    void attach(Attachment attachment);

    /**
     * Per-connection state of a protocol layer that lives as long as the pooled socket, not one
     * lease: an HTTP connection object with its read buffer, a negotiated protocol version, a
     * session. The pool's checks count the bytes it has buffered as unread: a connection at rest
     * whose attachment holds bytes is out of step and is discarded at borrow (as when bytes wait
     * on the socket), and is never closed with a reset.
     *
     * <p>Its methods are called by the pool, on the thread that borrows, gives back or closes the
     * connection, while no borrower uses it; they must be fast and must not do I/O on the socket.
     */
    interface Attachment {

        /** @return bytes this layer has read from the socket and not yet consumed; 0 when none */
        int bufferedBytes();

        /**
         * The socket is being closed (or this attachment replaced): release what it holds.
         * Called at most once. The default does nothing.
         */
        default void detached() {
        }
    }
}
