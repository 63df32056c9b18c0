package dev.portkeeper.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.portkeeper.AcquireTimeoutException;
import dev.portkeeper.ClosePolicy;
import dev.portkeeper.ConnectFailedException;
import dev.portkeeper.ConnectionPool;
import dev.portkeeper.Endpoint;
import dev.portkeeper.PeerCloseHook;
import dev.portkeeper.PoolSettings;
import dev.portkeeper.PooledConnection;
import dev.portkeeper.SocketPolicy;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every pool meter, by name, tags, base unit and value, after real traffic to an echo server on
 * loopback: borrows and returns, a server that closes idle connections, an acquire timeout, a
 * leak, a PEER_FIRST close that falls back, a refused connect, the endpoint cap, and the removal
 * of an endpoint's meters once it is gone.
 */
@Timeout(60)
class PoolMetricsTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
    }

    private EchoServer server() throws IOException {
        EchoServer s = EchoServer.start();
        closing.add(s);
        return s;
    }

    private ConnectionPool pool(PoolMetrics metrics, PoolSettings settings, ClosePolicy closePolicy) {
        ConnectionPool pool = ConnectionPool.builder().name("test").settings(settings).closePolicy(closePolicy)
                .socketPolicy(SocketPolicy.custom().readTimeout(Duration.ofSeconds(5)).build())
                .listener(metrics).build();
        closing.add(0, pool);
        metrics.attach(pool).bindTo(registry);
        return pool;
    }

    private static void echo(PooledConnection c, String text) throws IOException {
        c.output().write((text + "\n").getBytes(StandardCharsets.US_ASCII));
        c.output().flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(c.input(), StandardCharsets.US_ASCII), 1);
        assertThat(in.readLine()).isEqualTo(text);
    }

    private Counter counter(String name, String... tags) {
        return registry.find(name).tags(tags).counter();
    }

    private double gauge(String name, String... tags) {
        return registry.get(name).tags(tags).gauge().value();
    }

    @Test
    void borrowsAndReturnsGiveTheGaugesTimersAndCounters() throws Exception {
        EchoServer server = server();
        PoolMetrics metrics = new PoolMetrics(Tags.of("app", "shop"));
        ConnectionPool pool = pool(metrics, PoolSettings.custom().maxPerEndpoint(2).maxTotal(4).build(),
                ClosePolicy.graceful());
        Endpoint endpoint = Endpoint.of("127.0.0.1", server.port());
        String ep = endpoint.toString();
        for (int i = 0; i < 10; i++) {
            try (PooledConnection c = pool.borrow(endpoint)) {
                echo(c, "hello " + i);
                if (i == 9) {
                    assertThat(gauge("portkeeper.connections", "endpoint", ep, "state", "active")).isEqualTo(1);
                    assertThat(gauge("portkeeper.connections", "endpoint", ep, "state", "idle")).isEqualTo(0);
                }
            }
        }
        assertThat(server.accepted()).isEqualTo(1);

        String[] tags = {"app", "shop", "pool", "test", "endpoint", ep};
        Counter opened = counter("portkeeper.connections.opened", tags);
        assertThat(opened.count()).isEqualTo(1);
        assertThat(opened.getId().getBaseUnit()).isEqualTo("connections");
        assertThat(opened.getId().getType()).isEqualTo(Meter.Type.COUNTER);

        Timer acquire = registry.get("portkeeper.connections.acquire").tags(tags).timer();
        assertThat(acquire.count()).isEqualTo(10);
        assertThat(acquire.getId().getBaseUnit()).isEqualTo("seconds");
        Timer usage = registry.get("portkeeper.connections.usage").tags(tags).timer();
        assertThat(usage.count()).isEqualTo(10);
        assertThat(usage.totalTime(java.util.concurrent.TimeUnit.NANOSECONDS)).isPositive();
        Timer creation = registry.get("portkeeper.connections.creation").tags(tags).timer();
        assertThat(creation.count()).isEqualTo(1);
        assertThat(creation.totalTime(java.util.concurrent.TimeUnit.NANOSECONDS)).isPositive();

        Gauge idle = registry.get("portkeeper.connections").tags(tags).tag("state", "idle").gauge();
        assertThat(idle.value()).isEqualTo(1);
        assertThat(idle.getId().getBaseUnit()).isEqualTo("connections");
        assertThat(gauge("portkeeper.connections", "endpoint", ep, "state", "active")).isZero();
        assertThat(gauge("portkeeper.connections", "endpoint", ep, "state", "pending")).isZero();
        Gauge waiting = registry.get("portkeeper.connections.waiting").tags(tags).gauge();
        assertThat(waiting.value()).isZero();
        assertThat(waiting.getId().getBaseUnit()).isEqualTo("threads");
        Gauge max = registry.get("portkeeper.connections.max").tags("app", "shop", "pool", "test").gauge();
        assertThat(max.value()).isEqualTo(4);
        assertThat(max.getId().getTags()).extracting(t -> t.getKey()).containsExactlyInAnyOrder("app", "pool");
        assertThat(gauge("portkeeper.connections.endpoint.max", "pool", "test")).isEqualTo(2);

        // Every registered meter is one of the catalogue's, with its unit and tag keys.
        for (Meter m : registry.getMeters()) {
            PortkeeperMeter def = java.util.Arrays.stream(PortkeeperMeter.values())
                    .filter(d -> d.meterName().equals(m.getId().getName())).findFirst().orElseThrow();
            assertThat(m.getId().getTags()).extracting(t -> t.getKey())
                    .containsExactlyInAnyOrderElementsOf(concat("app", def.tagKeys()));
            if (def.type() != PortkeeperMeter.Type.TIMER) {
                assertThat(m.getId().getBaseUnit()).as(def.meterName()).isEqualTo(def.baseUnit());
            }
        }
    }

    private static List<String> concat(String first, List<String> rest) {
        List<String> all = new ArrayList<>(rest);
        all.add(first);
        return all;
    }

    @Test
    void aServerClosingIdleConnectionsIsCountedAsClosedByThePeerAndTheEndpointsMetersGoAway() throws Exception {
        EchoServer server = server();
        PoolMetrics metrics = new PoolMetrics();
        ConnectionPool pool = pool(metrics, PoolSettings.custom().evictionInterval(Duration.ofMillis(50)).build(),
                ClosePolicy.graceful());
        Endpoint endpoint = Endpoint.of("127.0.0.1", server.port());
        String ep = endpoint.toString();
        List<PooledConnection> held = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            held.add(pool.borrow(endpoint));
        }
        for (PooledConnection c : held) {
            echo(c, "x");
            c.close();
        }
        assertThat(gauge("portkeeper.connections", "endpoint", ep, "state", "idle")).isEqualTo(3);

        server.closeAll();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            Counter peer = counter("portkeeper.connections.closed", "endpoint", ep, "reason", "peer_closed",
                    "time.wait", "peer");
            assertThat(peer).isNotNull();
            assertThat(peer.count()).isEqualTo(3);
        });
        assertThat(counter("portkeeper.connections.closed", "time.wait", "local")).isNull();
        assertThat(gauge("portkeeper.connections", "endpoint", ep, "state", "idle")).isZero();

        // Reads of the max gauge (one per scrape) sweep: a scrape with activity, two quiet ones, then gone.
        Gauge max = registry.get("portkeeper.connections.max").gauge();
        max.value();
        assertThat(registry.find("portkeeper.connections.closed").tag("endpoint", ep).counters()).isNotEmpty();
        max.value();
        assertThat(registry.find("portkeeper.connections.opened").tag("endpoint", ep).counter()).isNotNull();
        max.value();
        assertThat(registry.find("portkeeper.connections.opened").tag("endpoint", ep).counter()).isNull();
        assertThat(registry.find("portkeeper.connections").tag("endpoint", ep).gauges()).isEmpty();
        assertThat(registry.getMeters()).extracting(m -> m.getId().getName())
                .containsOnly("portkeeper.connections.max", "portkeeper.connections.endpoint.max");

        // It comes back: meters again, counting from zero.
        try (PooledConnection c = pool.borrow(endpoint)) {
            echo(c, "again");
        }
        assertThat(counter("portkeeper.connections.opened", "endpoint", ep).count()).isEqualTo(1);
    }

    @Test
    void anAcquireTimeoutALeakAndARefusedConnectAreCountedByCause() throws Exception {
        EchoServer server = server();
        PoolMetrics metrics = new PoolMetrics();
        ConnectionPool pool = pool(metrics, PoolSettings.custom().maxPerEndpoint(1)
                .evictionInterval(Duration.ofMillis(50)).leakDetectionThreshold(Duration.ofMillis(100)).build(),
                ClosePolicy.graceful());
        Endpoint endpoint = Endpoint.of("127.0.0.1", server.port());
        String ep = endpoint.toString();
        try (PooledConnection held = pool.borrow(endpoint)) {
            assertThatThrownBy(() -> pool.borrow(endpoint, Duration.ofMillis(50)))
                    .isInstanceOf(AcquireTimeoutException.class);
            Counter timeouts = counter("portkeeper.connections.acquire.failures", "endpoint", ep, "cause", "timeout");
            assertThat(timeouts.count()).isEqualTo(1);
            assertThat(timeouts.getId().getBaseUnit()).isEqualTo("borrows");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                Counter leaks = counter("portkeeper.connections.leaks", "endpoint", ep);
                assertThat(leaks).isNotNull();
                assertThat(leaks.count()).isEqualTo(1);
            });
        }

        int deadPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            deadPort = s.getLocalPort();
        }
        Endpoint dead = Endpoint.of("127.0.0.1", deadPort);
        assertThatThrownBy(() -> pool.borrow(dead)).isInstanceOf(ConnectFailedException.class);
        assertThat(counter("portkeeper.connections.connect.failures", "endpoint", dead.toString(), "cause",
                "connect_failed").count()).isEqualTo(1);
        assertThat(counter("portkeeper.connections.acquire.failures", "endpoint", dead.toString(), "cause",
                "connect_failed").count()).isEqualTo(1);
    }

    @Test
    void aPeerFirstCloseThatFallsBackIsCounted() throws Exception {
        EchoServer server = server();
        PoolMetrics metrics = new PoolMetrics();
        // The echo server answers "quit" with 5 bytes where the hook allows 1, and never closes.
        ConnectionPool pool = pool(metrics, PoolSettings.ofDefaults(),
                ClosePolicy.peerFirst(PeerCloseHook.of("quit", "quit\n".getBytes(StandardCharsets.US_ASCII), 1)));
        Endpoint endpoint = Endpoint.of("127.0.0.1", server.port());
        String ep = endpoint.toString();
        try (PooledConnection c = pool.borrow(endpoint)) {
            echo(c, "x");
        }
        pool.close();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(registry.find("portkeeper.connections.close.fallbacks").tags("endpoint", ep, "strategy",
                    "peer_first").counters()).singleElement().satisfies(c -> {
                        assertThat(c.count()).isEqualTo(1);
                        assertThat(c.getId().getTag("cause")).isIn("unexpected_reply", "peer_did_not_close");
                    });
            assertThat(counter("portkeeper.connections.closed", "endpoint", ep, "reason", "pool_closed", "time.wait",
                    "local").count()).isEqualTo(1);
        });
    }

    @Test
    void endpointsPastTheCapShareOther() throws Exception {
        EchoServer one = server();
        EchoServer two = server();
        PoolMetrics metrics = new PoolMetrics(Tags.empty(), 1);
        ConnectionPool pool = pool(metrics, PoolSettings.ofDefaults(), ClosePolicy.graceful());
        for (EchoServer s : List.of(one, two)) {
            try (PooledConnection c = pool.borrow(Endpoint.of("127.0.0.1", s.port()))) {
                echo(c, "x");
            }
        }
        assertThat(counter("portkeeper.connections.opened", "endpoint", "127.0.0.1:" + one.port()).count()).isEqualTo(1);
        assertThat(counter("portkeeper.connections.opened", "endpoint", "other").count()).isEqualTo(1);
        assertThat(registry.find("portkeeper.connections").tag("endpoint", "other").gauges()).isEmpty();
        assertThat(registry.find("portkeeper.connections.opened").counters()).hasSize(2);
    }

    @Test
    void bindingNeedsThePoolAndOneRegistry() {
        PoolMetrics metrics = new PoolMetrics();
        assertThatThrownBy(() -> metrics.bindTo(registry)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("attach(pool)");
        ConnectionPool pool = ConnectionPool.builder().listener(metrics).build();
        closing.add(pool);
        metrics.attach(pool).bindTo(registry);
        metrics.bindTo(registry);
        assertThatThrownBy(() -> metrics.bindTo(new SimpleMeterRegistry())).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("CompositeMeterRegistry");
        assertThatThrownBy(() -> new PoolMetrics(Tags.empty(), 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxEndpoints must be at least 1: 0");
    }
}
