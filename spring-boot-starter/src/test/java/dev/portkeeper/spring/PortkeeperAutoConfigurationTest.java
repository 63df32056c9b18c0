package dev.portkeeper.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portkeeper.ClosePolicy;
import dev.portkeeper.ConnectionInfo;
import dev.portkeeper.ConnectionPool;
import dev.portkeeper.Endpoint;
import dev.portkeeper.PoolListener;
import dev.portkeeper.PoolSettings;
import dev.portkeeper.PooledConnection;
import dev.portkeeper.SocketPolicy;
import dev.portkeeper.budget.BudgetLevel;
import dev.portkeeper.budget.BudgetSettings;
import dev.portkeeper.budget.DestinationBudget;
import dev.portkeeper.budget.PortBudgetMonitor;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.annotation.ImportCandidates;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.http.client.ClientHttpRequestFactoryBuilder;
import org.springframework.boot.http.client.HttpClientSettings;
import org.springframework.boot.http.client.JdkClientHttpRequestFactoryBuilder;
import org.springframework.boot.http.client.autoconfigure.HttpClientAutoConfiguration;
import org.springframework.boot.http.client.autoconfigure.imperative.ImperativeHttpClientAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.Ordered;
import org.springframework.http.client.ClientHttpRequestFactory;
import org.springframework.http.client.HttpComponentsClientHttpRequestFactory;

class PortkeeperAutoConfigurationTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PortkeeperAutoConfiguration.class));

    /** With Boot's own HTTP client auto-configuration, as in an application. */
    private final ApplicationContextRunner withBootHttp = runner.withConfiguration(AutoConfigurations.of(
            HttpClientAutoConfiguration.class, ImperativeHttpClientAutoConfiguration.class));

    @Test
    void isListedAsAnAutoConfiguration() {
        assertThat(ImportCandidates.load(AutoConfiguration.class, getClass().getClassLoader()))
                .contains(PortkeeperAutoConfiguration.class.getName());
    }

    @Test
    void defaultsGiveAMonitorAPoolTheHttpBuilderAndTheHealthIndicator() {
        runner.run(context -> {
            assertThat(context).hasSingleBean(ConnectionPool.class).hasSingleBean(PortBudgetMonitor.class)
                    .hasSingleBean(PortkeeperClientHttpRequestFactoryBuilder.class)
                    .hasSingleBean(PortkeeperHealthIndicator.class).hasBean("portkeeperHealthIndicator");
            ConnectionPool pool = context.getBean(ConnectionPool.class);
            // The settings classes have no equals; toString lists every value.
            assertThat(pool.settings()).hasToString(PoolSettings.ofDefaults().toString());
            assertThat(pool.socketPolicy()).hasToString(SocketPolicy.ofDefaults().toString());
            assertThat(pool.closePolicy()).hasToString(ClosePolicy.ofDefaults().toString());
            assertThat(pool.name()).startsWith("portkeeper-");
            assertThat(pool.isClosed()).isFalse();
            assertThat(context.getBean(PortBudgetMonitor.class).settings())
                    .hasToString(BudgetSettings.ofDefaults().toString());
            assertThat(context.getBean(PortkeeperClientHttpRequestFactoryBuilder.class).pool()).isSameAs(pool);
        });
    }

    @Test
    void thePoolIsAttachedToTheMonitorSoTheChurnGuardHasABudget() throws IOException {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Endpoint endpoint = Endpoint.of("127.0.0.1", server.getLocalPort());
            runner.run(context -> {
                try (PooledConnection connection = context.getBean(ConnectionPool.class).borrow(endpoint)) {
                    assertThat(connection).isNotNull();
                }
                PortBudgetMonitor monitor = context.getBean(PortBudgetMonitor.class);
                // The ledger heard the open: the pool reports to this monitor.
                List<DestinationBudget> toServer = monitor.snapshot().destinations().stream()
                        .filter(d -> d.destination().remotePort() == server.getLocalPort()).toList();
                assertThat(toServer).singleElement().satisfies(d -> assertThat(d.ledger().opened()).isEqualTo(1));
            });
        }
    }

    @Test
    void everyPropertyIsBound() {
        runner.withPropertyValues("portkeeper.name=cache",
                "portkeeper.pool.max-per-endpoint=3", "portkeeper.pool.max-total=30",
                "portkeeper.pool.min-idle-per-endpoint=1", "portkeeper.pool.acquire-timeout=250ms",
                "portkeeper.pool.max-waiters=7", "portkeeper.pool.max-lifetime=10m",
                "portkeeper.pool.lifetime-jitter=0.25", "portkeeper.pool.idle-timeout=40s",
                "portkeeper.pool.eviction-interval=2s", "portkeeper.pool.leak-detection-threshold=1m",
                "portkeeper.pool.churn-guard=log-only",
                "portkeeper.socket.connect-timeout=2s", "portkeeper.socket.read-timeout=3s",
                "portkeeper.socket.write-timeout=4s", "portkeeper.socket.tcp-no-delay=false",
                "portkeeper.socket.keep-alive=false", "portkeeper.socket.keep-alive-idle=30s",
                "portkeeper.socket.keep-alive-interval=5s", "portkeeper.socket.keep-alive-count=3",
                "portkeeper.socket.send-buffer-size=65536", "portkeeper.socket.receive-buffer-size=131072",
                "portkeeper.socket.local-address=127.0.0.1",
                "portkeeper.close.strategy=abort-when-idle",
                "portkeeper.close.endpoints[0].endpoint=cache.internal:11211",
                "portkeeper.close.endpoints[0].strategy=peer-first", "portkeeper.close.endpoints[0].hook=memcached",
                "portkeeper.close.endpoints[0].peer-close-timeout=300ms",
                "portkeeper.close.endpoints[1].endpoint=[::1]:6379",
                "portkeeper.close.endpoints[1].strategy=peer-first", "portkeeper.close.endpoints[1].hook=redis",
                "portkeeper.monitor.sample-interval=2s", "portkeeper.monitor.idle-table-interval=20s",
                "portkeeper.monitor.trend-window=15s", "portkeeper.monitor.warn-ratio=0.5",
                "portkeeper.monitor.critical-ratio=0.8", "portkeeper.monitor.warn-horizon=10m",
                "portkeeper.monitor.critical-horizon=2m", "portkeeper.monitor.hysteresis=0.2",
                "portkeeper.health.down-at=exhausted", "portkeeper.health.max-destinations=3")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    ConnectionPool pool = context.getBean(ConnectionPool.class);
                    assertThat(pool.name()).isEqualTo("cache");
                    PoolSettings s = pool.settings();
                    assertThat(s).isEqualTo(PoolSettings.custom().maxPerEndpoint(3).maxTotal(30).minIdlePerEndpoint(1)
                            .acquireTimeout(Duration.ofMillis(250)).maxWaiters(7).maxLifetime(Duration.ofMinutes(10))
                            .lifetimeJitter(0.25).idleTimeout(Duration.ofSeconds(40))
                            .evictionInterval(Duration.ofSeconds(2)).leakDetectionThreshold(Duration.ofMinutes(1))
                            .churnGuard(PoolSettings.ChurnGuard.LOG_ONLY).build());
                    assertThat(pool.socketPolicy()).isEqualTo(SocketPolicy.custom().connectTimeout(Duration.ofSeconds(2))
                            .readTimeout(Duration.ofSeconds(3)).writeTimeout(Duration.ofSeconds(4)).tcpNoDelay(false)
                            .keepAlive(false).keepAliveIdle(Duration.ofSeconds(30))
                            .keepAliveInterval(Duration.ofSeconds(5)).keepAliveCount(3).sendBufferSize(65536)
                            .receiveBufferSize(131072).localAddress(InetAddress.getByName("127.0.0.1")).build());
                    assertThat(pool.closePolicy()).isEqualTo(ClosePolicy.abortWhenIdle());
                    assertThat(pool.closePolicy(Endpoint.of("cache.internal", 11211))).isEqualTo(ClosePolicy.custom()
                            .strategy(ClosePolicy.Strategy.PEER_FIRST).hook(dev.portkeeper.PeerCloseHook.memcached())
                            .peerCloseTimeout(Duration.ofMillis(300)).build());
                    assertThat(pool.closePolicy(Endpoint.of("::1", 6379)))
                            .isEqualTo(ClosePolicy.peerFirst(dev.portkeeper.PeerCloseHook.redis()));
                    assertThat(context.getBean(PortBudgetMonitor.class).settings()).hasToString(BudgetSettings.custom()
                            .sampleInterval(Duration.ofSeconds(2)).idleTableInterval(Duration.ofSeconds(20))
                            .trendWindow(Duration.ofSeconds(15)).warnRatio(0.5).criticalRatio(0.8)
                            .warnHorizon(Duration.ofMinutes(10)).criticalHorizon(Duration.ofMinutes(2)).hysteresis(0.2)
                            .build().toString());
                    PortkeeperProperties properties = context.getBean(PortkeeperProperties.class);
                    assertThat(properties.getHealth().getDownAt()).isEqualTo(BudgetLevel.EXHAUSTED);
                    assertThat(properties.getHealth().getMaxDestinations()).isEqualTo(3);
                });
    }

    @Test
    void disabledGivesNothing() {
        withBootHttp.withPropertyValues("portkeeper.enabled=false").run(context -> {
            assertThat(context).hasNotFailed().doesNotHaveBean(ConnectionPool.class)
                    .doesNotHaveBean(PoolSettings.class).doesNotHaveBean(PortkeeperProperties.class)
                    .doesNotHaveBean(PortBudgetMonitor.class).doesNotHaveBean(PortkeeperHealthIndicator.class)
                    .doesNotHaveBean(PortkeeperClientHttpRequestFactoryBuilder.class);
            assertThat(context.getBean(ClientHttpRequestFactoryBuilder.class))
                    .isNotInstanceOf(PortkeeperClientHttpRequestFactoryBuilder.class);
        });
    }

    @Test
    void withoutTheMonitorThePoolHasNoBudget() {
        runner.withPropertyValues("portkeeper.monitor.enabled=false").run(context -> {
            assertThat(context).hasSingleBean(ConnectionPool.class).doesNotHaveBean(PortBudgetMonitor.class);
            assertThat(context.getBean(PortkeeperHealthIndicator.class).health().getDetails())
                    .containsKey("portBudget").doesNotContainKey("level");
        });
    }

    @Test
    void withoutSpringBootHealthThereIsNoHealthIndicator() {
        runner.withClassLoader(new FilteredClassLoader(HealthIndicator.class)).run(context -> {
            assertThat(context).hasSingleBean(ConnectionPool.class).doesNotHaveBean(PortkeeperHealthIndicator.class);
        });
    }

    @Test
    void theHealthIndicatorCanBeTurnedOffAsAnyOther() {
        runner.withPropertyValues("management.health.portkeeper.enabled=false").run(context -> {
            assertThat(context).hasSingleBean(ConnectionPool.class).doesNotHaveBean(PortkeeperHealthIndicator.class);
        });
    }

    @Test
    void withoutHttpClient5BootKeepsItsOwnHttpBuilder() {
        withBootHttp.withClassLoader(new FilteredClassLoader(HttpClientBuilder.class)).run(context -> {
            assertThat(context).hasSingleBean(ConnectionPool.class)
                    .doesNotHaveBean(PortkeeperClientHttpRequestFactoryBuilder.class)
                    .hasSingleBean(ClientHttpRequestFactoryBuilder.class);
        });
    }

    @Test
    void theHttpBuilderIsBootsOnlyOneAndItsFactoryBeanGoesThroughThePool() {
        withBootHttp.run(context -> {
            assertThat(context).hasSingleBean(ClientHttpRequestFactoryBuilder.class);
            assertThat(context.getBean(ClientHttpRequestFactoryBuilder.class))
                    .isInstanceOf(PortkeeperClientHttpRequestFactoryBuilder.class);
            assertThat(context.getBean(ClientHttpRequestFactory.class))
                    .isInstanceOf(HttpComponentsClientHttpRequestFactory.class);
        });
    }

    @Test
    void httpCanBeTurnedOff() {
        withBootHttp.withPropertyValues("portkeeper.http.enabled=false").run(context -> {
            assertThat(context).hasSingleBean(ConnectionPool.class)
                    .doesNotHaveBean(PortkeeperClientHttpRequestFactoryBuilder.class);
            assertThat(context.getBean(ClientHttpRequestFactoryBuilder.class))
                    .isNotInstanceOf(PortkeeperClientHttpRequestFactoryBuilder.class);
        });
    }

    @Test
    void aFactoryChosenWithBootsPropertyWins() {
        withBootHttp.withPropertyValues("spring.http.clients.imperative.factory=jdk").run(context -> {
            assertThat(context).doesNotHaveBean(PortkeeperClientHttpRequestFactoryBuilder.class);
            assertThat(context.getBean(ClientHttpRequestFactoryBuilder.class))
                    .isInstanceOf(JdkClientHttpRequestFactoryBuilder.class);
        });
    }

    @Test
    void eachBuildIsAViewOverTheOnePoolAndClosingItLeavesThePoolOpen() {
        runner.run(context -> {
            PortkeeperClientHttpRequestFactoryBuilder builder =
                    context.getBean(PortkeeperClientHttpRequestFactoryBuilder.class);
            HttpComponentsClientHttpRequestFactory first = builder.build(HttpClientSettings.defaults());
            HttpComponentsClientHttpRequestFactory second = builder.build();
            assertThat(first.getHttpClient()).isNotSameAs(second.getHttpClient());
            first.destroy();
            second.destroy();
            assertThat(context.getBean(ConnectionPool.class).isClosed()).isFalse();
            assertThat(builder.withCustomizer(f -> { }).pool()).isSameAs(context.getBean(ConnectionPool.class));
        });
    }

    @Test
    void userBeansWin() {
        PortBudgetMonitor monitor = PortBudgetMonitor.builder().build();
        ClientHttpRequestFactoryBuilder<?> http = ClientHttpRequestFactoryBuilder.simple();
        HealthIndicator health = () -> org.springframework.boot.health.contributor.Health.status(Status.UNKNOWN).build();
        withBootHttp.withBean(ConnectionPool.class, () -> ConnectionPool.builder().name("mine").build())
                .withBean(PortBudgetMonitor.class, () -> monitor)
                .withBean(ClientHttpRequestFactoryBuilder.class, () -> http)
                .withBean("portkeeperHealthIndicator", HealthIndicator.class, () -> health)
                .run(context -> {
                    assertThat(context).hasSingleBean(ConnectionPool.class).hasSingleBean(PortBudgetMonitor.class)
                            .hasSingleBean(ClientHttpRequestFactoryBuilder.class)
                            .doesNotHaveBean(PortkeeperHealthIndicator.class);
                    assertThat(context.getBean(ConnectionPool.class).name()).isEqualTo("mine");
                    assertThat(context.getBean(PortBudgetMonitor.class)).isSameAs(monitor);
                    assertThat(context.getBean(ClientHttpRequestFactoryBuilder.class)).isSameAs(http);
                });
    }

    @Test
    void userDefinedSettingsAreUsedByTheAutoConfiguredPool() {
        PoolSettings mine = PoolSettings.custom().maxPerEndpoint(2).build();
        runner.withBean(PoolSettings.class, () -> mine)
                .withPropertyValues("portkeeper.pool.max-per-endpoint=5")
                .run(context -> {
                    assertThat(context).hasSingleBean(PoolSettings.class);
                    assertThat(context.getBean(ConnectionPool.class).settings()).isSameAs(mine);
                });
    }

    @Test
    void listenerBeansReceiveEventsInOrder() throws IOException {
        List<String> events = new CopyOnWriteArrayList<>();
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            Endpoint endpoint = Endpoint.of("127.0.0.1", server.getLocalPort());
            // Registered in the reverse of their order, so that the order must come from Ordered.
            runner.withBean("late", RecordingListener.class, () -> new RecordingListener("late", 2, events))
                    .withBean("early", RecordingListener.class, () -> new RecordingListener("early", 1, events))
                    .run(context -> {
                        try (PooledConnection connection = context.getBean(ConnectionPool.class).borrow(endpoint)) {
                            assertThat(connection).isNotNull();
                        }
                    });
            assertThat(events).startsWith("early opened " + endpoint, "late opened " + endpoint,
                    "early borrowed " + endpoint, "late borrowed " + endpoint);
        }
    }

    @Test
    void poolIsClosedWithTheContextThroughItsClosePolicy() throws IOException {
        AtomicReference<ConnectionPool> pool = new AtomicReference<>();
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Endpoint endpoint = Endpoint.of("127.0.0.1", server.getLocalPort());
            runner.withPropertyValues("portkeeper.close.strategy=abort-when-idle").run(context -> {
                pool.set(context.getBean(ConnectionPool.class));
                pool.get().borrow(endpoint).close();
                assertThat(pool.get().stats().idle()).isEqualTo(1);
            });
            assertThat(pool.get().isClosed()).isTrue();
            // The idle connection was closed by its policy: a reset, no TIME_WAIT here.
            await().atMost(Duration.ofSeconds(10)).until(() -> pool.get().closeStats().closedReset() == 1);
        }
    }

    static final class RecordingListener implements PoolListener, Ordered {
        private final String tag;
        private final int order;
        private final List<String> events;

        RecordingListener(String tag, int order, List<String> events) {
            this.tag = tag;
            this.order = order;
            this.events = events;
        }

        @Override
        public int getOrder() {
            return order;
        }

        @Override
        public void connectionOpened(ConnectionInfo connection) {
            events.add(tag + " opened " + connection.endpoint());
        }

        @Override
        public void connectionBorrowed(ConnectionInfo connection, Duration waited) {
            events.add(tag + " borrowed " + connection.endpoint());
        }
    }
}
