package dev.portkeeper.httpclient5;

import dev.portkeeper.Endpoint;
import dev.portkeeper.PooledConnection;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Iterator;
import org.apache.hc.client5.http.EndpointInfo;
import org.apache.hc.client5.http.HttpRoute;
import org.apache.hc.client5.http.io.ConnectionEndpoint;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.HeaderElements;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.HttpMessage;
import org.apache.hc.core5.http.HttpVersion;
import org.apache.hc.core5.http.ProtocolException;
import org.apache.hc.core5.http.ProtocolVersion;
import org.apache.hc.core5.http.impl.io.HttpRequestExecutor;
import org.apache.hc.core5.http.message.MessageSupport;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.Timeout;

/**
 * One lease as HttpClient sees it. It is handed out unconnected by
 * {@link PortkeeperConnectionManager#lease}; {@link PortkeeperConnectionManager#connect} borrows
 * the pooled socket, so that the pool's own exceptions ({@code PortExhaustedException},
 * {@code AcquireTimeoutException}) reach the caller as they are, not wrapped in HttpClient's
 * {@code RequestFailedException}. Used by the executing thread, but {@link #close(CloseMode)} may
 * come from another (a cancelled request), which aborts the socket at once.
 */
final class PortkeeperEndpoint extends ConnectionEndpoint {
    /** Bytes the server may send between a response with {@code Connection: close} and its FIN (a TLS alert). */

    final HttpRoute route;
    final Endpoint endpoint;
    final Timeout requestTimeout;
    private volatile PooledConnection lease;
    private volatile BoundHttpConnection bound;
    private volatile Thread borrower;
    private boolean reused;
    /** The last exchange read its response to the end: the connection is in step. */
    private volatile boolean responseEnded;
    /** The last exchange asked for, or was told of, the end of the connection. */
    private boolean peerWillClose;

    PortkeeperEndpoint(HttpRoute route, Endpoint endpoint, Timeout requestTimeout) {
        this.route = route;
        this.endpoint = endpoint;
        this.requestTimeout = requestTimeout;
    }

    /** Called by the manager once the pooled socket is borrowed and bound. */
    void bind(PooledConnection value, BoundHttpConnection connection, boolean wasReused) {
        borrower = Thread.currentThread();
        bound = connection;
        reused = wasReused;
        lease = value;
    }

    PooledConnection lease() {
        return lease;
    }

    BoundHttpConnection bound() {
        return bound;
    }

    @Override
    public boolean isConnected() {
        PooledConnection l = lease;
        BoundHttpConnection b = bound;
        return l != null && b != null && !l.isBroken() && b.conn.isOpen();
    }

    @Override
    public void setSocketTimeout(Timeout timeout) {
        BoundHttpConnection b = bound;
        if (b != null) {
            b.conn.setSocketTimeout(timeout);
        }
    }

    @Override
    public EndpointInfo getInfo() {
        BoundHttpConnection b = bound;
        if (b == null || !b.conn.isOpen()) {
            return null;
        }
        ProtocolVersion version = b.conn.getProtocolVersion();
        return new EndpointInfo(version != null ? version : HttpVersion.HTTP_1_1, b.conn.getSSLSession());
    }

    @Override
    @Deprecated
    public ClassicHttpResponse execute(String id, ClassicHttpRequest request, HttpRequestExecutor executor,
            HttpContext context) throws IOException, HttpException {
        return execute(id, request, (RequestExecutor) executor::execute, context);
    }

    @Override
    public ClassicHttpResponse execute(String id, ClassicHttpRequest request, RequestExecutor requestExecutor,
            HttpContext context) throws IOException, HttpException {
        PooledConnection l = lease;
        BoundHttpConnection b = bound;
        if (l == null || b == null) {
            throw new IllegalStateException("Endpoint to " + endpoint + " is not connected");
        }
        refuseLineBreaks(request);
        boolean closeRequested = hasToken(request, HttpHeaders.CONNECTION, HeaderElements.CLOSE);
        if (!closeRequested && (l.isLastUse() || b.lastUseAge != null && l.age().compareTo(b.lastUseAge) >= 0)) {
            // The connection's lifetime is over: let the server close it, so that TIME_WAIT lands there.
            // (This replaces the "keep-alive" HttpClient's RequestClientConnControl puts on every request.)
            request.setHeader(HttpHeaders.CONNECTION, HeaderElements.CLOSE);
            closeRequested = true;
        }
        responseEnded = false;
        peerWillClose = closeRequested;
        b.counter.reset();
        ClassicHttpResponse response;
        try {
            response = requestExecutor.execute(request, b.conn, context);
        } catch (IOException e) {
            throw classify(e, request, l, b);
        }
        if (hasToken(response, HttpHeaders.CONNECTION, HeaderElements.CLOSE)
                || response.getVersion() != null && response.getVersion().lessEquals(HttpVersion.HTTP_1_0)
                        && !hasToken(response, HttpHeaders.CONNECTION, HeaderElements.KEEP_ALIVE)) {
            peerWillClose = true;
        }
        HttpEntity entity = response.getEntity();
        if (entity == null) {
            responseEnded = true;
        } else {
            response.setEntity(new ResponseEndEntity(entity, () -> responseEnded = true));
        }
        return response;
    }

