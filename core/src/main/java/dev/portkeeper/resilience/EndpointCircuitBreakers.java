package dev.portkeeper.resilience;

import dev.portkeeper.ConnectGuard;
import dev.portkeeper.Endpoint;
import dev.portkeeper.PortExhaustedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A Resilience4j circuit breaker per endpoint around the pool's connects (not around the caller's
 * calls on a connection): repeated connect failures open the endpoint's breaker, and a borrow
 * that needs a new connection then fails at once with {@link CircuitOpenException}, which names
 * the endpoint and the breaker's state. Idle connections already open are still lent.
 *
 * <pre>{@code
 * EndpointCircuitBreakers breakers = EndpointCircuitBreakers.ofDefaults();   // or .of(yourRegistry)
 * ConnectionPool pool = ConnectionPool.builder().connectGuard(breakers).build();
 * }</pre>
 *
 * <p>Each endpoint's breaker is {@code registry.circuitBreaker(endpoint.toString())}, so it takes
 * the registry's default configuration (or one configured for that name) and shows in the
 * registry's events and in {@code TaggedCircuitBreakerMetrics} with {@code name=host:port}.
 *
 * <p>What does not count: a {@link PortExhaustedException} is a failure of this host (no local port
 * left), not of the endpoint, and opening the breaker would only hide it; an interrupted connect
 * says nothing about the endpoint either. Both release the breaker's permission without a
 * success or an error, whatever the registry's configuration says.
 *
 * <p>Thread-safe.
 */
public final class EndpointCircuitBreakers implements ConnectGuard {

    /**
     * The defaults, tuned for connects rather than calls: open at 50 % failures over the last 10
     * connects once 5 were seen, stay open 10 s, then let 2 trial connects through. Resilience4j's
     * own defaults wait for 100 calls, far too many for connects to a dead endpoint.
     */
    public static final CircuitBreakerConfig DEFAULT_CONFIG = CircuitBreakerConfig.custom()
            .failureRateThreshold(50)
            .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
            .slidingWindowSize(10)
            .minimumNumberOfCalls(5)
            .waitDurationInOpenState(Duration.ofSeconds(10))
            .permittedNumberOfCallsInHalfOpenState(2)
            .ignoreException(EndpointCircuitBreakers::notTheEndpoints)
            .build();

    private final CircuitBreakerRegistry registry;

    private EndpointCircuitBreakers(CircuitBreakerRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    /** @return breakers from a new registry with {@link #DEFAULT_CONFIG} */
    public static EndpointCircuitBreakers ofDefaults() {
        return new EndpointCircuitBreakers(CircuitBreakerRegistry.of(DEFAULT_CONFIG));
    }

    /**
     * @param config the configuration of every endpoint's breaker
     * @return breakers from a new registry with that configuration
     */
    public static EndpointCircuitBreakers of(CircuitBreakerConfig config) {
        return new EndpointCircuitBreakers(CircuitBreakerRegistry.of(Objects.requireNonNull(config, "config")));
    }

    /**
     * @param registry the registry the breakers come from (its default configuration, or the one
     *     configured for an endpoint's {@code host:port})
     * @return breakers from that registry
     */
    public static EndpointCircuitBreakers of(CircuitBreakerRegistry registry) {
        return new EndpointCircuitBreakers(registry);
    }

    /** @return the registry the breakers live in (for its events, or {@code TaggedCircuitBreakerMetrics}) */
    public CircuitBreakerRegistry registry() {
        return registry;
    }

    /**
     * @param endpoint an endpoint
     * @return its breaker, created on first use
     */
    public CircuitBreaker breaker(Endpoint endpoint) {
        return registry.circuitBreaker(endpoint.toString());
    }

    @Override
    public void beforeConnect(Endpoint endpoint) throws IOException {
        CircuitBreaker breaker = breaker(endpoint);
        if (!breaker.tryAcquirePermission()) {
            CircuitBreaker.Metrics m = breaker.getMetrics();
            long wait = -1;
            try {
                wait = breaker.getCircuitBreakerConfig().getWaitIntervalFunctionInOpenState().apply(1);
            } catch (RuntimeException e) {
                // an interval function of the user's that cannot answer: the message goes without it
            }
            throw new CircuitOpenException(endpoint, breaker.getState().name(), m.getFailureRate(),
                    m.getNumberOfFailedCalls(), m.getNumberOfBufferedCalls(), wait);
        }
    }

    @Override
    public void connected(Endpoint endpoint, Duration took) {
        breaker(endpoint).onSuccess(took.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public void connectFailed(Endpoint endpoint, Duration took, IOException failure) {
        CircuitBreaker breaker = breaker(endpoint);
        if (notTheEndpoints(failure)) {
            breaker.releasePermission();
        } else {
            breaker.onError(took.toNanos(), TimeUnit.NANOSECONDS, failure);
        }
    }

    /** A failure of this host (no local port) or of the borrower (interrupted), not of the endpoint. */
    private static boolean notTheEndpoints(Throwable failure) {
        return failure instanceof PortExhaustedException
                || failure instanceof InterruptedIOException && !(failure instanceof SocketTimeoutException);
    }

    @Override
    public String toString() {
        return "EndpointCircuitBreakers" + registry.getAllCircuitBreakers().stream()
                .map(b -> b.getName() + "=" + b.getState()).toList();
    }
}
