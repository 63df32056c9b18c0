package dev.portkeeper.benchmarks;

import dev.portkeeper.ConnectionPool;
import dev.portkeeper.Endpoint;
import dev.portkeeper.PoolSettings;
import dev.portkeeper.PooledConnection;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
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
 * A 64-byte request and its echo on loopback, as throughput: {@code rawSocket} keeps one
 * persistent socket per thread with no pool (the physical limit), {@code pooled} borrows a
 * connection from a Portkeeper pool for each round trip (the check on borrow included). Run it
 * at 1, 2 and 4 threads ({@code -t}) and compare pooled/raw within one run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class EchoRoundTrip {
    static final int MESSAGE = 64;

    private ServerSocket server;
    private ExecutorService serverThreads;
    ConnectionPool pool;
    NaiveCommonsPool commonsPool;
    Endpoint endpoint;
    InetSocketAddress address;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        server = new ServerSocket(0, 4096, InetAddress.getLoopbackAddress());
        address = new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
        endpoint = Endpoint.of(address);
        serverThreads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "echo-server");
            t.setDaemon(true);
            return t;
        });
        serverThreads.execute(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    s.setTcpNoDelay(true);
                    serverThreads.execute(() -> echo(s));
                } catch (IOException e) {
                    return;
                }
            }
        });
        pool = ConnectionPool.builder().name("echo-bench")
                .settings(PoolSettings.custom().maxPerEndpoint(8).build()).build();
        commonsPool = new NaiveCommonsPool(8);
    }

    private static void echo(Socket s) {
        byte[] buffer = new byte[MESSAGE];
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            while (true) {
                int off = 0;
                while (off < MESSAGE) {
                    int n = in.read(buffer, off, MESSAGE - off);
                    if (n < 0) {
                        return;
                    }
                    off += n;
                }
                out.write(buffer);
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        pool.close();
        commonsPool.close();
        server.close();
        serverThreads.shutdownNow();
    }

    /** One persistent socket per benchmark thread. */
    @State(Scope.Thread)
    public static class RawSocket {
        Socket socket;
        InputStream in;
        OutputStream out;
        final byte[] request = new byte[MESSAGE];
        final byte[] response = new byte[MESSAGE];

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
    public int rawSocket(RawSocket raw) throws IOException {
        raw.out.write(raw.request);
        return readFully(raw.in, raw.response);
    }

    @Benchmark
    public int pooled(Buffers buffers) throws IOException {
        try (PooledConnection c = pool.borrow(endpoint)) {
            c.output().write(buffers.request);
            return readFully(c.input(), buffers.response);
        }
    }

    @Benchmark
    public int commonsPoolNaive(Buffers buffers) throws Exception {
        java.nio.channels.SocketChannel channel = commonsPool.borrow(address);
        try {
            channel.socket().getOutputStream().write(buffers.request);
            return readFully(channel.socket().getInputStream(), buffers.response);
        } finally {
            commonsPool.giveBack(address, channel);
        }
    }

    /** Experiment: one SocketChannel per thread, adaptor streams with SO_TIMEOUT, the check each time. */
    @State(Scope.Thread)
    public static class AffineChannel {
        java.nio.channels.SocketChannel channel;
        java.io.InputStream in;
        java.io.OutputStream out;
        final java.nio.ByteBuffer one = java.nio.ByteBuffer.allocate(1);

        @Setup(Level.Trial)
        public void open(EchoRoundTrip bench) throws IOException {
            channel = java.nio.channels.SocketChannel.open();
            channel.socket().setTcpNoDelay(true);
            channel.socket().connect(bench.address, 5000);
            channel.socket().setSoTimeout(Integer.getInteger("bench.sotimeout", 30000));
            in = channel.socket().getInputStream();
            out = channel.socket().getOutputStream();
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            channel.close();
        }
    }

    @Benchmark
    public int affineChannel(AffineChannel a, Buffers buffers) throws IOException {
        if (Boolean.getBoolean("bench.check")) {
            synchronized (a.channel.blockingLock()) {
                a.channel.configureBlocking(false);
                a.one.clear();
                a.channel.read(a.one);
                a.channel.configureBlocking(true);
            }
        }
        a.out.write(buffers.request);
        return readFully(a.in, buffers.response);
    }

    static int readFully(InputStream in, byte[] into) throws IOException {
        int off = 0;
        while (off < into.length) {
            int n = in.read(into, off, into.length - off);
            if (n < 0) {
                throw new IOException("the echo server closed the connection");
            }
            off += n;
        }
        return off;
    }
}
