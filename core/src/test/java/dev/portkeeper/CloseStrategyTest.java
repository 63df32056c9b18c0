package dev.portkeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Each close strategy on real loopback sockets, for each way a connection is retired: what the
 * peer was sent, who closed first as the listener hears it, and every fallback. The TIME_WAIT
 * placement itself is counted by the kernel in {@link CloseStrategyNetnsTest}.
 */
class CloseStrategyTest {
    private static final Duration NEVER = Duration.ofHours(1);

    private final RecordingListener events = new RecordingListener();
    private final FakeTicker ticker = new FakeTicker();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
    }

    private LoopbackServer server(LoopbackServer.Behaviour behaviour) throws IOException {
        LoopbackServer server = LoopbackServer.start(behaviour);
        toClose.add(server);
        return server;
    }

    private ConnectionPool pool(ClosePolicy policy, PoolSettings.Builder settings) {
        ConnectionPool pool = ConnectionPool.builder().name("close").closePolicy(policy).listener(events).ticker(ticker)
                .settings(settings.evictionInterval(NEVER).build()).build();
        toClose.add(0, pool);
        return pool;
    }

    private ConnectionPool pool(ClosePolicy policy) {
        return pool(policy, PoolSettings.custom());
    }

    /** Opens n connections, one request each, and gives them back: n idle connections. */
    private static void warm(ConnectionPool pool, LoopbackServer server, int n) throws IOException {
        List<PooledConnection> held = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            held.add(pool.borrow(server.endpoint()));
        }
        for (PooledConnection c : held) {
            assertThat(Wire.request(c, "hi")).isEqualTo("hi");
            c.close();
        }
    }

    @Test
    void gracefulClosesFirstFromThisSideOnPoolClose() throws IOException {
        LoopbackServer server = server(LoopbackServer.ECHO);
        ConnectionPool pool = pool(ClosePolicy.graceful());
        warm(pool, server, 3);
        pool.close();
        assertThat(events.closed).hasSize(3).allSatisfy(c -> {
            assertThat(c.reason).isEqualTo(ConnectionClosed.Reason.POOL_CLOSED);
            assertThat(c.closedBy).isEqualTo(ConnectionClosed.TimeWait.LOCAL);
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> server.endsOfStreamSeen() == 3);
        assertThat(server.receivedCount("quit")).isZero();
        assertThat(pool.closeStats().closedLocal()).isEqualTo(3);
        assertThat(events.fallbacks).isEmpty();
    }

    @Test
    void peerFirstAsksThePeerToCloseAndHearsItsFinOnIdleEviction() throws IOException {
        LoopbackServer server = server(line -> line.equals("quit") ? null : line + "\n");
        ConnectionPool pool = pool(ClosePolicy.peerFirst(PeerCloseHook.memcached()),
                PoolSettings.custom().idleTimeout(Duration.ofSeconds(10)));
        warm(pool, server, 3);
        ticker.advance(Duration.ofSeconds(11));
        pool.engine().evictNow();
        await().atMost(Duration.ofSeconds(10)).until(() -> events.closed.size() == 3);
        assertThat(events.closed).allSatisfy(c -> {
            assertThat(c.reason).isEqualTo(ConnectionClosed.Reason.IDLE);
            assertThat(c.closedBy).as("the peer's FIN came first").isEqualTo(ConnectionClosed.TimeWait.PEER);
        });
        assertThat(server.receivedCount("quit")).isEqualTo(3);
        assertThat(events.fallbacks).isEmpty();
        assertThat(pool.closeStats().closedPeer()).isEqualTo(3);
        assertThat(pool.closeStats().peerClosesPending()).isZero();
    }

    @Test
    void peerFirstWithRedisDrainsTheOkAndHearsTheFinOnPoolClose() throws IOException {
        LoopbackServer server = server(LoopbackServer.answerThenClose("QUIT", "+OK\r\n"));
        ConnectionPool pool = pool(ClosePolicy.peerFirst(PeerCloseHook.redis()));
        warm(pool, server, 4);
        pool.close(); // waits for the FINs
        assertThat(events.closed).hasSize(4).allSatisfy(c -> assertThat(c.closedBy).isEqualTo(ConnectionClosed.TimeWait.PEER));
        assertThat(server.receivedCount("QUIT")).isEqualTo(4);
        assertThat(server.resetsSeen()).as("the +OK was read, so our close was no reset").isZero();
        assertThat(events.fallbacks).isEmpty();
    }

    @Test
    void peerFirstAppliesToAConnectionGivenBackInStepPastItsLifetime() throws IOException {
        LoopbackServer server = server(line -> line.equals("quit") ? null : line + "\n");
        ConnectionPool pool = pool(ClosePolicy.peerFirst(PeerCloseHook.memcached()),
                PoolSettings.custom().maxLifetime(Duration.ofSeconds(60)).lifetimeJitter(0));
        try (PooledConnection c = pool.borrow(server.endpoint())) {
            Wire.request(c, "hi");
            ticker.advance(Duration.ofSeconds(61));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> events.closed.size() == 1);
        assertThat(events.closed.get(0).reason).isEqualTo(ConnectionClosed.Reason.EXPIRED);
        assertThat(events.closed.get(0).closedBy).isEqualTo(ConnectionClosed.TimeWait.PEER);
        assertThat(server.receivedCount("quit")).isEqualTo(1);
    }

    @Test
    void theCloseThreadEndsWhenNoCloseComesAndStartsAgainForTheNext() throws IOException {
        LoopbackServer server = server(line -> line.equals("quit") ? null : line + "\n");
        ConnectionPool pool = ConnectionPool.builder().name("close-thread").listener(events).ticker(ticker)
                .closePolicy(ClosePolicy.peerFirst(PeerCloseHook.memcached()))
                .settings(PoolSettings.custom().evictionInterval(NEVER).build()).build();
        toClose.add(0, pool);
        for (int round = 1; round <= 2; round++) {
            try (PooledConnection c = pool.borrow(server.endpoint())) {
                Wire.request(c, "hi");
                c.invalidate(); // NOT_IDLE: closed here, no thread needed
            }
            assertThat(closeThreads()).isZero();
            warm(pool, server, 1);
            ticker.advance(Duration.ofMinutes(6)); // past idleTimeout
            pool.engine().evictNow();
            int closedBefore = 2 * round - 1;
            long peerClosed = round;
            await().atMost(Duration.ofSeconds(10)).until(() -> events.closedBy(ConnectionClosed.TimeWait.PEER) == peerClosed);
            assertThat(events.closed).hasSize(closedBefore + 1);
            await().atMost(Duration.ofSeconds(10)).until(() -> closeThreads() == 0);
        }
        assertThat(server.receivedCount("quit")).isEqualTo(2);
    }

    private static long closeThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().equals("portkeeper-close-thread-peer-close")).count();
    }

    @Test
    void peerFirstFallsBackWhenThePeerNeverClosesCountsItAndTellsListenersFirst() throws IOException {
        LoopbackServer server = server(line -> line.equals("quit") ? "" : line + "\n"); // ignores quit
        ConnectionPool pool = pool(ClosePolicy.custom().strategy(ClosePolicy.Strategy.PEER_FIRST)
                .hook(PeerCloseHook.memcached()).peerCloseTimeout(Duration.ofMillis(100)).build());
        warm(pool, server, 2);
        long start = System.nanoTime();
        pool.close(); // returns once the bounded wait is over
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        System.out.println("pool.close() with two peers that never close (peerCloseTimeout 100 ms) took " + tookMs + " ms");
        assertThat(server.receivedCount("quit")).isEqualTo(2);
        assertThat(events.fallbacks).hasSize(2).allSatisfy(f -> {
            assertThat(f.strategy).isEqualTo(ClosePolicy.Strategy.PEER_FIRST);
            assertThat(f.why).isEqualTo(ConnectionClosed.Fallback.PEER_DID_NOT_CLOSE);
        });
        assertThat(events.closed).hasSize(2).allSatisfy(c -> assertThat(c.closedBy).isEqualTo(ConnectionClosed.TimeWait.LOCAL));
        long id = events.closed.get(0).connection.id();
        assertThat(events.order).containsSubsequence("fallback #" + id, "closed #" + id);
        CloseStats stats = pool.closeStats();
        assertThat(stats.peerCloseFallbacks()).isEqualTo(2);
        assertThat(stats.closedLocal()).isEqualTo(2);
        assertThat(stats.peerClosesPending()).isZero();
        await().atMost(Duration.ofSeconds(10)).until(() -> server.endsOfStreamSeen() == 2);
    }

    @Test
    void peerFirstFallsBackWhenThePeerAnswersMoreThanTheHookAllows() throws IOException {
        LoopbackServer server = server(line -> line.equals("bye") ? "a long goodbye\n" : line + "\n");
        PeerCloseHook hook = PeerCloseHook.of("bye", "bye\n".getBytes(), 4);
        ConnectionPool pool = pool(ClosePolicy.peerFirst(hook));
        warm(pool, server, 1);
        pool.close();
        assertThat(events.fallbacks).singleElement().satisfies(f -> assertThat(f.why).isEqualTo(ConnectionClosed.Fallback.UNEXPECTED_REPLY));
        assertThat(events.closed).singleElement().satisfies(c -> assertThat(c.closedBy).isNotEqualTo(ConnectionClosed.TimeWait.PEER));
    }

    @Test
    void peerFirstFallsBackWhenTheRequestCannotBeWritten() throws IOException {
        LoopbackServer server = server(LoopbackServer.ECHO);
        PeerCloseHook failing = new PeerCloseHook() {
            @Override
            public String name() {
                return "failing";
            }

            @Override
            public void requestClose(OutputStream out) throws IOException {
                throw new IOException("no way");
            }
        };
        ConnectionPool pool = pool(ClosePolicy.peerFirst(failing));
        warm(pool, server, 1);
        pool.close();
        assertThat(events.fallbacks).singleElement().satisfies(f -> assertThat(f.why).isEqualTo(ConnectionClosed.Fallback.REQUEST_FAILED));
        assertThat(events.closed).singleElement().satisfies(c -> assertThat(c.closedBy).isEqualTo(ConnectionClosed.TimeWait.LOCAL));
        assertThat(pool.closeStats().peerCloseFallbacks()).isEqualTo(1);
    }

    @Test
    void peerFirstNeverWritesIntoAnInvalidatedConnection() throws IOException {
        // Silent until the command is complete, as memcached is: nothing arrives unread to turn our close into a reset.
        LoopbackServer server = server(line -> line.equals("quit") ? null : line.startsWith("set") ? "" : line + "\n");
        ConnectionPool pool = pool(ClosePolicy.peerFirst(PeerCloseHook.memcached()));
        PooledConnection c = pool.borrow(server.endpoint());
        // A half-written command: "quit\r\n" now could be read by a server as the rest of it.
        c.output().write("set k 0 0 4\r\n".getBytes());
        c.invalidate();
        assertThat(events.fallbacks).singleElement().satisfies(f -> {
            assertThat(f.strategy).isEqualTo(ClosePolicy.Strategy.PEER_FIRST);
            assertThat(f.why).isEqualTo(ConnectionClosed.Fallback.NOT_IDLE);
        });
        assertThat(events.closed).singleElement().satisfies(e -> {
            assertThat(e.reason).isEqualTo(ConnectionClosed.Reason.INVALIDATED);
            assertThat(e.closedBy).isEqualTo(ConnectionClosed.TimeWait.LOCAL);
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> server.endsOfStreamSeen() == 1);
        assertThat(server.receivedCount("quit")).isZero();
    }

    @Test
    void peerFirstOnAConnectionThePeerAlreadyClosedSendsNothingAndIsNoFallback() throws IOException {
        LoopbackServer server = server(LoopbackServer.ECHO);
        ConnectionPool pool = pool(ClosePolicy.peerFirst(PeerCloseHook.memcached()),
                PoolSettings.custom().idleTimeout(Duration.ofSeconds(10)));
        warm(pool, server, 1);
        server.closeAccepted();
        ticker.advance(Duration.ofSeconds(11));
        // Idle eviction takes it without the check; the closer finds the FIN itself.
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            pool.engine().evictNow();
            return events.closed.size() == 1;
        });
        assertThat(events.closed.get(0).closedBy).isEqualTo(ConnectionClosed.TimeWait.PEER);
        assertThat(events.fallbacks).isEmpty();
        assertThat(server.receivedCount("quit")).isZero();
    }

    @Test
    void abortWhenIdleResetsAnIdleConnection() throws IOException {
        LoopbackServer server = server(LoopbackServer.ECHO);
        ConnectionPool pool = pool(ClosePolicy.abortWhenIdle(), PoolSettings.custom().idleTimeout(Duration.ofSeconds(10)));
        warm(pool, server, 3);
        ticker.advance(Duration.ofSeconds(11));
        pool.engine().evictNow();
        assertThat(events.closed).hasSize(3).allSatisfy(c -> {
            assertThat(c.reason).isEqualTo(ConnectionClosed.Reason.IDLE);
            assertThat(c.closedBy).isEqualTo(ConnectionClosed.TimeWait.NONE);
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> server.resetsSeen() == 3);
        assertThat(events.fallbacks).isEmpty();
        assertThat(pool.closeStats().closedReset()).isEqualTo(3);
    }

    @Test
    void abortWhenIdleFallsBackForAnInvalidatedConnection() throws IOException {
        LoopbackServer server = server(LoopbackServer.ECHO);
        ConnectionPool pool = pool(ClosePolicy.abortWhenIdle());
        PooledConnection c = pool.borrow(server.endpoint());
        Wire.request(c, "hi");
        c.invalidate();
        assertThat(events.fallbacks).singleElement().satisfies(f -> assertThat(f.why).isEqualTo(ConnectionClosed.Fallback.NOT_IDLE));
        assertThat(events.closed).singleElement().satisfies(e -> assertThat(e.closedBy).isEqualTo(ConnectionClosed.TimeWait.LOCAL));
        await().atMost(Duration.ofSeconds(10)).until(() -> server.endsOfStreamSeen() == 1);
        assertThat(server.resetsSeen()).isZero();
        assertThat(pool.closeStats().abortFallbacks()).isEqualTo(1);
    }

    @Test
    void abortWhenIdleWithUnreadBytesFallsBackAndSaysHowManyWereLost() throws IOException {
        LoopbackServer server = server(line -> line + "\nsurprise\n");
        ConnectionPool pool = pool(ClosePolicy.abortWhenIdle());
        try (PooledConnection c = pool.borrow(server.endpoint())) {
            assertThat(Wire.request(c, "hi")).isEqualTo("hi");
            await().atMost(Duration.ofSeconds(10)).until(() -> c.input().available() == "surprise\n".length());
        }
        try (CapturedStderr err = new CapturedStderr()) {
            pool.close();
            assertThat(err.text()).contains("Pool close: connection #1").contains("had 9 unread bytes from the peer")
                    .contains("ABORT_WHEN_IDLE is not applied");
        }
        assertThat(events.fallbacks).singleElement().satisfies(f -> {
            assertThat(f.strategy).isEqualTo(ClosePolicy.Strategy.ABORT_WHEN_IDLE);
            assertThat(f.why).isEqualTo(ConnectionClosed.Fallback.UNREAD_BYTES);
        });
        // The kernel's own answer to a close with unread bytes (RFC 1122): a reset, reported as such.
        assertThat(events.closed).singleElement().satisfies(e -> assertThat(e.closedBy).isEqualTo(ConnectionClosed.TimeWait.NONE));
        assertThat(pool.closeStats().abortFallbacks()).isEqualTo(1);
    }
}
