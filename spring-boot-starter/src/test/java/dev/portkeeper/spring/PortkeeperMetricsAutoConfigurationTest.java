package dev.portkeeper.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portkeeper.ConnectGuard;
import dev.portkeeper.ConnectionPool;
import dev.portkeeper.Endpoint;
import dev.portkeeper.PooledConnection;
import dev.portkeeper.budget.PortBudgetMonitor;
import dev.portkeeper.metrics.PortBudgetMetrics;
import dev.portkeeper.resilience.CircuitBreakerMetrics;
import dev.portkeeper.resilience.EndpointCircuitBreakers;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The meters and the circuit breakers: on with Micrometer and Resilience4j, off without them or when turned off. */
class PortkeeperMetricsAutoConfigurationTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(
            AutoConfigurations.of(PortkeeperAutoConfiguration.class, PortkeeperMetricsAutoConfiguration.class));

    @Test
    void metersOfThePoolTheBudgetAndTheBreakersAreBound() throws IOException {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Endpoint endpoint = Endpoint.of("127.0.0.1", server.getLocalPort());
            runner.run(context -> {
                assertThat(context).hasSingleBean(PoolMeterBinder.class).hasSingleBean(PortBudgetMetrics.class)
                        .hasSingleBean(EndpointCircuitBreakers.class).hasSingleBean(CircuitBreakerMetrics.class);
                MeterRegistry registry = new SimpleMeterRegistry();
                // What Boot's MeterRegistryPostProcessor does with every MeterBinder bean.
                context.getBeansOfType(MeterBinder.class).values().forEach(binder -> binder.bindTo(registry));
                try (PooledConnection connection = context.getBean(ConnectionPool.class).borrow(endpoint)) {
                    assertThat(connection).isNotNull();
                }
                String pool = context.getBean(ConnectionPool.class).name();
                assertThat(registry.get("portkeeper.connections.opened").tag("pool", pool)
                        .tag("endpoint", endpoint.toString()).counter().count()).isEqualTo(1);
                assertThat(registry.get("portkeeper.connections.max").tag("pool", pool).gauge().value()).isEqualTo(64);
                assertThat(registry.find("portkeeper.ports.kernel.view").gauge()).isNotNull();
                assertThat(registry.find("portkeeper.fds.open").gauge()).isNotNull();
                // The connect went through the endpoint's breaker, whose meters Resilience4j registers.
                assertThat(registry.find("resilience4j.circuitbreaker.state").tag("name", endpoint.toString())
                        .gauges()).isNotEmpty();
            });
        }
    }

    @Test
    void theBreakersAreThePoolsConnectGuardWithTheConfiguredThresholds() {
        runner.withPropertyValues("portkeeper.circuit-breaker.failure-rate-threshold=25",
                "portkeeper.circuit-breaker.sliding-window-size=20", "portkeeper.circuit-breaker.minimum-number-of-calls=4",
                "portkeeper.circuit-breaker.wait-duration-in-open-state=3s",
                "portkeeper.circuit-breaker.permitted-number-of-calls-in-half-open-state=1").run(context -> {
                    CircuitBreakerConfig config = context.getBean(EndpointCircuitBreakers.class).registry()
                            .getDefaultConfig();
                    assertThat(config.getFailureRateThreshold()).isEqualTo(25f);
                    assertThat(config.getSlidingWindowSize()).isEqualTo(20);
                    assertThat(config.getMinimumNumberOfCalls()).isEqualTo(4);
                    assertThat(config.getWaitIntervalFunctionInOpenState().apply(1)).isEqualTo(3_000L);
                    assertThat(config.getPermittedNumberOfCallsInHalfOpenState()).isEqualTo(1);
                });
    }

    @Test
    void withoutMicrometerThereAreNoMeters() {
        runner.withClassLoader(new FilteredClassLoader("io.micrometer.core")).run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(ConnectionPool.class).hasSingleBean(PortBudgetMonitor.class)
                    .doesNotHaveBean(PoolMeterBinder.class).doesNotHaveBean(PortBudgetMetrics.class)
                    .doesNotHaveBean(CircuitBreakerMetrics.class);
        });
    }

    @Test
    void withoutResilience4jThereAreNoBreakers() {
        runner.withClassLoader(new FilteredClassLoader("io.github.resilience4j")).run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(ConnectionPool.class).hasSingleBean(PoolMeterBinder.class)
                    .doesNotHaveBean(EndpointCircuitBreakers.class).doesNotHaveBean(CircuitBreakerMetrics.class);
        });
    }

    @Test
    void withoutResilience4jMicrometerTheBreakersHaveNoMeters() {
        runner.withClassLoader(new FilteredClassLoader("io.github.resilience4j.micrometer")).run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(EndpointCircuitBreakers.class)
                    .doesNotHaveBean(CircuitBreakerMetrics.class);
        });
    }

    @Test
    void metricsAndBreakersCanBeTurnedOff() {
        runner.withPropertyValues("portkeeper.metrics.enabled=false", "portkeeper.circuit-breaker.enabled=false")
                .run(context -> {
                    assertThat(context).hasSingleBean(ConnectionPool.class).doesNotHaveBean(PoolMeterBinder.class)
                            .doesNotHaveBean(PortBudgetMetrics.class).doesNotHaveBean(EndpointCircuitBreakers.class);
                });
        runner.withPropertyValues("portkeeper.enabled=false").run(context -> {
            assertThat(context).doesNotHaveBean(PoolMeterBinder.class).doesNotHaveBean(PortBudgetMetrics.class)
                    .doesNotHaveBean(EndpointCircuitBreakers.class).doesNotHaveBean(MeterBinder.class);
        });
    }

    @Test
    void withoutTheMonitorThePoolStillHasItsMeters() {
        runner.withPropertyValues("portkeeper.monitor.enabled=false").run(context -> {
            assertThat(context).hasSingleBean(PoolMeterBinder.class).doesNotHaveBean(PortBudgetMetrics.class);
        });
    }

    @Test
    void userBeansWin() {
        ConnectGuard mine = new ConnectGuard() {
            @Override
            public void beforeConnect(Endpoint endpoint) {
            }

            @Override
            public void connected(Endpoint endpoint, Duration took) {
            }

            @Override
            public void connectFailed(Endpoint endpoint, Duration took, IOException failure) {
            }
        };
        PortBudgetMetrics budgetMetrics = new PortBudgetMetrics(PortBudgetMonitor.builder().build());
        runner.withBean(ConnectGuard.class, () -> mine).withBean(PortBudgetMetrics.class, () -> budgetMetrics)
                .run(context -> {
                    assertThat(context).doesNotHaveBean(EndpointCircuitBreakers.class)
                            .doesNotHaveBean(CircuitBreakerMetrics.class);
                    assertThat(context.getBean(PortBudgetMetrics.class)).isSameAs(budgetMetrics);
                });
    }

    @Test
    void anInvalidBreakerValueFailsStartup() {
        runner.withPropertyValues("portkeeper.circuit-breaker.failure-rate-threshold=0").run(context -> {
            assertThat(context.getStartupFailure()).rootCause()
                    .hasMessageContaining("on field 'failureRateThreshold'")
                    .hasMessageContaining("failureRateThreshold must be above 0 and at most 100: 0.0");
        });
        runner.withPropertyValues("portkeeper.metrics.max-age=0s").run(context -> {
            assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("maxAge must be greater than 0");
        });
    }
}