    /** @return whether a header of that name lists the token (case-insensitive), e.g. Connection: close */
    static boolean hasToken(HttpMessage message, String header, String token) {
        Iterator<String> it = MessageSupport.iterateTokens(message, header);
        while (it.hasNext()) {
            if (token.equalsIgnoreCase(it.next())) {
                return true;
            }
        }
        return false;
    }

    private IOException classify(IOException e, ClassicHttpRequest request, PooledConnection l,
            BoundHttpConnection b) {
        if (b.counter.read() > 0 || e instanceof UnansweredRequestException || e instanceof ResponseTimeoutException) {
            return e; // the response had begun: what failed is HttpCore's to say
        }
        String uri = request.getRequestUri();
        // A timeout while the request was still being written (the socket policy's write timeout, a
        // peer that does not read) is not a response timeout: the cause says which it was.
        if (e instanceof SocketTimeoutException && b.counter.written() > 0 && !b.counter.writeFailed()) {
            Duration timeout;
            try {
                timeout = l.readTimeout();
            } catch (IOException | RuntimeException ignored) {
                timeout = null;
            }
            return new ResponseTimeoutException(endpoint, request.getMethod(), uri,
                    timeout == null ? "unknown" : timeout.toMillis() + " ms", e);
        }
        return new UnansweredRequestException(endpoint, request.getMethod(), uri, b.counter.written() > 0, reused,
                l.useCount(), e);
    }

    /**
     * Gives the socket back to the pool for reuse (HttpClient released it as reusable).
     *
     * @param reusableUntilNanos System.nanoTime() after which it must not be reused, or Long.MAX_VALUE
     */
    void giveBack(long reusableUntilNanos) {
        PooledConnection l = lease;
        BoundHttpConnection b = bound;
        if (l == null) {
            return;
        }
        lease = null;
        if (b != null) {
            b.reusableUntil = reusableUntilNanos;
            b.socket.unlease();
        }
        l.close();
    }

    /**
     * Ends the lease without reuse. After a complete exchange whose response (or request) said
     * {@code Connection: close}, the server closes first: wait briefly for its FIN so that the pool
     * sees a PEER close (TIME_WAIT on the server). Otherwise, or from another thread, invalidate.
     */
    @Override
    public void close(CloseMode closeMode) {
        PooledConnection l = lease;
        if (l == null) {
            return;
        }
        lease = null;
        BoundHttpConnection b = bound;
        boolean sameThread = Thread.currentThread() == borrower;
        if (b == null || !sameThread || !responseEnded || !peerWillClose || l.isBroken()) {
            if (b != null && sameThread) {
                b.socket.unlease();
            }
            if (l.isBroken()) {
                l.close(); // the pool discards it and knows why (the peer's FIN, a reset)
            } else {
                l.invalidate();
            }
            return;
        }
        awaitPeerClose(l, b);
    }

    @Override
    public void close() {
        close(CloseMode.GRACEFUL);
    }

    private void awaitPeerClose(PooledConnection l, BoundHttpConnection b) {
        b.socket.unlease();
        if (b.bufferedBytes() > 0) {
            l.invalidate(); // HttpCore holds bytes past the response: out of step
            return;
        }
        // The server was told Connection: close: the pool waits for its FIN on its own close thread
        // (at most peerCloseTimeout) and records a PEER close; this thread goes on at once.
        l.closeWhenPeerCloses();
    }

    /**
     * A header name or value with CR, LF or NUL would let whoever chose it write headers or a
     * request of their own into the connection (header injection, request smuggling); HttpCore
     * writes them as they are, so they are refused here, before a byte is sent.
     */
    private static void refuseLineBreaks(ClassicHttpRequest request) throws ProtocolException {
        for (java.util.Iterator<org.apache.hc.core5.http.Header> it = request.headerIterator(); it.hasNext(); ) {
            org.apache.hc.core5.http.Header h = it.next();
            if (hasLineBreak(h.getName()) || hasLineBreak(h.getValue())) {
                throw new ProtocolException("Header " + h.getName().replaceAll("[\\r\\n\\x00]", "?")
                        + " contains CR, LF or NUL; refused before sending anything (it would end the header and let"
                        + " its content write headers or a request of its own)");
            }
        }
    }

    private static boolean hasLineBreak(String s) {
        if (s == null) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\r' || c == '\n' || c == 0) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        BoundHttpConnection b = bound;
        return "PortkeeperEndpoint[" + route + (b != null ? ", " + b : "") + (lease != null ? ", leased" : "") + "]";
    }
}
