package dev.portkeeper.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.portkeeper.AcquireTimeoutException;
import dev.portkeeper.ConnectionPool;
import dev.portkeeper.Endpoint;
import dev.portkeeper.PoolSettings;
import dev.portkeeper.PooledConnection;
import dev.portkeeper.budget.PortBudgetMonitor;
import dev.portkeeper.resilience.CircuitBreakerMetrics;
import dev.portkeeper.resilience.EndpointCircuitBreakers;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every metric name that the alerting rules and the Grafana dashboard use exists in a real scrape
 * of a {@link PrometheusMeterRegistry}, taken after real traffic through a pool with all binders,
 * so the three cannot drift apart; and each meter's {@link PortkeeperMeter#prometheusName()}, the
 * name the CLI prints, is the one Micrometer writes.
 */
@Timeout(60)
class PrometheusNamesTest {

    @Test
    void theRulesAndTheDashboardUseOnlyNamesOfARealScrape() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        PortBudgetMonitor monitor = PortBudgetMonitor.builder().build();
        EndpointCircuitBreakers breakers = EndpointCircuitBreakers.ofDefaults();
        PoolMetrics metrics = new PoolMetrics();
        try (EchoServer server = EchoServer.start();
                ConnectionPool pool = ConnectionPool.builder().name("names").portBudget(monitor)
                        .settings(PoolSettings.custom().maxPerEndpoint(1).evictionInterval(Duration.ofMillis(50)).build())
                        .connectGuard(breakers).listener(metrics).build()) {
            metrics.attach(pool).bindTo(registry);
            new CircuitBreakerMetrics(breakers).bindTo(registry);
            Endpoint endpoint = Endpoint.of("127.0.0.1", server.port());
            try (PooledConnection c = pool.borrow(endpoint)) {
                c.output().write("hello\n".getBytes(StandardCharsets.US_ASCII));
                c.output().flush();
                assertThat(c.input().read(new byte[6])).isPositive();
                assertThatThrownBy(() -> pool.borrow(endpoint, Duration.ofMillis(20)))
                        .isInstanceOf(AcquireTimeoutException.class);
            }
            Endpoint dead = Endpoint.of("127.0.0.1", deadPort());
            assertThatThrownBy(() -> pool.borrow(dead)).isInstanceOf(IOException.class);
            server.closeAll();
            await().atMost(Duration.ofSeconds(10)).until(() -> registry.find("portkeeper.connections.closed").counter() != null);
            try (PooledConnection c = pool.borrow(endpoint)) {
                assertThat(c).isNotNull();
            }
            // The budget binder after the traffic: the pool's own sockets are client sockets of a destination.
            new PortBudgetMetrics(monitor).bindTo(registry);
            registry.scrape();   // meters registered during a scrape show from the next one

            String scrape = registry.scrape();
            Set<String> scraped = new TreeSet<>();
            for (String line : scrape.lines().toList()) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    scraped.add(line.split("[{ ]", 2)[0]);
                }
            }

            Set<String> inRules = OpsFiles.namesInRules();
            Set<String> inDashboard = OpsFiles.namesInDashboard();
            assertThat(inRules).hasSizeGreaterThanOrEqualTo(8);
            assertThat(inDashboard).hasSizeGreaterThanOrEqualTo(15);
            assertThat(scraped).as("names the rules use, in a scrape of\n%s", scrape).containsAll(inRules);
            assertThat(scraped).as("names the dashboard uses, in a scrape of\n%s", scrape).containsAll(inDashboard);

            for (PortkeeperMeter m : PortkeeperMeter.values()) {
                boolean registered = registry.find(m.meterName()).meter() != null;
                if (!registered) {
                    continue;
                }
                String name = m.type() == PortkeeperMeter.Type.TIMER ? m.prometheusName() + "_count" : m.prometheusName();
                assertThat(scraped).as("%s as %s", m.meterName(), name).contains(name);
            }
            for (PortkeeperMeter m : PortkeeperMeter.values()) {
                if (m.meterName().startsWith("portkeeper.ports.") || m.tagKeys().isEmpty()) {
                    assertThat(registry.find(m.meterName()).meter()).as(m.meterName()).isNotNull();
                }
            }
        }
    }

    private static int deadPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
