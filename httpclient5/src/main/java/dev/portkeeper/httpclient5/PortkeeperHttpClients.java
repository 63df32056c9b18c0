package dev.portkeeper.httpclient5;

import dev.portkeeper.ConnectionPool;
import java.util.Objects;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;

/**
 * Apache HttpClient 5 classic over Portkeeper's connections: {@link #custom()} returns HttpClient's
 * own {@link HttpClientBuilder}, already wired, so redirects, auth, cookies, content decoding and
 * the rest stay HttpClient's.
 *
 * <pre>{@code
 * try (CloseableHttpClient client = PortkeeperHttpClients.custom().build()) {
 *     String body = client.execute(new HttpGet("https://api.example.com/items"),
 *             response -> EntityUtils.toString(response.getEntity()));
 * }
 * }</pre>
 *
 * <p>What {@link #wire} sets: the {@link PortkeeperConnectionManager}, the
 * {@link PortkeeperKeepAliveStrategy} and the {@link PortkeeperRetryStrategy} (a stale reused
 * connection is retried at once for idempotent requests, nothing else is retried). To keep a
 * retry strategy of your own for the other cases, set
 * {@code new PortkeeperRetryStrategy(yours)} after wiring. {@code Connection: close} on a
 * connection's last request is added by the connection manager itself, so no interceptor is
 * needed and a builder wired by hand with only the manager gets it too.
 */
public final class PortkeeperHttpClients {
    private PortkeeperHttpClients() {
    }

    /** @return HttpClient's builder wired to a connection manager with a pool of its own, closed with the client */
    public static HttpClientBuilder custom() {
        return wire(HttpClientBuilder.create(), PortkeeperConnectionManager.builder().build());
    }

    /**
     * @param pool a pool others may share: closing the client leaves it open
     * @return HttpClient's builder wired to a connection manager over that pool
     */
    public static HttpClientBuilder custom(ConnectionPool pool) {
        return wire(HttpClientBuilder.create(), PortkeeperConnectionManager.builder().pool(pool).build());
    }

    /**
     * Wires an existing builder: connection manager, keep-alive strategy, retry strategy. Closing
     * the client closes the manager, which closes its pool only if it built it.
     *
     * @param builder HttpClient's builder
     * @param manager the connection manager
     * @return the builder
     */
    public static HttpClientBuilder wire(HttpClientBuilder builder, PortkeeperConnectionManager manager) {
        Objects.requireNonNull(builder, "builder");
        Objects.requireNonNull(manager, "manager");
        return builder.setConnectionManager(manager)
                .setKeepAliveStrategy(PortkeeperKeepAliveStrategy.INSTANCE)
                .setRetryStrategy(new PortkeeperRetryStrategy());
    }
}
