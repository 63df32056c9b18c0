package dev.portkeeper;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Objects;

/**
 * Asks the peer of a pooled connection, in the peer's own protocol, to close the connection
 * first, so that the peer sends the first FIN and keeps the TIME_WAIT: the strategy
 * {@link ClosePolicy.Strategy#PEER_FIRST}. Ready-made hooks: {@link #memcached()}, {@link #redis()},
 * {@link #of(String, byte[], int)}.
 *
 * <p>How the pool uses it: only on a connection at rest (idle in the pool, or just given back in
 * step by its borrower) with nothing unread, it calls {@link #requestClose(OutputStream)} once;
 * then it reads and discards whatever the peer sends before its FIN, at most
 * {@link #maxReplyBytes()} bytes (Redis answers {@code +OK}), and waits for the FIN at most
 * {@link ClosePolicy#peerCloseTimeout()} on a background thread. If the request
 * cannot be written, the reply is longer, or no FIN comes in time, the pool closes the
 * connection itself (GRACEFUL) and reports the fallback.
 *
 * <p>Nothing here is specific to text protocols: any protocol in which the server closes after
 * a request fits. An HTTP/1.1 client could, for instance, send a last request with
 * {@code Connection: close} and cover its response with {@code maxReplyBytes}.
 *
 * <p>Implementations must be thread-safe (one hook serves every connection of a pool), quick,
 * and must not keep the stream.
 */
public interface PeerCloseHook {
    /** Default of {@link #maxReplyBytes()}. */
    int DEFAULT_MAX_REPLY_BYTES = 1024;

    /** @return a short name for logs and errors, e.g. {@code memcached} */
    String name();

    /**
     * Writes the request that makes the peer close the connection, e.g. {@code quit\r\n}.
     *
     * @param out the connection's output; it never blocks: a write that does not fit into the
     *     socket's send buffer fails with an {@link IOException} (the peer is not reading)
     * @throws IOException if the request cannot be written; the pool then closes the connection itself
     */
    void requestClose(OutputStream out) throws IOException;

    /**
     * @return how many bytes the peer may send after the request and before its FIN; they are
     *     read and discarded. Default {@value #DEFAULT_MAX_REPLY_BYTES}
     */
    default int maxReplyBytes() {
        return DEFAULT_MAX_REPLY_BYTES;
    }

    /**
     * memcached's text protocol: {@code quit\r\n}, which the server answers by closing the
     * connection, with no reply. (The binary protocol's quit is not covered.)
     *
     * @return the hook, named {@code memcached}
     */
    static PeerCloseHook memcached() {
        return FixedCloseRequest.MEMCACHED;
    }

    /**
     * Redis (RESP, inline command): {@code QUIT\r\n}, which the server answers with
     * {@code +OK\r\n} and then closes; the reply is read and discarded. Redis 7.2 deprecates
     * {@code QUIT} for clients that can close themselves, but still serves it, and it is the
     * only way to make the server close first. Do not use it on connections in subscribe mode.
     *
     * @return the hook, named {@code redis}
     */
    static PeerCloseHook redis() {
        return FixedCloseRequest.REDIS;
    }

    /**
     * A hook that writes the same bytes each time.
     *
     * @param name a short name for logs
     * @param request the close request, e.g. {@code "quit\r\n"} in the protocol's encoding; copied
     * @param maxReplyBytes how many bytes the peer may answer before its FIN, 0 or more
     * @return the hook
     * @throws IllegalArgumentException if the name is blank, the request empty or maxReplyBytes negative
     */
    static PeerCloseHook of(String name, byte[] request, int maxReplyBytes) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(request, "request");
        if (name.isBlank()) {
            throw new IllegalArgumentException("name must not be blank");
        }
        if (request.length == 0) {
            throw new IllegalArgumentException("request of hook " + name + " must not be empty");
        }
        if (maxReplyBytes < 0) {
            throw new IllegalArgumentException("maxReplyBytes of hook " + name + " must not be negative: "
                    + maxReplyBytes);
        }
        return new FixedCloseRequest(name, request.clone(), maxReplyBytes);
    }
}
