package dev.portkeeper.spring;

import dev.portkeeper.ConnectGuard;
import dev.portkeeper.ConnectionPool;
import dev.portkeeper.PoolListener;
import dev.portkeeper.PoolSettings;
import dev.portkeeper.PortBudget;
import dev.portkeeper.SocketPolicy;
import dev.portkeeper.budget.BudgetAlertListener;
import dev.portkeeper.budget.PortBudgetMonitor;
import dev.portkeeper.httpclient5.PortkeeperConnectionManager;
import dev.portkeeper.kernel.Procfs;
import dev.portkeeper.resilience.EndpointCircuitBreakers;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.util.List;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.http.client.ClientHttpRequestFactoryBuilder;
import org.springframework.boot.http.client.autoconfigure.ClientHttpRequestFactoryBuilderCustomizer;
import org.springframework.boot.util.LambdaSafe;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.HttpComponentsClientHttpRequestFactory;

/**
 * Auto-configures Portkeeper from {@link PortkeeperProperties}: a {@link PortBudgetMonitor}
 * started and stopped with the context, a {@link ConnectionPool} attached to it (so that the churn
 * guard has a budget), the {@link ClientHttpRequestFactoryBuilder} through which Boot's blocking
 * HTTP clients use that pool, and the {@code portkeeper} health indicator.
 *
 * <p>Each bean backs off when the application defines its own: a {@link PoolSettings} or
 * {@link SocketPolicy} bean replaces the one bound from {@code portkeeper.pool.*} or
 * {@code portkeeper.socket.*}, a {@link PortBudgetMonitor} or {@link ConnectionPool} bean replaces
 * the monitor or the pool. Every {@link PoolListener} bean is added to the pool and every
 * {@link BudgetAlertListener} bean to the monitor, in {@code @Order} order; a single
 * {@link PortBudget} and a single {@link ConnectGuard} bean are attached to the pool. The pool is
 * closed with the context (after the web server's graceful shutdown, which stops first), idle
 * connections through their close policy. {@code portkeeper.enabled=false} turns all of it off.
 */
@AutoConfiguration(beforeName = "org.springframework.boot.http.client.autoconfigure.imperative."
        + "ImperativeHttpClientAutoConfiguration")
