package dev.portkeeper.httpclient5;

import java.io.IOException;
import java.util.Objects;
import org.apache.hc.client5.http.HttpRequestRetryStrategy;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.Method;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.util.TimeValue;

/**
 * Retries a request at once, and only, when it failed on a reused connection before any byte of
 * its response arrived ({@link UnansweredRequestException#reusedConnection()}: the server had
 * closed the idle connection as the request went out) and it is idempotent: its method is
 * (GET, HEAD, OPTIONS, TRACE, PUT, DELETE) or the caller marked it with {@link #markIdempotent}.
 * A POST that may have reached the server is never sent twice.
 *
 * <p>Every other decision (other failures, responses such as 503) goes to a delegate: by default
 * one that never retries. HttpClient's own {@code DefaultHttpRequestRetryStrategy} would retry an
 * idempotent request after any {@code NoHttpResponseException} and wait 1 s first; here the stale
 * connection case is retried without waiting, and a user's strategy stays usable for the rest:
 * {@code new PortkeeperRetryStrategy(DefaultHttpRequestRetryStrategy.INSTANCE)}.
 *
 * <p>Immutable and thread-safe.
 */
public final class PortkeeperRetryStrategy implements HttpRequestRetryStrategy {
    /** The context attribute that {@link #markIdempotent} sets. */
    public static final String IDEMPOTENT_ATTRIBUTE = "dev.portkeeper.httpclient5.idempotent";
    /** Default of the number of immediate retries of one request. */
    public static final int DEFAULT_MAX_RETRIES = 2;

    private static final HttpRequestRetryStrategy NEVER = new HttpRequestRetryStrategy() {
        @Override
        public boolean retryRequest(HttpRequest request, IOException exception, int execCount, HttpContext context) {
            return false;
        }

        @Override
        public boolean retryRequest(HttpResponse response, int execCount, HttpContext context) {
            return false;
        }

        @Override
        public TimeValue getRetryInterval(HttpResponse response, int execCount, HttpContext context) {
            return TimeValue.ZERO_MILLISECONDS;
        }
    };

    private final HttpRequestRetryStrategy delegate;
    private final int maxRetries;

    /** Retries only stale reused connections (at most {@value #DEFAULT_MAX_RETRIES} times); nothing else. */
    public PortkeeperRetryStrategy() {
        this(NEVER, DEFAULT_MAX_RETRIES);
    }

    /** @param delegate decides every other case */
    public PortkeeperRetryStrategy(HttpRequestRetryStrategy delegate) {
        this(delegate, DEFAULT_MAX_RETRIES);
    }

    /**
     * @param delegate decides every other case
     * @param maxRetries immediate retries of one request after stale connections, 0 or more (each
     *     stale connection met is discarded, so more than one is only needed after a server restart)
     */
    public PortkeeperRetryStrategy(HttpRequestRetryStrategy delegate, int maxRetries) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        if (maxRetries < 0) {
            throw new IllegalArgumentException("maxRetries must not be negative: " + maxRetries);
        }
        this.maxRetries = maxRetries;
    }

    /**
     * Marks the request executed with this context as idempotent (safe to send twice) whatever its
     * method, e.g. a POST carrying an idempotency key.
     *
     * @param context the request's context
     */
    public static void markIdempotent(HttpContext context) {
        context.setAttribute(IDEMPOTENT_ATTRIBUTE, Boolean.TRUE);
    }

    static boolean isIdempotent(HttpRequest request, HttpContext context) {
        return Method.isIdempotent(request.getMethod())
                || context != null && Boolean.TRUE.equals(context.getAttribute(IDEMPOTENT_ATTRIBUTE));
    }

    private boolean isStaleConnectionRetry(HttpRequest request, IOException exception, int execCount,
            HttpContext context) {
        return exception instanceof UnansweredRequestException
                && ((UnansweredRequestException) exception).reusedConnection()
                && execCount <= maxRetries && isIdempotent(request, context);
    }

    @Override
    public boolean retryRequest(HttpRequest request, IOException exception, int execCount, HttpContext context) {
        if (isStaleConnectionRetry(request, exception, execCount, context)) {
            return true;
        }
        if (exception instanceof UnansweredRequestException || exception instanceof ResponseTimeoutException) {
            UnansweredRequestException u = exception instanceof UnansweredRequestException
                    ? (UnansweredRequestException) exception : null;
            if ((u == null || u.mayHaveReachedServer()) && !isIdempotent(request, context)) {
                return false; // never send twice what may have reached the server, whatever the delegate says
            }
        }
        return delegate.retryRequest(request, exception, execCount, context);
    }

    @Override
    public boolean retryRequest(HttpResponse response, int execCount, HttpContext context) {
        return delegate.retryRequest(response, execCount, context);
    }

    @Override
    public TimeValue getRetryInterval(HttpRequest request, IOException exception, int execCount, HttpContext context) {
        if (isStaleConnectionRetry(request, exception, execCount, context)) {
            return TimeValue.ZERO_MILLISECONDS;
        }
        return delegate.getRetryInterval(request, exception, execCount, context);
    }

    @Override
    public TimeValue getRetryInterval(HttpResponse response, int execCount, HttpContext context) {
        return delegate.getRetryInterval(response, execCount, context);
    }
}
