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
 *     c.output().flush();
 *     int n = c.input().read(buffer);
 * }
 * }</pre>
 *
 * <p>The pool watches what the streams see: an end of stream (the peer closed) or any I/O error
 * (a reset, a read timeout) marks the connection broken, and {@code close()} then discards it
 * instead of giving it back. Closing a stream does not close the connection.
 *
 * <p>A lease is for one borrower. After {@code close()} or {@link #invalidate()} the streams
 * throw {@link IllegalStateException}: the socket may already serve someone else.
 */
public interface PooledConnection extends Closeable {

    /** @return the stream to read from the peer; reads honour the policy's read timeout */
    InputStream input();

    /** @return the stream to write to the peer; not buffered, so wrap it or write whole messages */
    OutputStream output();

    /**
     * Gives the connection back to the pool, or discards it if it was seen broken or has outlived
     * its lifetime. Idempotent; never throws.
     */
    @Override
    void close();

    /**
     * Discards the connection instead of giving it back: use it when the protocol is out of step
     * (a half-read response, an aborted request). Idempotent; never throws.
     */
    void invalidate();

    /** @return whether a stream saw an end of stream or an I/O error, so that close() will discard it */
    boolean isBroken();

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
}
