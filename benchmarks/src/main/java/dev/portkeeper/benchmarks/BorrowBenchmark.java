package dev.portkeeper.benchmarks;

import dev.portkeeper.ConnectionPool;
import dev.portkeeper.Endpoint;
import dev.portkeeper.PoolSettings;
import dev.portkeeper.PortBudget;
import dev.portkeeper.PooledConnection;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The borrow path: borrow and give back an idle pooled connection (the non-blocking check
 * included), against opening and closing a new loopback connection, which is what a pool saves.
 * Compare them as ratios from the same run; {@code borrowAndReturnWithChurnGuard} is the same
 * borrow with the pool attached to a port budget under no pressure.
 *
 * <p>The connect-per-call benchmark leaves a TIME_WAIT socket per call on this host; run it in a
 * network namespace or keep its measurement short.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class BorrowBenchmark {
    private ServerSocket server;
    private ExecutorService serverThreads;
    private ConnectionPool pool;
    private ConnectionPool guardedPool;
    private Endpoint endpoint;
    private InetSocketAddress address;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        server = new ServerSocket(0, 4096, InetAddress.getLoopbackAddress());
        address = new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
        endpoint = Endpoint.of(address);
        serverThreads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "bench-server");
            t.setDaemon(true);
            return t;
        });
        serverThreads.execute(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    serverThreads.execute(() -> holdUntilClientCloses(s));
                } catch (IOException e) {
                    return;
                }
            }
        });
        pool = ConnectionPool.builder().name("bench").settings(PoolSettings.custom().maxPerEndpoint(4).build()).build();
        // The same pool attached to a port budget under no pressure: the churn guard's cost on the borrow path.
        guardedPool = ConnectionPool.builder().name("bench-guarded")
                .settings(PoolSettings.custom().maxPerEndpoint(4).build())
                .portBudget(e -> -1).build();
    }

    /** The server closes after the client, as most servers do, so the client keeps the TIME_WAIT. */
    private static void holdUntilClientCloses(Socket s) {
        try (s) {
            while (s.getInputStream().read() >= 0) {
                // nothing is sent in this benchmark; wait for the end of stream
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        pool.close();
        guardedPool.close();
        server.close();
        serverThreads.shutdownNow();
    }

    @Benchmark
    public long borrowAndReturn() throws IOException {
        try (PooledConnection c = pool.borrow(endpoint)) {
            return c.useCount();
        }
    }

    @Benchmark
    public long borrowAndReturnWithChurnGuard() throws IOException {
        try (PooledConnection c = guardedPool.borrow(endpoint)) {
            return c.useCount();
        }
    }

    @Benchmark
    public int connectAndClose() throws IOException {
        try (Socket s = new Socket()) {
            s.connect(address, 5_000);
            return s.getLocalPort();
        }
    }
}
