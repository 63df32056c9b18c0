package dev.portkeeper.cli;

import dev.portkeeper.ClosePolicy;
import dev.portkeeper.ConnectionPool;
import dev.portkeeper.Endpoint;
import dev.portkeeper.PoolSettings;
import dev.portkeeper.PooledConnection;
import dev.portkeeper.SocketPolicy;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * The demo's short connections: one connection per request, closed by this side first, so each
 * leaves a TIME_WAIT here holding its local port for 60 s. Each is a new connection of a
 * Portkeeper pool that is invalidated after its one request (a graceful close from this side),
 * so when no port is left the failure is the library's {@code PortExhaustedException}, naming the
 * destination, the range and its use, rather than the JDK's bare
 * {@code java.net.BindException: Cannot assign requested address}.
 */
final class ShortConnectionClient implements DemoRequests.Request, AutoCloseable {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final Endpoint server;
    private final ConnectionPool pool;

    ShortConnectionClient(InetSocketAddress server, int concurrency) {
        this.server = Endpoint.of(server);
        this.pool = ConnectionPool.builder().name("demo-short")
                .settings(PoolSettings.custom().maxPerEndpoint(concurrency).maxTotal(concurrency)
                        .acquireTimeout(TIMEOUT).churnGuard(PoolSettings.ChurnGuard.OFF).build())
                .socketPolicy(SocketPolicy.custom().connectTimeout(TIMEOUT).readTimeout(TIMEOUT).build())
                .closePolicy(ClosePolicy.graceful())
                .build();
    }

    @Override
    public void run() throws IOException {
        PooledConnection c = pool.borrow(server);
        try {
            DemoRequests.exchange(c.input(), c.output());
        } finally {
            c.invalidate(); // never reused: the naive client's close after each request
        }
    }

    @Override
    public void close() {
        pool.close();
    }
}
