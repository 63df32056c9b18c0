package dev.portkeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.portkeeper.kernel.ProcessFds;
import dev.portkeeper.kernel.Procfs;
import dev.portkeeper.kernel.TcpSocket;
import dev.portkeeper.kernel.TcpTable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The engine's promises under contention and against misbehaving peers and listeners, each once
 * broken by the engine on Commons Pool 2: the total limit never churns the asking endpoint's own
 * connections, an acquire timeout holds while connects are in flight, the check never eats a
 * greeting, stuck I/O can be aborted, a throwing listener breaks nothing, close() leaves nothing
 * open. Real sockets on loopback; every loop bounded.
 */
class EnginePromisesTest {
    private static final byte[] GREETING = "220 hello world\r\n".getBytes(StandardCharsets.US_ASCII);

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void closeAll() throws Exception {
        threads.shutdownNow();
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private <T extends AutoCloseable> T closeLater(T c) {
        toClose.add(c);
        return c;
    }

    /** Counts opens and closes. */
    static final class Counting implements PoolListener {
        final AtomicInteger opened = new AtomicInteger();
        final AtomicInteger closed = new AtomicInteger();
        final AtomicInteger open = new AtomicInteger();
        final AtomicInteger peakOpen = new AtomicInteger();
        final List<LeakReport> leaks = new CopyOnWriteArrayList<>();

        @Override
        public void connectionOpened(ConnectionInfo connection) {
            opened.incrementAndGet();
            peakOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
        }

        @Override
        public void connectionClosed(ConnectionClosed event) {
            closed.incrementAndGet();
            open.decrementAndGet();
        }

        @Override
        public void leakSuspected(LeakReport report) {
            leaks.add(report);
        }
    }

    @ParameterizedTest(name = "maxTotal = maxPerEndpoint = {0}")
    @ValueSource(ints = {4})
    void aBindingTotalLimitNeverChurnsTheAskingEndpointsOwnConnections(int limit) throws Exception {
        LoopbackServer server = closeLater(LoopbackServer.echo());
        Counting counts = new Counting();
        ConnectionPool pool = closeLater(ConnectionPool.builder().name("total")
                .settings(PoolSettings.custom().maxPerEndpoint(limit).maxTotal(limit).build())
                .listener(counts).build());
        int threadsCount = 16;
        int perThread = 500;
        AtomicInteger overLimit = new AtomicInteger();
        List<Future<?>> done = new ArrayList<>();
        CountDownLatch start = new CountDownLatch(1);
        for (int t = 0; t < threadsCount; t++) {
            int id = t;
            done.add(threads.submit(() -> {
                start.await();
                for (int i = 0; i < perThread; i++) {
                    try (PooledConnection c = pool.borrow(server.endpoint())) {
                        assertThat(Wire.request(c, id + ":" + i)).isEqualTo(id + ":" + i);
                        if (pool.stats().total() > limit) {
                            overLimit.incrementAndGet();
                        }
                    }
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> f : done) {
            f.get(60, TimeUnit.SECONDS);
        }
        assertThat(counts.opened.get()).as("opened for %d borrows", threadsCount * perThread).isLessThanOrEqualTo(limit);
        assertThat(counts.closed.get()).isZero();
        assertThat(server.accepted()).isLessThanOrEqualTo(limit);
        assertThat(overLimit.get()).as("stats() never over the limit").isZero();
        assertThat(pool.stats().total()).isLessThanOrEqualTo(limit);
    }

    /** A listener whose accept queue is full: a connect to it hangs until its timeout. */
    private ServerSocket fullAcceptQueue() throws IOException {
        ServerSocket listener = closeLater(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
        for (int i = 0; i < 16; i++) {
            Socket s = closeLater(new Socket());
            try {
                s.connect(listener.getLocalSocketAddress(), 200);
            } catch (SocketTimeoutException e) {
                return listener;
            }
        }
        Assumptions.abort("could not fill the accept queue of a listener with backlog 1");
        return listener;
    }

    @ParameterizedTest(name = "maxTotal {0}")
    @ValueSource(ints = {1, 8, 64})
    void anAcquireTimeoutHoldsWhileConnectsAreInFlight(int maxTotal) throws Exception {
        ServerSocket silent = fullAcceptQueue();
        Endpoint endpoint = Endpoint.of("127.0.0.1", silent.getLocalPort());
        ConnectionPool pool = closeLater(ConnectionPool.builder().name("outage")
                .settings(PoolSettings.custom().maxPerEndpoint(1).maxTotal(maxTotal)
                        .acquireTimeout(Duration.ofMillis(200)).build())
                .socketPolicy(SocketPolicy.custom().connectTimeout(Duration.ofSeconds(1)).build()).build());
        List<Future<Object>> borrowers = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            borrowers.add(threads.submit(() -> {
                long start = System.nanoTime();
                try (PooledConnection c = pool.borrow(endpoint)) {
                    return "borrowed?";
                } catch (IOException e) {
                    return new Object[] {e, Duration.ofNanos(System.nanoTime() - start)};
                }
            }));
        }
        for (Future<Object> f : borrowers) {
            Object[] r = (Object[]) f.get(10, TimeUnit.SECONDS);
            assertThat(r[0]).isInstanceOf(AcquireTimeoutException.class);
            // The old engine took 1.1, 2.1, 3.1, 4.1 and 5.1 s here: a connect-timeout per borrower.
            assertThat((Duration) r[1]).as("failed within acquireTimeout + margin").isLessThan(Duration.ofMillis(900));
        }
    }

    @Test
    void pastMaxWaitersABorrowFailsAtOnceEvenWhileAConnectIsInFlight() throws Exception {
        ServerSocket silent = fullAcceptQueue();
        Endpoint endpoint = Endpoint.of("127.0.0.1", silent.getLocalPort());
        ConnectionPool pool = closeLater(ConnectionPool.builder().name("no-waiters")
                .settings(PoolSettings.custom().maxPerEndpoint(1).maxTotal(8).maxWaiters(0)
                        .acquireTimeout(Duration.ofMillis(500)).build())
                .socketPolicy(SocketPolicy.custom().connectTimeout(Duration.ofSeconds(1)).build()).build());
        Future<Object> first = threads.submit(() -> {
            try (PooledConnection c = pool.borrow(endpoint)) {
                return "borrowed?";
            } catch (IOException e) {
                return e;
            }
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.stats(endpoint).pending() == 1);
        assertThatThrownBy(() -> pool.borrow(endpoint)).isInstanceOf(TooManyWaitersException.class)
                .hasMessageContaining("pending=1");
        assertThat(first.get(10, TimeUnit.SECONDS)).isInstanceOf(AcquireTimeoutException.class);
    }

    /** A server that greets each connection, then echoes lines. */
    private ServerSocket greetingServer() throws IOException {
        ServerSocket server = closeLater(new ServerSocket(0, 200, InetAddress.getLoopbackAddress()));
        threads.execute(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    try {
                        threads.execute(() -> {
                            try (s) {
                                s.getOutputStream().write(GREETING);
                                InputStream in = s.getInputStream();
                                while (in.read() >= 0) {
                                    // hold the connection until the client closes
                                }
                            } catch (IOException e) {
                                // the client went away
                            }
                        });
                    } catch (java.util.concurrent.RejectedExecutionException e) {
                        s.close(); // the test is over: nobody will serve it
                        return;
                    }
                } catch (IOException e) {
                    return;
                }
            }
        });
        return server;
    }

    private static String readGreeting(PooledConnection c) throws IOException {
        byte[] got = new byte[GREETING.length];
        int off = 0;
        while (off < got.length) {
            int n = c.input().read(got, off, got.length - off);
            if (n < 0) {
                break;
            }
            off += n;
        }
        return new String(got, 0, off, StandardCharsets.US_ASCII);
    }

    @Test
    void theCheckNeverEatsAGreetingEvenWhenItArrivesBeforeTheBorrow() throws Exception {
        ServerSocket server = greetingServer();
        Endpoint endpoint = Endpoint.of("127.0.0.1", server.getLocalPort());
        PoolListener slowListener = new PoolListener() {
            @Override
            public void connectionOpened(ConnectionInfo connection) {
                try {
                    Thread.sleep(50); // the greeting arrives before the borrower gets the connection
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        ConnectionPool pool = closeLater(ConnectionPool.builder().name("greeting").listener(slowListener)
                .settings(PoolSettings.custom().maxPerEndpoint(16).build()).build());
        AtomicInteger whole = new AtomicInteger();
        List<String> broken = new CopyOnWriteArrayList<>();
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 16; t++) {
            done.add(threads.submit(() -> {
                for (int i = 0; i < 1_000 / 16 + 1 && whole.get() + broken.size() < 1_000; i++) {
                    PooledConnection c = pool.borrow(endpoint);
                    String greeting = readGreeting(c);
                    c.invalidate(); // a new connection, and so a new greeting, for the next borrow
                    if (greeting.equals("220 hello world\r\n")) {
                        whole.incrementAndGet();
                    } else {
                        broken.add(greeting);
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get(120, TimeUnit.SECONDS);
        }
        assertThat(broken).isEmpty();
        assertThat(whole.get()).isGreaterThanOrEqualTo(1_000);
    }

    @Test
    void minIdleConnectionsKeepTheirGreetingThroughEvictionRuns() throws Exception {
        ServerSocket server = greetingServer();
        Endpoint endpoint = Endpoint.of("127.0.0.1", server.getLocalPort());
        ConnectionPool pool = closeLater(ConnectionPool.builder().name("min-idle")
                .settings(PoolSettings.custom().maxPerEndpoint(4).minIdlePerEndpoint(2)
                        .evictionInterval(Duration.ofHours(1)).build()).build());
        // min idle is kept for endpoints in use: use it once, and let that connection go.
        pool.borrow(endpoint).invalidate();
        for (int run = 0; run < 5; run++) {
            pool.engine().evictNow();
        }
        assertThat(pool.stats(endpoint).idle()).isEqualTo(2);
        PooledConnection a = pool.borrow(endpoint);
        PooledConnection b = pool.borrow(endpoint);
        assertThat(readGreeting(a)).isEqualTo("220 hello world\r\n");
        assertThat(readGreeting(b)).isEqualTo("220 hello world\r\n");
        a.close();
        b.close();
    }

    /** A server that accepts and then neither reads nor writes. */
    private LoopbackServer silentServer() throws IOException {
        return closeLater(LoopbackServer.silent());
    }

    @Test
    void invalidateFromAnotherThreadAbortsABlockedWriterAtOnce() throws Exception {
        invalidatingFromAnotherThreadEnds("stuck-writer", c -> {
            byte[] chunk = new byte[64 * 1024];
            for (int i = 0; i < 10_000; i++) { // 640 MB at most: far beyond any socket buffer
                c.output().write(chunk);
            }
        });
    }

    @Test
    void invalidateFromAnotherThreadAbortsABlockedReaderAtOnce() throws Exception {
        invalidatingFromAnotherThreadEnds("stuck-reader", c -> c.input().read());
    }

    /** I/O that blocks on a silent peer. */
    interface BlockingCall {
        void run(PooledConnection c) throws IOException;
    }

    /** Blocks a call on a silent server, invalidates its connection from this thread, and checks both end at once. */
    private void invalidatingFromAnotherThreadEnds(String name, BlockingCall call) throws Exception {
        LoopbackServer server = silentServer();
        ConnectionPool pool = closeLater(ConnectionPool.builder().name(name).build());
        PooledConnection c = pool.borrow(server.endpoint());
        Future<Throwable> blocked = threads.submit(() -> {
            try {
                call.run(c);
                return null;
            } catch (Throwable e) {
                return e;
            }
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> threadBlockedIn(blocked));
        long start = System.nanoTime();
        c.invalidate();
        Duration invalidateTook = Duration.ofNanos(System.nanoTime() - start);
        Throwable failure = blocked.get(1, TimeUnit.SECONDS);
        assertThat(invalidateTook).isLessThan(Duration.ofMillis(100));
        assertThat(failure).isInstanceOf(SocketException.class).hasMessageContaining("invalidated");
        assertThat(pool.stats().total()).isZero();
    }

    @Test
    void aWriteTimeoutEndsAWriteThatThePeerNeverReads() throws Exception {
        LoopbackServer server = silentServer();
        ConnectionPool pool = closeLater(ConnectionPool.builder().name("write-timeout")
                .socketPolicy(SocketPolicy.custom().writeTimeout(Duration.ofMillis(200)).build()).build());
        PooledConnection c = pool.borrow(server.endpoint());
        byte[] chunk = new byte[64 * 1024];
        assertThatThrownBy(() -> {
            for (int i = 0; i < 10_000; i++) {
                c.output().write(chunk);
            }
        }).isInstanceOf(SocketTimeoutException.class).hasMessageContaining("write timeout (200 ms)");
        c.close();
        assertThat(pool.stats().total()).isZero();
    }

    @Test
    void closingThePoolClosesBorrowedConnectionsAndReportsThem() throws Exception {
        Procfs procfs = Procfs.system();
        Assumptions.assumeTrue(procfs.isAvailable(), () -> "procfs unavailable: " + procfs.unavailableReason());
        LoopbackServer server = silentServer();
        Counting counts = new Counting();
        ConnectionPool pool = ConnectionPool.builder().name("closing").listener(counts)
                .settings(PoolSettings.custom().leakDetectionThreshold(Duration.ofHours(1)).build()).build();
        PooledConnection idle = pool.borrow(server.endpoint());
        PooledConnection reading = pool.borrow(server.endpoint());
        PooledConnection held = pool.borrow(server.endpoint());
        List<InetSocketAddress> locals = List.of(idle.localAddress(), reading.localAddress(), held.localAddress());
        idle.close();
        Future<Throwable> reader = threads.submit(() -> {
            try {
                reading.input().read();
                return null;
            } catch (Throwable e) {
                return e;
            }
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> threadBlockedIn(reader));
        assertThat(ownedSocketsFrom(procfs, locals)).isEqualTo(3);

        pool.close();

        assertThat(reader.get(1, TimeUnit.SECONDS)).isInstanceOf(SocketException.class);
        assertThat(ownedSocketsFrom(procfs, locals)).as("sockets of this JVM left open").isZero();
        assertThat(counts.leaks).hasSize(2).allSatisfy(r -> {
            assertThat(r.atPoolClose()).isTrue();
            assertThat(r.borrowSite()).isNotNull();
            assertThat(r.borrowSite().getStackTrace()[0].getClassName()).startsWith("dev.portkeeper");
        });
        assertThat(counts.closed.get()).isEqualTo(3);
        assertThatThrownBy(() -> held.output().write(1)).isInstanceOf(IllegalStateException.class);
    }

    /** Sockets from these local addresses that this process still holds, by inode, from procfs. */
    private static int ownedSocketsFrom(Procfs procfs, List<InetSocketAddress> locals) {
        ProcessFds fds = procfs.processFds().get();
        TcpTable table = procfs.tcpTable().get();
        int n = 0;
        for (TcpSocket s : table.sockets()) {
            for (InetSocketAddress local : locals) {
                if (s.localPort() == local.getPort() && s.inode() != 0 && fds.ownsSocket(s.inode())) {
                    n++;
                }
            }
        }
        return n;
    }

    @Test
    void aWaiterGetsPoolClosedAtCloseWithItsInterruptFlagUntouched() throws Exception {
        LoopbackServer server = closeLater(LoopbackServer.echo());
        ConnectionPool pool = ConnectionPool.builder().name("close-waiters")
                .settings(PoolSettings.custom().maxPerEndpoint(1).acquireTimeout(Duration.ofSeconds(30)).build()).build();
        PooledConnection held = pool.borrow(server.endpoint());
        Future<Object[]> waiter = threads.submit(() -> {
            try (PooledConnection c = pool.borrow(server.endpoint())) {
                return new Object[] {null, Thread.currentThread().isInterrupted()};
            } catch (IOException e) {
                return new Object[] {e, Thread.currentThread().isInterrupted()};
            }
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.stats().waiting() == 1);
        pool.close();
        Object[] r = waiter.get(5, TimeUnit.SECONDS);
        assertThat(r[0]).isInstanceOf(PoolClosedException.class);
        assertThat(r[1]).as("interrupt flag").isEqualTo(false);
        held.close();
    }

    /**
     * A waiter interrupted while a connection is handed to it: in either order it ends with an
     * {@code InterruptedIOException} and its flag set, or with the connection (handed first), and
     * the connection is left idle in the pool, never held for no one. Repeated because the two
     * moments must meet: 200 rounds, at most 20 s.
     */
    @Test
    void anInterruptedWaiterGetsInterruptedIoExceptionWithItsFlagSet() throws Exception {
        LoopbackServer server = closeLater(LoopbackServer.echo());
        ConnectionPool pool = closeLater(ConnectionPool.builder().name("interrupt")
                .settings(PoolSettings.custom().maxPerEndpoint(1).acquireTimeout(Duration.ofSeconds(30)).build())
                .build());
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        int interrupted = 0;
        int served = 0;
        for (int round = 0; round < 200 && System.nanoTime() - end < 0; round++) {
            PooledConnection held = pool.borrow(server.endpoint());
            java.util.concurrent.CompletableFuture<Object[]> outcome = new java.util.concurrent.CompletableFuture<>();
            Thread waiter = new Thread(() -> {
                try (PooledConnection c = pool.borrow(server.endpoint())) {
                    outcome.complete(new Object[] {null, Thread.currentThread().isInterrupted()});
                } catch (IOException | RuntimeException e) {
                    outcome.complete(new Object[] {e, Thread.currentThread().isInterrupted()});
                }
            }, "interrupted-waiter-" + round);
            waiter.start();
            await().atMost(Duration.ofSeconds(5)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1))
                    .until(() -> pool.stats().waiting() == 1);
            // The interrupt and the handover race: each order must leave the pool whole. Every third
            // round the interrupt lands first for sure.
            Thread interrupter = new Thread(waiter::interrupt);
            interrupter.start();
            if (round % 3 == 0) {
                interrupter.join(5_000);
            }
            held.close();
            interrupter.join(5_000);
            Object[] seen = outcome.get(5, TimeUnit.SECONDS);
            if (seen[0] == null) {
                served++;
            } else {
                assertThat(seen[0]).as("round %d", round).isInstanceOf(java.io.InterruptedIOException.class);
                assertThat((Boolean) seen[1]).as("round %d: interrupt flag kept", round).isTrue();
                interrupted++;
            }
            int r = round;
            await().atMost(Duration.ofSeconds(5)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1))
                    .alias("round " + r + ": nothing held for no one").until(() -> pool.stats().waiting() == 0 && pool.stats().active() == 0);
        }
        try (PooledConnection again = pool.borrow(server.endpoint(), Duration.ZERO)) {
            assertThat(Wire.request(again, "still usable")).isEqualTo("still usable");
        }
        assertThat(interrupted).as("rounds where the interrupt won (of %d served)", served).isPositive();
    }

    /** Throws an Error from every callback. */
    static final class ErrorThrowing implements PoolListener {
        final AtomicInteger calls = new AtomicInteger();

        private void boom() {
            calls.incrementAndGet();
            throw new AssertionError("listener failure");
        }

        @Override
        public void connectionOpened(ConnectionInfo connection) {
            boom();
        }

        @Override
        public void connectionClosed(ConnectionClosed event) {
            boom();
        }

        @Override
        public void connectFailed(Endpoint endpoint, IOException failure) {
            boom();
        }

        @Override
        public void connectionBorrowed(ConnectionInfo connection, Duration waited) {
            boom();
        }

        @Override
        public void connectionReturned(ConnectionInfo connection, Duration held) {
            boom();
        }

        @Override
        public void borrowFailed(Endpoint endpoint, Duration waited, IOException failure) {
            boom();
        }

        @Override
        public void leakSuspected(LeakReport report) {
            throw new LinkageError("listener failure");
        }
    }

    @Test
    void listenersThrowingErrorsAtEveryCallbackBreakNeitherTheLimitsNorTheClose() throws Exception {
        Procfs procfs = Procfs.system();
        LoopbackServer server = closeLater(LoopbackServer.echo());
        ErrorThrowing thrower = new ErrorThrowing();
        Counting counts = new Counting();
        FakeTicker ticker = new FakeTicker();
        ConnectionPool pool = ConnectionPool.builder().name("errors").listener(thrower).listener(counts).ticker(ticker)
                .settings(PoolSettings.custom().maxPerEndpoint(3).maxTotal(3).maxLifetime(Duration.ofSeconds(10))
                        .leakDetectionThreshold(Duration.ofSeconds(1)).evictionInterval(Duration.ofHours(1)).build())
                .build();
        List<InetSocketAddress> locals = new CopyOnWriteArrayList<>();
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            done.add(threads.submit(() -> {
                for (int i = 0; i < 200; i++) {
                    try (PooledConnection c = pool.borrow(server.endpoint())) {
                        locals.add(c.localAddress());
                        Wire.request(c, "x");
                        assertThat(pool.stats().total()).isLessThanOrEqualTo(3);
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get(60, TimeUnit.SECONDS);
        }
        ticker.advance(Duration.ofSeconds(11)); // every connection expires: closes through the throwing listener
        pool.engine().evictNow();
        PooledConnection leaked = pool.borrow(server.endpoint());
        ticker.advance(Duration.ofSeconds(2));
        pool.engine().checkLeaksNow();
        assertThatThrownBy(() -> pool.borrow(Endpoint.of("127.0.0.1", 1))).isInstanceOf(ConnectFailedException.class);
        assertThat(counts.peakOpen.get()).isLessThanOrEqualTo(3);
        assertThat(thrower.calls.get()).isPositive();
        pool.close();
        assertThatThrownBy(() -> leaked.output().write(1)).isInstanceOf(IllegalStateException.class);
        assertThat(counts.open.get()).isZero();
        if (procfs.isAvailable()) {
            assertThat(ownedSocketsFrom(procfs, List.copyOf(new java.util.HashSet<>(locals)))).isZero();
        }
    }

    /** A protocol layer's state: how many bytes it holds, and whether it was told the socket closed. */
    static final class Buffering implements PooledConnection.Attachment {
        volatile int buffered;
        final AtomicInteger detached = new AtomicInteger();

        @Override
        public int bufferedBytes() {
            return buffered;
        }

        @Override
        public void detached() {
            detached.incrementAndGet();
        }
    }

    @Test
    void anAttachmentLivesWithTheSocketAndItsBufferedBytesCountAsUnread() throws Exception {
        LoopbackServer server = closeLater(LoopbackServer.echo());
        RecordingListener events = new RecordingListener();
        ConnectionPool pool = closeLater(ConnectionPool.builder().name("attachment").listener(events).build());
        Buffering state = new Buffering();
        try (PooledConnection c = pool.borrow(server.endpoint())) {
            assertThat(c.attachment()).isNull();
            c.attach(state);
            Wire.request(c, "hello");
        }
        try (PooledConnection c = pool.borrow(server.endpoint())) {
            assertThat(c.attachment()).as("the same socket, the same state").isSameAs(state);
            state.buffered = 5; // the layer read ahead and left bytes unconsumed: out of step
        }
        try (PooledConnection c = pool.borrow(server.endpoint())) {
            assertThat(c.attachment()).as("a new socket: the old one was discarded at the check").isNull();
            assertThat(c.useCount()).isEqualTo(1);
        }
        assertThat(events.closedWith(ConnectionClosed.Reason.STRAY_BYTES)).isEqualTo(1);
        assertThat(state.detached.get()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(5)).until(() -> server.accepted() == 2);
    }

    @Test
    void aLeaseMayChangeItsReadTimeoutAndTheNextLeaseHasThePolicysAgain() throws Exception {
        LoopbackServer server = closeLater(LoopbackServer.silent());
        ConnectionPool pool = closeLater(ConnectionPool.builder().name("read-timeout")
                .socketPolicy(SocketPolicy.custom().readTimeout(Duration.ofSeconds(30)).build()).build());
        try (PooledConnection c = pool.borrow(server.endpoint())) {
            c.setReadTimeout(Duration.ofMillis(50));
            assertThat(c.readTimeout()).isEqualTo(Duration.ofMillis(50));
            assertThatThrownBy(() -> c.input().read()).isInstanceOf(SocketTimeoutException.class);
            assertThat(c.isBroken()).as("a timed-out read leaves the protocol out of step").isTrue();
        }
        try (PooledConnection c = pool.borrow(server.endpoint())) {
            assertThat(c.readTimeout()).isEqualTo(Duration.ofSeconds(30));
            c.setReadTimeout(Duration.ofMillis(10));
        }
        try (PooledConnection c = pool.borrow(server.endpoint())) {
            assertThat(c.useCount()).as("given back in step, kept").isEqualTo(2);
            assertThat(c.readTimeout()).isEqualTo(Duration.ofSeconds(30));
        }
        assertThatThrownBy(() -> pool.borrow(server.endpoint()).setReadTimeout(Duration.ofNanos(10)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("readTimeout");
    }

    /**
     * A lease's own read timeout from 200 ms on is kept by the pool's watchdog (a plain blocking
     * read; the pool has no read timeout of its own, so the lease starts the watchdog): the read
     * ends with a timeout that names it, the connection is broken and closed from this side, and
     * a shorter timeout set afterwards on another lease is SO_TIMEOUT's again.
     */
    @Test
    void aLongLeaseReadTimeoutIsKeptByTheWatchdog() throws Exception {
        LoopbackServer server = closeLater(LoopbackServer.silent());
        RecordingListener events = new RecordingListener();
        ConnectionPool pool = closeLater(ConnectionPool.builder().name("lease-watchdog").listener(events)
                .socketPolicy(SocketPolicy.custom().readTimeout(Duration.ZERO).build()).build());
        try (PooledConnection c = pool.borrow(server.endpoint())) {
            assertThat(c.readTimeout()).as("the policy's: none").isEqualTo(Duration.ZERO);
            c.setReadTimeout(Duration.ofMillis(300));
            assertThat(c.readTimeout()).isEqualTo(Duration.ofMillis(300));
            assertThatThrownBy(() -> c.input().read()).isInstanceOf(SocketTimeoutException.class)
                    .hasMessageContaining("read timed out").hasMessageContaining("300 ms, this lease's");
            assertThat(c.isBroken()).isTrue();
        }
        assertThat(events.closed).singleElement().satisfies(e -> {
            assertThat(e.reason).isEqualTo(ConnectionClosed.Reason.BROKEN);
            assertThat(e.closedBy).isEqualTo(ConnectionClosed.TimeWait.LOCAL);
        });
        try (PooledConnection c = pool.borrow(server.endpoint())) {
            assertThat(c.readTimeout()).as("the next lease has the policy's again").isEqualTo(Duration.ZERO);
            c.setReadTimeout(Duration.ofMillis(300));
            c.setReadTimeout(Duration.ofMillis(20));
            assertThat(c.readTimeout()).isEqualTo(Duration.ofMillis(20));
            assertThatThrownBy(() -> c.input().read()).isInstanceOf(SocketTimeoutException.class);
            c.setReadTimeout(Duration.ZERO);
            assertThat(c.readTimeout()).as("zero: no timeout at all").isEqualTo(Duration.ZERO);
        }
    }

    @Test
    void listenersHearTheAcquireTimeTheUsageTimeTheConnectTimeAndFailedBorrows() throws Exception {
        LoopbackServer server = closeLater(LoopbackServer.echo());
        List<Duration> waited = new CopyOnWriteArrayList<>();
        List<Duration> held = new CopyOnWriteArrayList<>();
        List<ConnectionInfo> opened = new CopyOnWriteArrayList<>();
        List<IOException> failed = new CopyOnWriteArrayList<>();
        FakeTicker ticker = new FakeTicker();
        ConnectionPool pool = closeLater(ConnectionPool.builder().name("timings").ticker(ticker)
                .settings(PoolSettings.custom().maxPerEndpoint(1).build())
                .listener(new PoolListener() {
                    @Override
                    public void connectionOpened(ConnectionInfo connection) {
                        opened.add(connection);
                    }

                    @Override
                    public void connectionBorrowed(ConnectionInfo connection, Duration w) {
                        waited.add(w);
                    }

                    @Override
                    public void connectionReturned(ConnectionInfo connection, Duration h) {
                        held.add(h);
                    }

                    @Override
                    public void borrowFailed(Endpoint endpoint, Duration w, IOException failure) {
                        failed.add(failure);
                    }
                }).build());
        try (PooledConnection c = pool.borrow(server.endpoint())) {
            ticker.advance(Duration.ofMillis(250));
            assertThatThrownBy(() -> pool.borrow(server.endpoint(), Duration.ZERO))
                    .isInstanceOf(AcquireTimeoutException.class);
        }
        assertThat(opened).singleElement().satisfies(i -> assertThat(i.connectTime()).isPositive());
        assertThat(waited).singleElement().satisfies(w -> assertThat(w).isPositive());
        assertThat(held).containsExactly(Duration.ofMillis(250));
        assertThat(failed).singleElement().isInstanceOf(AcquireTimeoutException.class);
    }

    @Test
    void aConnectGuardMayRefuseAConnectAndHearsEveryOutcome() throws Exception {
        LoopbackServer server = closeLater(LoopbackServer.echo());
        List<String> heard = new CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicBoolean open = new java.util.concurrent.atomic.AtomicBoolean();
        ConnectGuard guard = new ConnectGuard() {
            @Override
            public void beforeConnect(Endpoint endpoint) throws IOException {
                if (open.get()) {
                    throw new java.net.ConnectException("breaker open for " + endpoint);
                }
            }

            @Override
            public void connected(Endpoint endpoint, Duration took) {
                heard.add("connected");
            }

            @Override
            public void connectFailed(Endpoint endpoint, Duration took, IOException failure) {
                heard.add("failed " + failure.getClass().getSimpleName());
            }
        };
        ConnectionPool pool = closeLater(ConnectionPool.builder().name("guarded").connectGuard(guard).build());
        pool.borrow(server.endpoint()).invalidate();
        assertThatThrownBy(() -> pool.borrow(Endpoint.of("127.0.0.1", 1))).isInstanceOf(ConnectFailedException.class);
        open.set(true);
        assertThatThrownBy(() -> pool.borrow(server.endpoint())).hasMessageContaining("breaker open");
        assertThat(heard).containsExactly("connected", "failed ConnectFailedException");
        assertThat(pool.stats().total()).isZero();
    }

    @Test
    void thePolicysReadTimeoutEndsAReadThatGetsNoAnswer() throws Exception {
        LoopbackServer server = silentServer();
        RecordingListener events = new RecordingListener();
        ConnectionPool pool = closeLater(ConnectionPool.builder().name("read-timeout-policy").listener(events)
                .socketPolicy(SocketPolicy.custom().readTimeout(Duration.ofMillis(200)).build()).build());
        PooledConnection c = pool.borrow(server.endpoint());
        assertThat(c.readTimeout()).isEqualTo(Duration.ofMillis(200));
        assertThatThrownBy(() -> c.input().read()).isInstanceOf(SocketTimeoutException.class)
                .hasMessageContaining("read timed out").hasMessageContaining("200 ms");
        assertThat(c.isBroken()).isTrue();
        c.close();
        assertThat(pool.stats().total()).isZero();
        assertThat(events.closed).singleElement().satisfies(e -> {
            assertThat(e.reason).isEqualTo(ConnectionClosed.Reason.BROKEN);
            assertThat(e.closedBy).as("closed by this side when given back").isEqualTo(ConnectionClosed.TimeWait.LOCAL);
        });
    }

    @Test
    void aConnectionWhosePeerWasAskedToCloseIsClosedByThePeerFirst() throws Exception {
        LoopbackServer server = closeLater(LoopbackServer.start(LoopbackServer.answerThenClose("bye", "ok\n")));
        RecordingListener events = new RecordingListener();
        ConnectionPool pool = closeLater(ConnectionPool.builder().name("peer-closes").listener(events).build());
        PooledConnection c = pool.borrow(server.endpoint());
        assertThat(Wire.request(c, "bye")).isEqualTo("ok");
        c.closeWhenPeerCloses();
        await().atMost(Duration.ofSeconds(5)).until(() -> events.closed.size() == 1);
        assertThat(events.events).singleElement().satisfies(e -> {
            assertThat(e.reason()).isEqualTo(ConnectionClosed.Reason.RETIRED);
            assertThat(e.timeWait()).as("the peer closed first: its TIME_WAIT").isEqualTo(ConnectionClosed.TimeWait.PEER);
            assertThat(e.fallback()).isNull();
        });
        assertThat(pool.closeStats().closedPeer()).isEqualTo(1);
        assertThat(pool.stats().total()).isZero();
    }

    @Test
    void aPeerThatWasAskedButDoesNotCloseIsClosedHereAfterThePeerCloseTimeout() throws Exception {
        LoopbackServer server = closeLater(LoopbackServer.echo());
        RecordingListener events = new RecordingListener();
        ConnectionPool pool = closeLater(ConnectionPool.builder().name("peer-stays").listener(events)
                .closePolicy(ClosePolicy.custom().peerCloseTimeout(Duration.ofMillis(100)).build()).build());
        PooledConnection c = pool.borrow(server.endpoint());
        assertThat(Wire.request(c, "bye")).isEqualTo("bye");
        c.closeWhenPeerCloses();
        await().atMost(Duration.ofSeconds(5)).until(() -> events.closed.size() == 1);
        assertThat(events.events).singleElement().satisfies(e -> {
            assertThat(e.reason()).isEqualTo(ConnectionClosed.Reason.RETIRED);
            assertThat(e.timeWait()).isEqualTo(ConnectionClosed.TimeWait.LOCAL);
            assertThat(e.fallback()).isEqualTo(ConnectionClosed.Fallback.PEER_DID_NOT_CLOSE);
        });
        assertThat(pool.closeStats().peerCloseFallbacks()).isEqualTo(1);
    }

    @Test
    void aLeaseTellsItsRemainingLifetime() throws Exception {
        LoopbackServer server = closeLater(LoopbackServer.echo());
        FakeTicker ticker = new FakeTicker();
        ConnectionPool pool = closeLater(ConnectionPool.builder().name("lifetime").ticker(ticker)
                .settings(PoolSettings.custom().maxLifetime(Duration.ofSeconds(100)).lifetimeJitter(0)
                        .evictionInterval(Duration.ofHours(1)).build()).build());
        try (PooledConnection c = pool.borrow(server.endpoint())) {
            assertThat(c.remainingLifetime()).contains(Duration.ofSeconds(100));
            ticker.advance(Duration.ofSeconds(99));
            assertThat(c.remainingLifetime()).contains(Duration.ofSeconds(1));
            assertThat(c.isLastUse()).isFalse();
            ticker.advance(Duration.ofSeconds(2));
            assertThat(c.remainingLifetime()).contains(Duration.ZERO);
            assertThat(c.isLastUse()).isTrue();
        }
        ConnectionPool forever = closeLater(ConnectionPool.builder().name("no-lifetime")
                .settings(PoolSettings.custom().maxLifetime(Duration.ZERO).build()).build());
        try (PooledConnection c = forever.borrow(server.endpoint())) {
            assertThat(c.remainingLifetime()).isEmpty();
        }
    }

    private boolean threadBlockedIn(Future<?> task) {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getState() == Thread.State.RUNNABLE || t.getState() == Thread.State.WAITING) {
                for (StackTraceElement e : t.getStackTrace()) {
                    if (e.getClassName().startsWith("sun.nio.ch") && (e.getMethodName().contains("read")
                            || e.getMethodName().contains("write") || e.getMethodName().equals("park")
                            || e.getMethodName().equals("poll"))) {
                        return !task.isDone() && t.getName().startsWith("pool-");
                    }
                }
            }
        }
        return false;
    }
}
