package dev.portkeeper.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.portkeeper.ConnectFailedException;
import dev.portkeeper.ConnectionPool;
import dev.portkeeper.Endpoint;
import dev.portkeeper.PooledConnection;
import dev.portkeeper.PortExhaustedException;
import dev.portkeeper.PortkeeperException;
import dev.portkeeper.metrics.EchoServer;
import dev.portkeeper.metrics.PoolMetrics;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The breaker per endpoint against a port with no listener (connection refused), which opens it
 * so that borrows fail fast naming the endpoint and the state, and a server that comes back on
 * that port, which closes it again after a trial connect; a {@link PortExhaustedException} never
 * counts against the endpoint.
 */
@Timeout(60)
class EndpointCircuitBreakersTest {

    private static final CircuitBreakerConfig FAST = CircuitBreakerConfig.from(EndpointCircuitBreakers.DEFAULT_CONFIG)
            .slidingWindowSize(4).minimumNumberOfCalls(3).waitDurationInOpenState(Duration.ofMillis(200))
            .permittedNumberOfCallsInHalfOpenState(1).build();

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void refusedConnectsOpenTheBreakerAndAServerThatComesBackClosesIt() throws Exception {
        EndpointCircuitBreakers breakers = EndpointCircuitBreakers.of(FAST);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new CircuitBreakerMetrics(breakers).bindTo(registry);
        PoolMetrics metrics = new PoolMetrics();
        int port = freePort();
        Endpoint endpoint = Endpoint.of("127.0.0.1", port);
        try (ConnectionPool pool = ConnectionPool.builder().name("breaker").connectGuard(breakers).listener(metrics)
                .build()) {
            metrics.attach(pool).bindTo(registry);
            for (int i = 0; i < 3; i++) {
                assertThatThrownBy(() -> pool.borrow(endpoint)).isInstanceOf(ConnectFailedException.class)
                        .hasMessageContaining(endpoint.toString());
            }
            CircuitBreaker breaker = breakers.breaker(endpoint);
            assertThat(breaker.getName()).isEqualTo("127.0.0.1:" + port);
            assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.OPEN);

            assertThatThrownBy(() -> pool.borrow(endpoint)).isInstanceOfSatisfying(CircuitOpenException.class, e -> {
                assertThat(e).isInstanceOf(PortkeeperException.class);
                assertThat(e.endpoint()).isEqualTo(endpoint);
                assertThat(e.state()).isEqualTo("OPEN");
                assertThat(e.failureRate()).isEqualTo(100f);
                assertThat(e.getMessage()).startsWith("Circuit breaker for 127.0.0.1:" + port + " is OPEN")
                        .contains("3 of the last 3 connects failed").contains("after 200 ms open");
            });
            assertThat(registry.get("portkeeper.connections.acquire.failures").tags("cause", "circuit_open").counter()
                    .count()).isEqualTo(1);
            assertThat(registry.get("portkeeper.connections.acquire.failures").tags("cause", "connect_failed")
                    .counter().count()).isEqualTo(3);
            assertThat(registry.get("resilience4j.circuitbreaker.state").tags("name", endpoint.toString(), "state",
                    "open").gauge().value()).isEqualTo(1);

            try (EchoServer server = EchoServer.start(port)) {
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).ignoreException(
                        CircuitOpenException.class).untilAsserted(() -> {
                            try (PooledConnection c = pool.borrow(endpoint)) {
                                assertThat(c).isNotNull();
                            }
                        });
                assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
                await().atMost(Duration.ofSeconds(10)).until(() -> server.accepted() == 1);   // its accept thread counts
                assertThat(registry.get("resilience4j.circuitbreaker.state").tags("name", endpoint.toString(), "state",
                        "closed").gauge().value()).isEqualTo(1);
            }
        }
    }

    @Test
    void portExhaustionIsAFailureOfThisHostAndNeverOpensTheBreaker() throws Exception {
        // Resilience4j's defaults, which ignore nothing: the guard itself keeps exhaustion out.
        CircuitBreakerRegistry registry = CircuitBreakerRegistry.of(CircuitBreakerConfig.custom()
                .slidingWindowSize(2).minimumNumberOfCalls(2).build());
        for (EndpointCircuitBreakers breakers : new EndpointCircuitBreakers[] {EndpointCircuitBreakers.of(registry),
                EndpointCircuitBreakers.of(FAST)}) {
            Endpoint endpoint = Endpoint.of("10.0.0.9", 11211);
            for (int i = 0; i < 20; i++) {
                breakers.beforeConnect(endpoint);
                breakers.connectFailed(endpoint, Duration.ofMillis(1), exhausted(endpoint));
            }
            CircuitBreaker breaker = breakers.breaker(endpoint);
            assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
            assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isZero();
            assertThat(breaker.getMetrics().getNumberOfBufferedCalls()).isZero();

            // While half open, an exhaustion gives its permission back: the trial is still to come.
            breaker.transitionToOpenState();
            breaker.transitionToHalfOpenState();
            int permitted = breaker.getCircuitBreakerConfig().getPermittedNumberOfCallsInHalfOpenState();
            for (int i = 0; i < permitted + 3; i++) {
                breakers.beforeConnect(endpoint);
                breakers.connectFailed(endpoint, Duration.ofMillis(1), exhausted(endpoint));
            }
            assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
        }
    }

    private static PortExhaustedException exhausted(Endpoint endpoint) {
        return new PortExhaustedException(endpoint, new InetSocketAddress("10.0.0.9", 11211), 40000, 40999, 1000,
                Map.of("TIME_WAIT", 1000), null, new BindException("Cannot assign requested address"));
    }
}
