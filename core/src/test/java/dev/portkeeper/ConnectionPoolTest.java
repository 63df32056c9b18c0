package dev.portkeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The pool against a real loopback server: reuse, limits, waiting, failures, listeners. */
class ConnectionPoolTest {
    private LoopbackServer server;
    private final RecordingListener events = new RecordingListener();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeEach
    void start() throws IOException {
        server = LoopbackServer.echo();
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
        server.close();
    }

    private ConnectionPool pool(PoolSettings settings) {
        ConnectionPool pool = ConnectionPool.builder().name("test").settings(settings).listener(events).build();
        toClose.add(pool);
        return pool;
    }

    @Test
    void sequentialRequestsReuseOneConnection() throws IOException {
        ConnectionPool pool = pool(PoolSettings.ofDefaults());
        Set<Integer> localPorts = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            try (PooledConnection c = pool.borrow(server.endpoint())) {
                assertThat(Wire.request(c, "ping " + i)).isEqualTo("ping " + i);
                localPorts.add(c.localAddress().getPort());
                assertThat(c.useCount()).isEqualTo(i + 1);
            }
        }
        assertThat(server.accepted()).isEqualTo(1);
        assertThat(localPorts).hasSize(1);
        assertThat(events.opened).hasSize(1);
        assertThat(events.borrowed).hasSize(100);
        assertThat(events.returned).hasSize(100);
        assertThat(pool.stats(server.endpoint()).idle()).isEqualTo(1);
    }

    @Test
    void perEndpointLimitHoldsUnderConcurrency() throws Exception {
        ConnectionPool pool = pool(PoolSettings.custom().maxPerEndpoint(3).maxTotal(10).build());
        AtomicInteger held = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        runConcurrently(12, 20, () -> {
            try (PooledConnection c = pool.borrow(server.endpoint())) {
                peak.accumulateAndGet(held.incrementAndGet(), Math::max);
                Wire.request(c, "x");
                held.decrementAndGet();
            }
            return null;
        });
        assertThat(peak.get()).isBetween(1, 3);
        assertThat(server.accepted()).isLessThanOrEqualTo(3);
        assertThat(pool.stats(server.endpoint()).total()).isLessThanOrEqualTo(3);
    }

    @Test
    void totalLimitHoldsAcrossEndpoints() throws Exception {
        try (LoopbackServer other = LoopbackServer.echo()) {
            AtomicInteger open = new AtomicInteger();
            AtomicInteger peakOpen = new AtomicInteger();
            PoolListener openCounter = new PoolListener() {
                @Override
                public void connectionOpened(ConnectionInfo c) {
                    peakOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
                }

                @Override
                public void connectionClosed(ConnectionClosed event) {
                    open.decrementAndGet();
                }
            };
            ConnectionPool pool = ConnectionPool.builder().listener(openCounter)
                    .settings(PoolSettings.custom().maxPerEndpoint(3).maxTotal(4).build()).build();
            toClose.add(pool);
            AtomicInteger held = new AtomicInteger();
            AtomicInteger peakHeld = new AtomicInteger();
            AtomicInteger turn = new AtomicInteger();
            runConcurrently(12, 20, () -> {
                Endpoint e = turn.incrementAndGet() % 2 == 0 ? server.endpoint() : other.endpoint();
                try (PooledConnection c = pool.borrow(e)) {
                    peakHeld.accumulateAndGet(held.incrementAndGet(), Math::max);
                    Wire.request(c, "x");
                    held.decrementAndGet();
                }
                return null;
            });
            assertThat(peakHeld.get()).isBetween(1, 4);
            assertThat(peakOpen.get()).isBetween(1, 4);
            assertThat(pool.stats().total()).isLessThanOrEqualTo(4);
            assertThat(pool.stats(server.endpoint()).total()).isLessThanOrEqualTo(3);
        }
    }

    @Test
    void acquireTimeoutNamesEndpointAndPoolState() throws IOException {
        ConnectionPool pool = pool(PoolSettings.custom().maxPerEndpoint(1).build());
        try (PooledConnection held = pool.borrow(server.endpoint())) {
            assertThatThrownBy(() -> pool.borrow(server.endpoint(), Duration.ofMillis(50)))
                    .isInstanceOf(AcquireTimeoutException.class)
                    .hasMessageContaining("Connection to " + server.endpoint() + " is not available")
                    .hasMessageContaining("timed out after 50 ms")
                    .hasMessageContaining("endpoint: total=1, active=1, idle=0, pending=0, waiting=0, max=1")
                    .hasMessageContaining("pool: total=1, active=1, idle=0, pending=0, waiting=0, max=64")
                    .hasMessageContaining("leakDetectionThreshold")
                    .satisfies(e -> {
                        AcquireTimeoutException a = (AcquireTimeoutException) e;
                        assertThat(a.endpoint()).isEqualTo(server.endpoint());
                        assertThat(a.endpointStats().active()).isEqualTo(1);
                        assertThat(a.timeout()).isEqualTo(Duration.ofMillis(50));
                    });
        }
    }

    @Test
    void waiterGetsTheReturnedConnectionAndTheWaiterBoundShedsTheRest() throws Exception {
        ConnectionPool pool = pool(PoolSettings.custom().maxPerEndpoint(1).maxWaiters(1).build());
        ExecutorService pool2 = Executors.newSingleThreadExecutor();
        try {
            PooledConnection held = pool.borrow(server.endpoint());
            Future<Long> waiter = pool2.submit(() -> {
                try (PooledConnection c = pool.borrow(server.endpoint(), Duration.ofSeconds(30))) {
                    return c.useCount();
                }
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> pool.stats(server.endpoint()).waiting() == 1);
            assertThatThrownBy(() -> pool.borrow(server.endpoint(), Duration.ofSeconds(30)))
                    .isInstanceOf(TooManyWaitersException.class)
                    .hasMessageContaining(server.endpoint().toString())
                    .hasMessageContaining("maxWaiters=1");
            held.close();
            assertThat(waiter.get(10, TimeUnit.SECONDS)).isEqualTo(2);
            assertThat(server.accepted()).isEqualTo(1);
        } finally {
            pool2.shutdownNow();
        }
    }

    @Test
    void endOfStreamSeenByTheBorrowerDiscardsTheConnection() throws IOException {
        server.behaviour(line -> null);
        ConnectionPool pool = pool(PoolSettings.ofDefaults());
        try (PooledConnection c = pool.borrow(server.endpoint())) {
            assertThat(Wire.request(c, "bye")).isNull();
            assertThat(c.isBroken()).isTrue();
        }
        assertThat(pool.stats().total()).isZero();
        assertThat(events.closed).singleElement().satisfies(c -> {
            assertThat(c.reason).isEqualTo(ConnectionClosed.Reason.PEER_CLOSED);
            assertThat(c.closedBy).isEqualTo(ConnectionClosed.TimeWait.PEER);
        });
    }

    @Test
    void readTimeoutMarksTheConnectionBroken() throws IOException {
        server.behaviour(line -> "");
        ConnectionPool pool = ConnectionPool.builder().listener(events)
                .socketPolicy(SocketPolicy.custom().readTimeout(Duration.ofMillis(50)).build()).build();
        toClose.add(pool);
        try (PooledConnection c = pool.borrow(server.endpoint())) {
            assertThatThrownBy(() -> Wire.request(c, "no answer")).isInstanceOf(java.net.SocketTimeoutException.class);
            assertThat(c.isBroken()).isTrue();
        }
        assertThat(events.closedWith(ConnectionClosed.Reason.BROKEN)).isEqualTo(1);
        assertThat(events.closed.get(0).closedBy).isEqualTo(ConnectionClosed.TimeWait.LOCAL);
    }

    @Test
    void strayBytesOnAReturnedConnectionDiscardIt() throws IOException {
        server.behaviour(line -> line + "\nstray\n");
        ConnectionPool pool = pool(PoolSettings.ofDefaults());
        try (PooledConnection c = pool.borrow(server.endpoint())) {
            assertThat(Wire.request(c, "hello")).isEqualTo("hello");
            // The answer and the stray line came in one write; make sure the stray part is here.
            await().atMost(Duration.ofSeconds(10)).until(() -> c.input().available() > 0);
        }
        server.behaviour(LoopbackServer.ECHO);
        try (PooledConnection c = pool.borrow(server.endpoint())) {
            assertThat(c.useCount()).isEqualTo(1);
            assertThat(Wire.request(c, "again")).isEqualTo("again");
        }
        assertThat(events.opened).hasSize(2);
        assertThat(events.closed).singleElement().satisfies(c -> {
            assertThat(c.reason).isEqualTo(ConnectionClosed.Reason.STRAY_BYTES);
            assertThat(c.closedBy).isEqualTo(ConnectionClosed.TimeWait.NONE);
        });
    }

    @Test
    void invalidateDiscardsAndUseAfterCloseIsRefused() throws IOException {
        ConnectionPool pool = pool(PoolSettings.ofDefaults());
        PooledConnection c = pool.borrow(server.endpoint());
        Wire.request(c, "x");
        c.invalidate();
        c.close();
        assertThat(events.closedWith(ConnectionClosed.Reason.INVALIDATED)).isEqualTo(1);
        assertThat(events.closed.get(0).closedBy).isEqualTo(ConnectionClosed.TimeWait.LOCAL);
        assertThatThrownBy(() -> c.output().write(1)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already given back");
        assertThat(pool.stats().total()).isZero();
    }

    @Test
    void connectFailureNamesTheEndpoint() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        ConnectionPool pool = pool(PoolSettings.ofDefaults());
        Endpoint nowhere = Endpoint.of("127.0.0.1", closedPort);
        assertThatThrownBy(() -> pool.borrow(nowhere))
                .isInstanceOf(ConnectFailedException.class)
                .hasMessageContaining("Could not connect to 127.0.0.1:" + closedPort)
                .hasCauseInstanceOf(ConnectException.class);
        assertThat(events.connectFailures).hasSize(1);
        assertThat(pool.stats().total()).isZero();
    }

    @Test
    void closedPoolRefusesBorrowsAndClosesBorrowedConnectionsToo() throws IOException {
        ConnectionPool pool = pool(PoolSettings.ofDefaults());
        PooledConnection idle = pool.borrow(server.endpoint());
        PooledConnection held = pool.borrow(server.endpoint());
        idle.close();
        pool.close();
        assertThat(events.closedWith(ConnectionClosed.Reason.POOL_CLOSED)).as("the idle one and the borrowed one")
                .isEqualTo(2);
        assertThat(events.leaks).singleElement().satisfies(r -> assertThat(r.atPoolClose()).isTrue());
        assertThatThrownBy(() -> held.output().write(1)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed by the pool");
        held.close();
        assertThat(events.closedWith(ConnectionClosed.Reason.POOL_CLOSED)).isEqualTo(2);
        assertThatThrownBy(() -> pool.borrow(server.endpoint()))
                .isInstanceOf(PoolClosedException.class)
                .hasMessageContaining("Pool test is closed");
    }

    @Test
    void aThrowingListenerNeverBreaksThePool() throws IOException {
        PoolListener broken = new PoolListener() {
            @Override
            public void connectionOpened(ConnectionInfo c) {
                throw new IllegalStateException("boom");
            }

            @Override
            public void connectionBorrowed(ConnectionInfo c, Duration waited) {
                throw new IllegalStateException("boom");
            }

            @Override
            public void connectionReturned(ConnectionInfo c, Duration held) {
                throw new IllegalStateException("boom");
            }

            @Override
            public void connectionClosed(ConnectionClosed event) {
                throw new IllegalStateException("boom");
            }
        };
        ConnectionPool pool = ConnectionPool.builder().listener(broken).listener(events).build();
        toClose.add(pool);
        for (int i = 0; i < 3; i++) {
            try (PooledConnection c = pool.borrow(server.endpoint())) {
                assertThat(Wire.request(c, "ok")).isEqualTo("ok");
            }
        }
        pool.close();
        assertThat(events.borrowed).hasSize(3);
        assertThat(events.closed).hasSize(1);
    }

    private static void runConcurrently(int threads, int perThread, java.util.concurrent.Callable<Void> task)
            throws Exception {
        ExecutorService exec = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            futures.add(exec.submit(() -> {
                go.await();
                for (int i = 0; i < perThread; i++) {
                    task.call();
                }
                return null;
            }));
        }
        go.countDown();
        try {
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            exec.shutdownNow();
        }
    }
}
