package dev.portkeeper.benchmarks;

import dev.portkeeper.ConnectionPool;
import dev.portkeeper.Endpoint;
import dev.portkeeper.PoolSettings;
import dev.portkeeper.PooledConnection;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.openjdk.jmh.annotations.AuxCounters;
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
 * A 64-byte request and its echo on loopback, as throughput; run at 1, 2 and 4 threads
 * ({@code -t}) and compare within one run:
 * <ul>
 *   <li>{@code rawSocket}: one persistent socket per thread, no pool: the physical limit;</li>
 *   <li>{@code pooled}: a Portkeeper pool, a borrow (with its check) per round trip;</li>
 *   <li>{@code commonsPoolNaive}: a plain Commons Pool 2 of sockets with {@code testOnBorrow}, as a
 *       user would write it;</li>
 *   <li>{@code shortConnection}: connect, write, read, close, the naive way: a TIME_WAIT each;</li>
 *   <li>{@code shortConnectionLinger0}: the same with {@code SO_LINGER} 0, the seed's remedy: a
 *       reset instead of a TIME_WAIT.</li>
 * </ul>
 * The secondary figure {@code timeWaitCreated} is the TIME_WAIT sockets the kernel shows created
 * during each iteration (its count at the end less its count at the start; JMH sums the
 * iterations' counts), which over the requests of those iterations gives TIME_WAIT per request.
 * Short connections churn ports: run in a network namespace with {@code tcp_tw_reuse=0}
 * ({@code benchmarks/run.sh} does when root).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class EchoRoundTrip {
    static final int MESSAGE = 64;

    private EchoServer server;
    ConnectionPool pool;
    NaiveCommonsPool commonsPool;
    Endpoint endpoint;
    InetSocketAddress address;
    /** The TIME_WAIT sockets toward the server when the iteration began. */
    double timeWaitAtStart;
    final AtomicBoolean counted = new AtomicBoolean();

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        server = new EchoServer(MESSAGE);
        address = server.address();
        endpoint = Endpoint.of(address);
        pool = ConnectionPool.builder().name("echo-bench")
                .settings(PoolSettings.custom().maxPerEndpoint(8).build()).build();
        commonsPool = new NaiveCommonsPool(8);
    }

    @Setup(Level.Iteration)
    public void startIteration() {
        timeWaitAtStart = KernelTimeWait.count(address.getPort());
        counted.set(false);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        pool.close();
        commonsPool.close();
        server.close();
    }

    /** The TIME_WAIT sockets an iteration created, counted once by the first thread to finish it. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class TimeWait {
        public double timeWaitCreated;

        @Setup(Level.Iteration)
        public void reset() {
            timeWaitCreated = 0;
        }

        @TearDown(Level.Iteration)
        public void count(EchoRoundTrip bench) {
            if (bench.counted.compareAndSet(false, true)) {
                timeWaitCreated = KernelTimeWait.count(bench.address.getPort()) - bench.timeWaitAtStart;
            }
        }
    }

    /** One persistent socket per benchmark thread. */
    @State(Scope.Thread)
    public static class RawSocket {
        Socket socket;
        InputStream in;
        OutputStream out;

        @Setup(Level.Trial)
        public void open(EchoRoundTrip bench) throws IOException {
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.connect(bench.address, 5_000);
            in = socket.getInputStream();
            out = socket.getOutputStream();
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            socket.close();
        }
    }

    /** The buffers of one benchmark thread. */
    @State(Scope.Thread)
    public static class Buffers {
        final byte[] request = new byte[MESSAGE];
        final byte[] response = new byte[MESSAGE];
    }

    @Benchmark
    public int rawSocket(RawSocket raw, Buffers b, TimeWait tw) throws IOException {
        raw.out.write(b.request);
        return Messages.exchange(raw.in, b.response);
    }

    @Benchmark
    public int pooled(Buffers b, TimeWait tw) throws IOException {
        try (PooledConnection c = pool.borrow(endpoint)) {
            c.output().write(b.request);
            return Messages.exchange(c.input(), b.response);
        }
    }

    @Benchmark
    public int commonsPoolNaive(Buffers b, TimeWait tw) throws Exception {
        SocketChannel channel = commonsPool.borrow(address);
        try {
            channel.socket().getOutputStream().write(b.request);
            return Messages.exchange(channel.socket().getInputStream(), b.response);
        } finally {
            commonsPool.giveBack(address, channel);
        }
    }

    @Benchmark
    public int shortConnection(Buffers b, TimeWait tw) throws IOException {
        try (Socket s = new Socket()) {
            s.setTcpNoDelay(true);
            s.connect(address, 5_000);
            s.getOutputStream().write(b.request);
            return Messages.exchange(s.getInputStream(), b.response);
        }
    }

    @Benchmark
    public int shortConnectionLinger0(Buffers b, TimeWait tw) throws IOException {
        try (Socket s = new Socket()) {
            s.setTcpNoDelay(true);
            s.setSoLinger(true, 0);
            s.connect(address, 5_000);
            s.getOutputStream().write(b.request);
            return Messages.exchange(s.getInputStream(), b.response);
        }
    }
}
