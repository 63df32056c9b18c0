/**
 * Resilience4j wiring: {@link dev.portkeeper.resilience.EndpointCircuitBreakers}, a circuit
 * breaker per endpoint around the pool's connects (a {@link dev.portkeeper.ConnectGuard}),
 * its {@link dev.portkeeper.resilience.CircuitOpenException}, and
 * {@link dev.portkeeper.resilience.CircuitBreakerMetrics} for the breakers' own meters.
 *
 * <p>Resilience4j is an optional dependency of portkeeper-core: add
 * {@code io.github.resilience4j:resilience4j-circuitbreaker} (and
 * {@code resilience4j-micrometer} with Micrometer for the meters) to use this package. Nothing
 * else in core refers to it.
 */
package dev.portkeeper.resilience;
