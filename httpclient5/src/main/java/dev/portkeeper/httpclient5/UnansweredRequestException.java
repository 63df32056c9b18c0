package dev.portkeeper.httpclient5;

import dev.portkeeper.Endpoint;
import java.io.IOException;

/**
 * A request failed before any byte of its response arrived: the connection was closed or reset
 * under it, or it could not be written. Whether the server may have received (and acted on) the
 * request is the question that matters, and {@link #mayHaveReachedServer()} answers it: false
 * only when no byte of the request left this side.
 *
 * <p>The original failure (HttpCore's {@code NoHttpResponseException}, a reset, a broken pipe) is
 * the cause. It is not itself a {@code NoHttpResponseException}: HttpClient's retry stage replaces
 * every such exception it does not retry with a bare one ("host failed to respond"), which would
 * lose what this one says. The connection manager's retry strategy ({@link PortkeeperRetryStrategy}) retries it
 * at once, and only, when it happened on a reused connection and the request is idempotent.
 */
public final class UnansweredRequestException extends IOException {
    private static final long serialVersionUID = 1L;

    /** The endpoint; not serialized. */
    private final transient Endpoint endpoint;
    /** The request's method. */
    private final String method;
    /** Whether the request may have reached the server. */
    private final boolean mayHaveReachedServer;
    /** Whether it was sent on a reused connection. */
    private final boolean reusedConnection;

    UnansweredRequestException(Endpoint endpoint, String method, String uri, boolean mayHaveReachedServer,
            boolean reusedConnection, long useCount, Throwable cause) {
        super(method + " " + uri + " to " + endpoint + ": no response, the connection failed before any byte of it"
                + " arrived (" + cause + ") on a " + (reusedConnection ? "reused connection (use " + useCount + ")"
                        : "new connection") + ". "
                + (mayHaveReachedServer
                        ? "The request was sent: the server may have received and processed it."
                        : "No byte of the request was sent: the server did not receive it."));
        initCause(cause);
        this.endpoint = endpoint;
        this.method = method;
        this.mayHaveReachedServer = mayHaveReachedServer;
        this.reusedConnection = reusedConnection;
    }

    /** @return the endpoint (host and port) the request went to */
    public Endpoint endpoint() {
        return endpoint;
    }

    /** @return the request's method */
    public String method() {
        return method;
    }

    /**
     * @return whether any byte of the request left this side, so that the server may have received
     *     it (and, for a non-idempotent request, acted on it); false means it certainly did not
     */
    public boolean mayHaveReachedServer() {
        return mayHaveReachedServer;
    }

    /**
     * @return whether the connection had served earlier requests: a reused connection may have
     *     been closed by the server while it was idle, the one failure a retry is meant for
     */
    public boolean reusedConnection() {
        return reusedConnection;
    }
}
