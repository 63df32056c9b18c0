package dev.portkeeper.benchmarks;

import dev.portkeeper.ConnectionPool;
import dev.portkeeper.Endpoint;
import dev.portkeeper.PoolSettings;
import dev.portkeeper.PooledConnection;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.commons.pool2.BaseKeyedPooledObjectFactory;
import org.apache.commons.pool2.PooledObject;
import org.apache.commons.pool2.impl.DefaultPooledObject;
import org.apache.commons.pool2.impl.GenericKeyedObjectPool;
import org.apache.commons.pool2.impl.GenericKeyedObjectPoolConfig;
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
 * The pool's overhead alone: borrow and give back an idle connection, nothing sent. Run at 1, 2
 * and 4 threads ({@code -t}) and compare within one run:
 * <ul>
 *   <li>{@code borrowAndReturn}: Portkeeper, the check on borrow included (a non-blocking read);</li>
 *   <li>{@code borrowAndReturnWithChurnGuard}: the same, attached to a port budget under no pressure;</li>
 *   <li>{@code commonsPoolFloor}: a raw Commons Pool 2 borrow and return of a trivial object;</li>
 *   <li>{@code commonsPoolWithCheck}: Commons Pool 2 of sockets with the same check as {@code testOnBorrow};</li>
 *   <li>{@code checkAlone}: the check's system calls alone on an idle socket of this thread (blocking
 *       mode off, a one-byte read that finds nothing, blocking mode on: {@code fcntl} twice, {@code read},
 *       {@code fcntl} twice), what {@code borrowAndReturn} pays the kernel;</li>
 *   <li>{@code connectAndClose}: what a pool saves, a new loopback connection (a TIME_WAIT each).</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class BorrowReturn {
    private EchoServer server;
    private ConnectionPool pool;
    private ConnectionPool guardedPool;
    private NaiveCommonsPool commonsPool;
    private GenericKeyedObjectPool<String, Object> floor;
    private Endpoint endpoint;
    private InetSocketAddress address;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        server = new EchoServer(EchoRoundTrip.MESSAGE);
        address = server.address();
        endpoint = Endpoint.of(address);
        pool = ConnectionPool.builder().name("bench").settings(PoolSettings.custom().maxPerEndpoint(8).build()).build();
        // The same pool attached to a port budget under no pressure: the churn guard's cost on the borrow path.
        guardedPool = ConnectionPool.builder().name("bench-guarded")
                .settings(PoolSettings.custom().maxPerEndpoint(8).build())
                .portBudget(e -> -1).build();
        commonsPool = new NaiveCommonsPool(8);
        GenericKeyedObjectPoolConfig<Object> config = new GenericKeyedObjectPoolConfig<>();
        config.setMaxTotalPerKey(8);
        config.setJmxEnabled(false);
        floor = new GenericKeyedObjectPool<>(new BaseKeyedPooledObjectFactory<>() {
            @Override
            public Object create(String key) {
                return new Object();
            }

            @Override
            public PooledObject<Object> wrap(Object value) {
                return new DefaultPooledObject<>(value);
            }
        }, config);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        pool.close();
        guardedPool.close();
        commonsPool.close();
        floor.close();
        server.close();
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
    public int commonsPoolFloor() throws Exception {
        Object o = floor.borrowObject("key", Duration.ofSeconds(5));
        floor.returnObject("key", o);
        return o.hashCode();
    }

    @Benchmark
    public boolean commonsPoolWithCheck() throws Exception {
        SocketChannel channel = commonsPool.borrow(address);
        commonsPool.giveBack(address, channel);
        return channel.isOpen();
    }

    /** An idle connected socket per benchmark thread, for {@link #checkAlone}. */
    @State(Scope.Thread)
    public static class IdleSocket {
        SocketChannel channel;
        final java.nio.ByteBuffer one = java.nio.ByteBuffer.allocate(1);

        @Setup(Level.Trial)
        public void open(BorrowReturn bench) throws IOException {
            channel = SocketChannel.open(bench.address);
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            channel.close();
        }
    }

    @Benchmark
    public int checkAlone(IdleSocket idle) throws IOException {
        SocketChannel channel = idle.channel;
        idle.one.clear();
        synchronized (channel.blockingLock()) {
            channel.configureBlocking(false);
            try {
                return channel.read(idle.one);
            } finally {
                channel.configureBlocking(true);
            }
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
