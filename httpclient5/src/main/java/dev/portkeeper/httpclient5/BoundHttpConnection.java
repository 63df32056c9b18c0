package dev.portkeeper.httpclient5;

import dev.portkeeper.PooledConnection;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import javax.net.ssl.SSLSocket;
import org.apache.hc.client5.http.io.ManagedHttpClientConnection;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.Timeout;

/**
 * What one pooled socket carries for HTTP, attached to it for its whole life: the
 * {@link LeaseSocket} adapter, the TLS socket layered on it once (so reuse skips the handshake),
 * and HttpCore's connection bound to them with its session buffers.
 *
 * <p>{@link #bufferedBytes()} asks HttpCore's buffer (and the TLS layer's) whether it holds bytes
 * it has not consumed, with no I/O: the adapter answers reads with an immediate timeout while it
 * asks. HttpCore does not say how many, so the answer is 1 (some) or 0 (none): the pool only needs
 * to know that a connection at rest is out of step.
 */
final class BoundHttpConnection implements PooledConnection.Attachment {
    final LeaseSocket socket;
    final SSLSocket sslSocket;
    final ExchangeCounter counter;
    final ManagedHttpClientConnection conn;
    /** The TLS identity of this socket: null for plain http, else the manager's TLS strategy. */
    final Object tlsKey;
    /** System.nanoTime() after which the server may have closed it (Keep-Alive: timeout less a margin). */
    volatile long reusableUntil = Long.MAX_VALUE;
    /** The age from which its requests ask the server to close it: before the pool would retire it. */
    final Duration lastUseAge;

    BoundHttpConnection(LeaseSocket socket, SSLSocket sslSocket, ExchangeCounter counter,
            ManagedHttpClientConnection conn, Object tlsKey, Duration lastUseAge) {
        this.socket = socket;
        this.sslSocket = sslSocket;
        this.counter = counter;
        this.conn = conn;
        this.tlsKey = tlsKey;
        this.lastUseAge = lastUseAge;
    }

    /**
     * The pool retires a connection at a lifetime drawn from {@code [maxLifetime × (1 − jitter),
     * maxLifetime]}, which it does not tell; an idle connection past it is closed by the pool itself
     * at the next borrow, from this side (TIME_WAIT here). So the HTTP layer ends each connection a
     * little earlier, at an age drawn from {@code [h × (1 − jitter), h]} with
     * {@code h = maxLifetime × (1 − max(jitter, 2 %))}: below any lifetime the pool may have drawn,
     * and still spread, so that connections opened together do not all end together.
     *
     * @return the age from which a connection's requests carry {@code Connection: close}; null for no limit
     */
    static Duration lastUseAge(Duration maxLifetime, double jitter) {
        if (maxLifetime.isZero()) {
            return null;
        }
        double high = maxLifetime.toNanos() * (1 - Math.max(jitter, 0.02));
        double low = high * (1 - jitter);
        return Duration.ofNanos((long) (low + (high - low) * ThreadLocalRandom.current().nextDouble()));
    }

    @Override
    public int bufferedBytes() {
        if (!conn.isOpen()) {
            return 0;
        }
        try {
            return socket.probe(() -> conn.isDataAvailable(Timeout.ONE_MILLISECOND)) ? 1 : 0;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    @Override
    public void detached() {
        socket.kill();
        conn.close(CloseMode.IMMEDIATE);
    }

    @Override
    public String toString() {
        return conn + (sslSocket != null ? " (TLS)" : "");
    }
}
