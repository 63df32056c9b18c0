package dev.portkeeper;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portkeeper.testing.Netns;
import dev.portkeeper.testing.NetnsScenario;
import dev.portkeeper.testing.RequiresNetns;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A fixed local address in the socket policy: allowed, marked on every connection, warned about
 * once per pool, and (in a private network namespace) shown to cost what the warning says.
 */
class LocalAddressTest {
    private LoopbackServer server;

    @BeforeEach
    void start() throws IOException {
        server = LoopbackServer.echo();
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
    }

    @Test
    void aPoolWithALocalAddressWarnsOnceNamingThePoolAndMarksItsConnections() throws IOException {
        RecordingListener events = new RecordingListener();
        SocketPolicy policy = SocketPolicy.custom().localAddress(InetAddress.getByName("127.0.0.2")).build();
        try (CapturedStderr err = new CapturedStderr()) {
            try (ConnectionPool pool = ConnectionPool.builder().name("bound-pool").socketPolicy(policy)
                    .listener(events).build()) {
                List<PooledConnection> held = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    held.add(pool.borrow(server.endpoint()));
                }
                for (PooledConnection c : held) {
                    assertThat(Wire.request(c, "hi")).isEqualTo("hi");
                    assertThat(c.localAddress().getAddress().getHostAddress()).isEqualTo("127.0.0.2");
                    c.close();
                }
            }
            assertThat(err.count("Pool bound-pool: socketPolicy.localAddress is 127.0.0.2")).isEqualTo(1);
            assertThat(err.text()).contains("reserves its local port for every destination")
                    .contains("IP_BIND_ADDRESS_NO_PORT");
        }
        assertThat(events.opened).hasSize(3).allSatisfy(c -> assertThat(c.boundLocally()).isTrue());
        assertThat(events.closed).hasSize(3).allSatisfy(c -> assertThat(c.connection.boundLocally()).isTrue());
        assertThat(events.opened.get(0).toString()).contains("bound locally");
    }

    @Test
    void withoutALocalAddressThereIsNoWarningAndNoConnectionIsMarked() throws IOException {
        RecordingListener events = new RecordingListener();
        try (CapturedStderr err = new CapturedStderr()) {
            try (ConnectionPool pool = ConnectionPool.builder().name("free-pool").listener(events).build();
                    PooledConnection c = pool.borrow(server.endpoint())) {
                assertThat(Wire.request(c, "hi")).isEqualTo("hi");
            }
            assertThat(err.text()).doesNotContain("localAddress");
        }
        assertThat(events.opened).singleElement().satisfies(c -> assertThat(c.boundLocally()).isFalse());
    }

    /**
     * Six ports in the range, two servers on fixed ports outside it. Six pooled connections to
     * server A, bound to a local address (args: "bound") or not ("unbound"), then a plain
     * connect() to server B, as any other client on the host would make. Returns what it did.
     */
    public static class OneMoreConnectionToAnotherServer implements NetnsScenario<String> {
        @Override
        public String run(List<String> args) throws Exception {
            SocketPolicy policy = args.get(0).equals("bound")
                    ? SocketPolicy.custom().localAddress(InetAddress.getByName("127.0.0.1")).build()
                    : SocketPolicy.ofDefaults();
            PoolSettings settings = PoolSettings.custom().maxPerEndpoint(6).maxTotal(10).build();
            try (LoopbackServer a = LoopbackServer.start(LoopbackServer.ECHO, 5001);
                    LoopbackServer b = LoopbackServer.start(LoopbackServer.ECHO, 5002);
                    ConnectionPool pool = ConnectionPool.builder().name("range").settings(settings)
                            .socketPolicy(policy).build()) {
                List<PooledConnection> held = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    held.add(pool.borrow(a.endpoint()));
                }
                try (Socket other = new Socket()) {
                    other.connect(new InetSocketAddress("127.0.0.1", b.port()), 5_000);
                    return "connected from port " + other.getLocalPort();
                } catch (IOException e) {
                    return "failed: " + e;
                } finally {
                    held.forEach(PooledConnection::close);
                }
            }
        }
    }

    @Test
    @RequiresNetns
    void portsBoundBeforeConnectAreReservedForEveryDestinationAsTheWarningSays() {
        // An even count: bind() draws its port from an even-sized part of the range.
        Netns sixPorts = Netns.builder().portRange(40000, 40005).build();
        String bound = sixPorts.run(OneMoreConnectionToAnotherServer.class, "bound");
        String unbound = sixPorts.run(OneMoreConnectionToAnotherServer.class, "unbound");
        System.out.println("one more connection, to the other server: bound: " + bound + "; unbound: " + unbound);
        assertThat(bound).startsWith("failed").contains("Cannot assign requested address");
        assertThat(unbound).startsWith("connected from port 4000");
    }
}
