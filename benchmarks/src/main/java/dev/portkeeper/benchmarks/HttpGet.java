package dev.portkeeper.benchmarks;

import dev.portkeeper.ConnectionPool;
import dev.portkeeper.PoolSettings;
import dev.portkeeper.budget.PortBudgetMonitor;
import dev.portkeeper.httpclient5.PortkeeperHttpClients;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.pool.PoolConcurrencyPolicy;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A small GET ({@value HttpBenchServer#BODY_SIZE} bytes of body) against one server on loopback,
 * the same for every client of the run, as throughput; run at 1 and 4 threads ({@code -t}) and
 * compare within one run. Each client is built once per trial, shared by the threads, configured
 * as its documentation recommends, with a pool of {@value #POOL} connections (more than the
 * threads); each reads the whole body and closes the response as its documentation says:
 * <ul>
 *   <li>{@code portkeeper}: Apache HttpClient 5 classic over Portkeeper
 *       ({@code PortkeeperHttpClients.custom(pool)}, the pool attached to the shared port budget
 *       monitor, as the README's example);</li>
 *   <li>{@code httpClient5Pooling}: the same HttpClient with its own
 *       {@code PoolingHttpClientConnectionManager} (its default, {@code STRICT}, pool);</li>
 *   <li>{@code httpClient5PoolingLax}: the same with the {@code LAX} pool, HttpCore's choice for
 *       higher concurrency;</li>
 *   <li>{@code okHttp}: OkHttp 5, one {@code OkHttpClient} with a {@code ConnectionPool} of
 *       {@value #POOL};</li>
 *   <li>{@code jdkHttpClient}: {@code java.net.http.HttpClient}, HTTP/1.1;</li>
 *   <li>{@code httpUrlConnection}: {@code HttpURLConnection}, the JDK's keep-alive cache
 *       ({@code -Dhttp.maxConnections} set to {@value #POOL} in the fork);</li>
 *   <li>{@code shortConnection}: the naive way: a new socket per request with
 *       {@code Connection: close}, read to the server's FIN (no HTTP library: the cheapest short
 *       connection there is).</li>
 * </ul>
 * The server is the {@code server} parameter: {@code nginx} (the Debian package, started here as
 * a child process), {@code jdk} ({@code com.sun.net.httpserver}), or {@code auto}, nginx when
 * installed; {@code benchmarks/run.sh} passes the one it found, so that the JSON names it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Dhttp.maxConnections=" + HttpGet.POOL, "-Dsun.net.httpserver.nodelay=true"})
public class HttpGet {
    /** Connections each client may keep: more than the most threads run (4). */
    static final int POOL = 8;

    @Param(HttpBenchServer.AUTO)
    public String server;

    private HttpBenchServer httpServer;
    InetSocketAddress address;
    URI uri;
    URL url;
    byte[] closeRequest;

    @Setup(Level.Trial)
    public void startServer() throws IOException {
        httpServer = HttpBenchServer.start(server);
        address = httpServer.address();
        uri = URI.create("http://127.0.0.1:" + address.getPort() + "/small");
        url = uri.toURL();
        closeRequest = ("GET /small HTTP/1.1\r\nHost: 127.0.0.1:" + address.getPort()
                + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        System.out.println("HttpGet: server " + httpServer.name() + " on " + address);
    }

    @TearDown(Level.Trial)
    public void stopServer() throws IOException {
        httpServer.close();
    }

    static int expectOk(int status, int bodyLength) throws IOException {
        if (status != 200 || bodyLength != HttpBenchServer.BODY_SIZE) {
            throw new IOException("unexpected response: status " + status + ", " + bodyLength + " bytes of body");
        }
        return bodyLength;
    }

    /**
     * HttpClient 5 over Portkeeper, as the README shows it: a pool of its own attached to the
     * shared port budget monitor, {@code PortkeeperHttpClients.custom(pool)}.
     */
    @State(Scope.Benchmark)
    public static class Portkeeper {
        ConnectionPool pool;
        CloseableHttpClient client;

        @Setup(Level.Trial)
        public void open() {
            pool = ConnectionPool.builder().name("http-bench")
                    .settings(PoolSettings.custom().maxPerEndpoint(POOL).idleTimeout(Duration.ofSeconds(50)).build())
                    .portBudget(PortBudgetMonitor.shared())
                    .build();
            client = PortkeeperHttpClients.custom(pool).build();
        }

        @TearDown(Level.Trial)
        public void close() {
            client.close(CloseMode.GRACEFUL);
            pool.close();
        }
    }

    /**
     * HttpClient 5 with its own pool, as its documentation's examples build it (one client for
     * the whole application, responses consumed by a response handler):
     * {@code PoolingHttpClientConnectionManagerBuilder} with the total and per-route limits set,
     * the pool's default {@code PoolConcurrencyPolicy.STRICT}.
     */
    @State(Scope.Benchmark)
    public static class HttpClient5Pooling {
        CloseableHttpClient client;

        @Setup(Level.Trial)
        public void open() {
            client = build(PoolConcurrencyPolicy.STRICT);
        }

        static CloseableHttpClient build(PoolConcurrencyPolicy policy) {
            PoolingHttpClientConnectionManager manager = PoolingHttpClientConnectionManagerBuilder.create()
                    .setPoolConcurrencyPolicy(policy).setMaxConnTotal(POOL).setMaxConnPerRoute(POOL).build();
            return HttpClients.custom().setConnectionManager(manager).build();
        }

        @TearDown(Level.Trial)
        public void close() {
            client.close(CloseMode.GRACEFUL);
        }
    }

    /**
     * The same with {@code PoolConcurrencyPolicy.LAX}, which HttpCore documents as "higher
     * concurrency but with lax connection max limit guarantees": HttpClient's own pool at its
     * fastest.
     */
    @State(Scope.Benchmark)
    public static class HttpClient5PoolingLax {
        CloseableHttpClient client;

        @Setup(Level.Trial)
        public void open() {
            client = HttpClient5Pooling.build(PoolConcurrencyPolicy.LAX);
        }

        @TearDown(Level.Trial)
        public void close() {
            client.close(CloseMode.GRACEFUL);
        }
    }

    /**
     * One shared {@code OkHttpClient} ("OkHttp performs best when you create a single
     * {@code OkHttpClient} instance and reuse it", its Javadoc), its pool sized for the threads;
     * each response closed by try-with-resources, as its recipes do.
     */
    @State(Scope.Benchmark)
    public static class OkHttp {
        OkHttpClient client;
        HttpUrl url;

        @Setup(Level.Trial)
        public void open(HttpGet bench) {
            url = HttpUrl.get(bench.uri.toString());
            client = new OkHttpClient.Builder()
                    .connectionPool(new okhttp3.ConnectionPool(POOL, 5, TimeUnit.MINUTES)).build();
        }

        @TearDown(Level.Trial)
        public void close() {
            client.dispatcher().executorService().shutdown();
            client.connectionPool().evictAll();
        }
    }

    /** One shared {@code java.net.http.HttpClient}, HTTP/1.1 (its pool has no limit). */
    @State(Scope.Benchmark)
    public static class JdkHttpClient {
        HttpClient client;

        @Setup(Level.Trial)
        public void open() {
            client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        }

        @TearDown(Level.Trial)
        public void close() throws Exception {
            if (client instanceof AutoCloseable closeable) { // JDK 21 and later
                closeable.close();
            }
        }
    }

    /** What one benchmark thread reads a short connection's response into. */
    @State(Scope.Thread)
    public static class Buffer {
        final byte[] bytes = new byte[8192];
    }

    @Benchmark
    public int portkeeper(Portkeeper p) throws IOException {
        return p.client.execute(new org.apache.hc.client5.http.classic.methods.HttpGet(uri), HttpGet::consume);
    }

    @Benchmark
    public int httpClient5Pooling(HttpClient5Pooling p) throws IOException {
        return p.client.execute(new org.apache.hc.client5.http.classic.methods.HttpGet(uri), HttpGet::consume);
    }

    @Benchmark
    public int httpClient5PoolingLax(HttpClient5PoolingLax p) throws IOException {
        return p.client.execute(new org.apache.hc.client5.http.classic.methods.HttpGet(uri), HttpGet::consume);
    }

    /** HttpClient's response handler: the entity read whole, the response closed by {@code execute}. */
    private static int consume(ClassicHttpResponse response) throws IOException {
        return expectOk(response.getCode(), EntityUtils.toByteArray(response.getEntity()).length);
    }

    @Benchmark
    public int okHttp(OkHttp o) throws IOException {
        try (Response response = o.client.newCall(new Request.Builder().url(o.url).build()).execute()) {
            return expectOk(response.code(), response.body().bytes().length);
        }
    }

    @Benchmark
    public int jdkHttpClient(JdkHttpClient j) throws IOException, InterruptedException {
        HttpResponse<byte[]> response = j.client.send(HttpRequest.newBuilder(uri).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        return expectOk(response.statusCode(), response.body().length);
    }

    /**
     * As the JDK's networking guide ("Persistent Connections") says: read the body to its end and
     * close the stream, never {@code disconnect()}, so that the connection goes back to the
     * keep-alive cache. The body becomes a {@code byte[]}, as with the other clients.
     */
    @Benchmark
    public int httpUrlConnection() throws IOException {
        HttpURLConnection connection = (HttpURLConnection) url.openConnection();
        int n;
        try (InputStream in = connection.getInputStream()) {
            n = in.readAllBytes().length;
        }
        return expectOk(connection.getResponseCode(), n);
    }

    /** A connection per request, {@code Connection: close}: the server closes first, as HTTP/1.1 has it. */
    @Benchmark
    public int shortConnection(Buffer b) throws IOException {
        try (Socket s = new Socket()) {
            s.setTcpNoDelay(true);
            s.setSoTimeout(10_000);
            s.connect(address, 5_000);
            s.getOutputStream().write(closeRequest);
            return readToClose(s.getInputStream(), b.bytes);
        }
    }

    /**
     * Reads a {@code Connection: close} response to the server's FIN and checks it.
     *
     * @return the body's length
     */
    static int readToClose(InputStream in, byte[] into) throws IOException {
        int n = 0;
        for (int r; (r = in.read(into, n, into.length - n)) >= 0; ) {
            n += r;
            if (n == into.length) {
                throw new IOException("a response longer than " + into.length + " bytes");
            }
        }
        String head = new String(into, 0, Math.min(n, 12), StandardCharsets.US_ASCII);
        int status = head.startsWith("HTTP/1.") && head.length() == 12 ? Integer.parseInt(head.substring(9, 12)) : -1;
        int bodyStart = -1;
        for (int i = 3; i < n; i++) {
            if (into[i] == '\n' && into[i - 1] == '\r' && into[i - 2] == '\n' && into[i - 3] == '\r') {
                bodyStart = i + 1;
                break;
            }
        }
        return expectOk(status, bodyStart < 0 ? -1 : n - bodyStart);
    }
}
