package dev.portkeeper.httpclient5;

import dev.portkeeper.Endpoint;
import java.net.SocketTimeoutException;

/**
 * No byte of the response arrived within the response timeout (HttpClient's
 * {@code RequestConfig.responseTimeout}, the socket's read timeout during the exchange). The
 * request was sent, so the server may have received and processed it; it is never retried
 * automatically (a slow server is not a stale connection), and the connection is discarded.
 * A {@link SocketTimeoutException}, as HttpClient reports it; the original is the cause.
 */
public final class ResponseTimeoutException extends SocketTimeoutException {
    private static final long serialVersionUID = 1L;

    /** The endpoint; not serialized. */
    private final transient Endpoint endpoint;
    /** The request's method. */
    private final String method;

    ResponseTimeoutException(Endpoint endpoint, String method, String uri, String timeout, Throwable cause) {
        super(method + " " + uri + " to " + endpoint + ": no response within the response timeout (" + timeout
                + "). The request was sent: the server may have received and processed it. The connection was"
                + " discarded.");
        initCause(cause);
        this.endpoint = endpoint;
        this.method = method;
    }

    /** @return the endpoint (host and port) the request went to */
    public Endpoint endpoint() {
        return endpoint;
    }

    /** @return the request's method */
    public String method() {
        return method;
    }

    /** @return always true: the request was sent before the wait for its response began */
    public boolean mayHaveReachedServer() {
        return true;
    }
}