@ConditionalOnClass(ConnectionPool.class)
@ConditionalOnBooleanProperty(name = "portkeeper.enabled", matchIfMissing = true)
@EnableConfigurationProperties(PortkeeperProperties.class)
public final class PortkeeperAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    PoolSettings portkeeperPoolSettings(PortkeeperProperties properties) {
        return properties.toPoolSettings();
    }

    @Bean
    @ConditionalOnMissingBean
    SocketPolicy portkeeperSocketPolicy(PortkeeperProperties properties) {
        return properties.toSocketPolicy();
    }

    @Bean(initMethod = "start", destroyMethod = "close")
    @ConditionalOnMissingBean
    @ConditionalOnBooleanProperty(name = "portkeeper.monitor.enabled", matchIfMissing = true)
    PortBudgetMonitor portkeeperPortBudgetMonitor(PortkeeperProperties properties,
            ObjectProvider<BudgetAlertListener> alertListeners) {
        PortBudgetMonitor.Builder builder = PortBudgetMonitor.builder().settings(properties.toBudgetSettings());
        alertListeners.orderedStream().forEach(builder::alertListener);
        return builder.build();
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    ConnectionPool portkeeperConnectionPool(PortkeeperProperties properties, PoolSettings settings,
            SocketPolicy socketPolicy, ObjectProvider<PoolListener> listeners, ObjectProvider<PortBudget> portBudget,
            ObjectProvider<ConnectGuard> connectGuard) {
        ConnectionPool.Builder builder = ConnectionPool.builder().settings(settings).socketPolicy(socketPolicy)
                .closePolicy(properties.toClosePolicy());
        properties.toEndpointClosePolicies().forEach(builder::closePolicy);
        if (properties.getName() != null) {
            builder.name(properties.getName());
        }
        listeners.orderedStream().forEach(builder::listener);
        portBudget.ifUnique(builder::portBudget);
        connectGuard.ifUnique(builder::connectGuard);
        return builder.build();
    }

    /** Boot's blocking HTTP clients over the pool, with Apache HttpClient 5. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({ ClientHttpRequestFactoryBuilder.class, HttpComponentsClientHttpRequestFactory.class,
            PortkeeperConnectionManager.class, HttpClientBuilder.class })
    @ConditionalOnBooleanProperty(name = "portkeeper.http.enabled", matchIfMissing = true)
    @Conditional(ImperativeFactoryNotChosenCondition.class)
    static final class HttpClientConfiguration {

        @Bean
        @ConditionalOnMissingBean(ClientHttpRequestFactoryBuilder.class)
        ClientHttpRequestFactoryBuilder<?> portkeeperClientHttpRequestFactoryBuilder(ConnectionPool pool,
                ObjectProvider<ClientHttpRequestFactoryBuilderCustomizer<?>> customizers) {
            return customize(new PortkeeperClientHttpRequestFactoryBuilder(pool), customizers.orderedStream().toList());
        }

        /** Applies Boot's customizers, as Boot does to the builder this one replaces. */
        @SuppressWarnings("unchecked")
        private static ClientHttpRequestFactoryBuilder<?> customize(ClientHttpRequestFactoryBuilder<?> builder,
                List<ClientHttpRequestFactoryBuilderCustomizer<?>> customizers) {
            ClientHttpRequestFactoryBuilder<?>[] result = { builder };
            LambdaSafe.callbacks(ClientHttpRequestFactoryBuilderCustomizer.class, customizers, result[0])
                    .invoke(customizer -> result[0] = customizer.customize(result[0]));
            return result[0];
        }
    }

    /**
     * A Resilience4j circuit breaker per endpoint around the pool's connects: the pool's
     * {@link ConnectGuard}, unless the application has one.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({ CircuitBreakerConfig.class, EndpointCircuitBreakers.class })
    @ConditionalOnBooleanProperty(name = "portkeeper.circuit-breaker.enabled", matchIfMissing = true)
    static final class CircuitBreakerConfiguration {

        @Bean
        @ConditionalOnMissingBean(ConnectGuard.class)
        EndpointCircuitBreakers portkeeperCircuitBreakers(PortkeeperProperties properties) {
            PortkeeperProperties.CircuitBreaker p = properties.getCircuitBreaker();
            // From the library's defaults, which keep port exhaustion from counting against an endpoint.
            return EndpointCircuitBreakers.of(CircuitBreakerConfig.from(EndpointCircuitBreakers.DEFAULT_CONFIG)
                    .failureRateThreshold(p.getFailureRateThreshold())
                    .slidingWindowSize(p.getSlidingWindowSize())
                    .minimumNumberOfCalls(p.getMinimumNumberOfCalls())
                    .waitDurationInOpenState(p.getWaitDurationInOpenState())
                    .permittedNumberOfCallsInHalfOpenState(p.getPermittedNumberOfCallsInHalfOpenState())
                    .build());
        }
    }

    /** The {@code portkeeper} health indicator, with Spring Boot's health support. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(HealthIndicator.class)
    @ConditionalOnEnabledHealthIndicator("portkeeper")
    static final class HealthConfiguration {

        @Bean
        @ConditionalOnMissingBean(name = "portkeeperHealthIndicator")
        PortkeeperHealthIndicator portkeeperHealthIndicator(PortkeeperProperties properties,
                ObjectProvider<PortBudgetMonitor> monitor, ObjectProvider<ConnectionPool> pools) {
            return new PortkeeperHealthIndicator(monitor.getIfUnique(), pools.orderedStream().toList(),
                    properties.getHealth().getDownAt(), properties.getHealth().getMaxDestinations(), Procfs.system());
        }
    }
}
