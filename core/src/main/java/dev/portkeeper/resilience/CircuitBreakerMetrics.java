package dev.portkeeper.resilience;

import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;

/**
 * Resilience4j's own meters for the endpoints' breakers ({@code TaggedCircuitBreakerMetrics}:
 * {@code resilience4j.circuitbreaker.state{name=host:port,state}}, {@code .calls},
 * {@code .failure.rate}, ...), for breakers created before and after binding. Needs Micrometer and
 * {@code resilience4j-micrometer} besides Resilience4j.
 *
 * <pre>{@code
 * new CircuitBreakerMetrics(breakers).bindTo(registry);
 * }</pre>
 */
public final class CircuitBreakerMetrics implements MeterBinder {
    private final EndpointCircuitBreakers breakers;

    /** @param breakers the breakers whose meters to bind */
    public CircuitBreakerMetrics(EndpointCircuitBreakers breakers) {
        this.breakers = Objects.requireNonNull(breakers, "breakers");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(breakers.registry()).bindTo(registry);
    }
}
