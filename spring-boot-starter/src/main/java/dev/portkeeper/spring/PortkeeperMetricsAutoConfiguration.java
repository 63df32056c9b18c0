package dev.portkeeper.spring;

import dev.portkeeper.ConnectionPool;
import dev.portkeeper.budget.PortBudgetMonitor;
import dev.portkeeper.kernel.Procfs;
import dev.portkeeper.metrics.PoolMetrics;
import dev.portkeeper.metrics.PortBudgetMetrics;
import dev.portkeeper.resilience.CircuitBreakerMetrics;
import dev.portkeeper.resilience.EndpointCircuitBreakers;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Micrometer meters of Portkeeper, as {@link MeterBinder} beans that Spring Boot binds to its
 * registry: the pool's ({@code portkeeper.connections.*}), the port budget's
 * ({@code portkeeper.ports.*}, {@code portkeeper.close.wait}, {@code portkeeper.fds.*},
 * {@code portkeeper.time.wait.*}) and, with Resilience4j and {@code resilience4j-micrometer}, the
 * endpoints' circuit breakers ({@code resilience4j.circuitbreaker.*}).
 *
 * <p>After {@link PortkeeperAutoConfiguration}, so that it sees the pool, the monitor and the
 * breakers it configured. {@code portkeeper.metrics.enabled=false} turns it off.
 */
@AutoConfiguration(after = PortkeeperAutoConfiguration.class)
@ConditionalOnClass({ MeterBinder.class, PoolMetrics.class })
@ConditionalOnBooleanProperty(name = { "portkeeper.enabled", "portkeeper.metrics.enabled" }, matchIfMissing = true)
public final class PortkeeperMetricsAutoConfiguration {

    @Bean
    @ConditionalOnBean(ConnectionPool.class)
    @ConditionalOnMissingBean
    PoolMeterBinder portkeeperPoolMeterBinder(PortkeeperProperties properties, ObjectProvider<ConnectionPool> pool) {
        return new PoolMeterBinder(new PoolMetrics(Tags.empty(), properties.getMetrics().getMaxEndpoints()), pool);
    }

    @Bean
    @ConditionalOnBean(PortBudgetMonitor.class)
    @ConditionalOnMissingBean
    PortBudgetMetrics portkeeperPortBudgetMetrics(PortkeeperProperties properties, PortBudgetMonitor monitor) {
        PortkeeperProperties.Metrics m = properties.getMetrics();
        return new PortBudgetMetrics(monitor, Tags.empty(), m.getTopDestinations(), m.getMaxAge(), Procfs.system());
    }

    /** The breakers' own meters, Resilience4j's {@code TaggedCircuitBreakerMetrics}. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({ EndpointCircuitBreakers.class, TaggedCircuitBreakerMetrics.class })
    static final class CircuitBreakerMetricsConfiguration {

        @Bean
        @ConditionalOnBean(EndpointCircuitBreakers.class)
        @ConditionalOnMissingBean
        CircuitBreakerMetrics portkeeperCircuitBreakerMetrics(EndpointCircuitBreakers breakers) {
            return new CircuitBreakerMetrics(breakers);
        }
    }
}
