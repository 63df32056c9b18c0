package dev.portkeeper.httpclient5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portkeeper.ConnectionClosed;
import dev.portkeeper.ConnectionPool;
import dev.portkeeper.PoolSettings;
import dev.portkeeper.kernel.NetStat;
import dev.portkeeper.kernel.Procfs;
import dev.portkeeper.kernel.TcpState;
import dev.portkeeper.kernel.TcpTable;
import dev.portkeeper.testing.Netns;
import dev.portkeeper.testing.NetnsScenario;
import dev.portkeeper.testing.RequiresNetns;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.util.TimeValue;
import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

/**
 * 10,000 requests to a real nginx ({@code keepalive_requests 100}, {@code keepalive_timeout 2s})
 * started inside a private network namespace, through Portkeeper's connection manager and, for
 * contrast, through HttpClient's own {@code PoolingHttpClientConnectionManager}; then the kernel
 * counts the TIME_WAIT sockets on each side (client side: remote end is nginx; nginx's side: local
 * end is nginx) and TcpExt's abort counters tell closes with a reset.
 */
@RequiresNetns
class NginxTimeWaitNetnsTest {
    static final int REQUESTS = 10_000;
    static final int THREADS = 4;
    static final int NGINX_PORT = 18080;
    private static final Set<TcpState> CLOSING = EnumSet.of(TcpState.FIN_WAIT1, TcpState.FIN_WAIT2,
            TcpState.CLOSING, TcpState.LAST_ACK, TcpState.CLOSE_WAIT, TcpState.ESTABLISHED);

    /** args: portkeeper | portkeeper-lifetime | pooling | pooling-ttl. */
    public static class RequestsToNginx implements NetnsScenario<HashMap<String, Long>> {
        @Override
        public HashMap<String, Long> run(List<String> args) throws Exception {
            String mode = args.get(0);
            Procfs procfs = Procfs.system();
            InetSocketAddress address = new InetSocketAddress("127.0.0.1", NGINX_PORT);
            HashMap<String, Long> r = new HashMap<>();
            try (Nginx nginx = Nginx.start(Files.createTempDirectory("nginx-"), NGINX_PORT)) {
                NetStat before = procfs.netStat().get();
                Events events = new Events();
                ConnectionPool pool = null;
                CloseableHttpClient client;
                if (mode.startsWith("portkeeper")) {
                    PoolSettings.Builder settings = PoolSettings.custom().maxPerEndpoint(THREADS).maxTotal(THREADS);
                    if (mode.equals("portkeeper-lifetime")) {
                        // Lifetimes end well before nginx's 100th request: the pool retires them itself.
                        settings.maxLifetime(Duration.ofMillis(100)).lifetimeJitter(0.5);
                    }
                    pool = ConnectionPool.builder().name(mode).listener(events).settings(settings.build()).build();
                    client = PortkeeperHttpClients.custom(pool).build();
                } else if (mode.equals("pooling-ttl")) {
                    client = HttpClients.custom().setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                            .setMaxConnPerRoute(THREADS).setMaxConnTotal(THREADS)
                            .setDefaultConnectionConfig(ConnectionConfig.custom().setTimeToLive(TimeValue.ofMilliseconds(100))
                                    .build()).build()).build();
                } else {
                    client = HttpClients.custom().setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                            .setMaxConnPerRoute(THREADS).setMaxConnTotal(THREADS).build()).build();
                }
                AtomicInteger errors = new AtomicInteger();
                AtomicInteger ok = new AtomicInteger();
                List<String> firstErrors = new java.util.concurrent.CopyOnWriteArrayList<>();
                ExecutorService threads = Executors.newFixedThreadPool(THREADS);
                long start = System.nanoTime();
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    done.add(threads.submit(() -> {
                        for (int i = 0; i < REQUESTS / THREADS; i++) {
                            try {
                                String body = client.execute(new HttpGet("http://127.0.0.1:" + NGINX_PORT + "/"),
                                        response -> EntityUtils.toString(response.getEntity()));
                                if (body.equals("ok\n")) {
                                    ok.incrementAndGet();
                                } else {
                                    errors.incrementAndGet();
                                }
                            } catch (IOException | RuntimeException e) {
                                errors.incrementAndGet();
                                if (firstErrors.size() < 5) {
                                    firstErrors.add(e.toString());
                                }
                            }
                        }
                    }));
                }
                for (Future<?> f : done) {
                    f.get(300, TimeUnit.SECONDS);
                }
                threads.shutdown();
                r.put("millis", (System.nanoTime() - start) / 1_000_000);
                firstErrors.forEach(e -> System.out.println("error: " + e));
                // Before the client closes (which closes its idle connections itself): the steady state.
                HashMap<String, Long> running = count(procfs, address, false);
                running.forEach((k, v) -> r.put("running." + k, v));
                client.close();
                if (pool != null) {
                    pool.close();
                    r.put("pool.closedPeer", events.closedBy(ConnectionClosed.TimeWait.PEER));
                    r.put("pool.closedLocal", events.closedBy(ConnectionClosed.TimeWait.LOCAL));
                    r.put("pool.closedReset", events.closedBy(ConnectionClosed.TimeWait.NONE));
                    r.put("pool.opened", (long) events.opened.size());
                }
                r.putAll(count(procfs, address, true));
                NetStat after = procfs.netStat().get();
                for (String counter : List.of("TCPAbortOnData", "TCPAbortOnClose")) {
                    r.put(counter, after.get("TcpExt", counter).orElse(0) - before.get("TcpExt", counter).orElse(0));
                }
                r.put("ok", (long) ok.get());
                r.put("errors", (long) errors.get());
            }
            return r;
        }

        private static HashMap<String, Long> count(Procfs procfs, InetSocketAddress server, boolean settle)
                throws IOException {
            if (settle) {
                await().atMost(Duration.ofSeconds(30)).until(() -> procfs.tcpTable().get().stream()
                        .noneMatch(s -> CLOSING.contains(s.state()) && (s.hasRemote(server) || s.hasLocal(server))));
            }
            TcpTable table = procfs.tcpTable().get();
            HashMap<String, Long> r = new HashMap<>();
            r.put("clientTimeWait", (long) table.countWithRemote(server, TcpState.TIME_WAIT));
            r.put("serverTimeWait", table.withLocal(server).stream().filter(s -> s.state() == TcpState.TIME_WAIT).count());
            if (settle) {
                r.put("clientTimeWaitSs", ss("dst", server));
                r.put("serverTimeWaitSs", ss("src", server));
            }
            return r;
        }

        private static long ss(String direction, InetSocketAddress server) throws IOException {
            Process p = new ProcessBuilder("ss", "-Htan", "state", "time-wait", direction,
                    server.getAddress().getHostAddress() + ":" + server.getPort()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            try {
                if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    p.destroyForcibly();
                    throw new IOException("ss failed: " + out);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
            return out.lines().filter(l -> !l.isBlank()).count();
        }
    }

    /** nginx from the Debian package, in the foreground, with its config, pid and logs in a temp dir. */
    static final class Nginx implements AutoCloseable {
        private final Process process;
        private final Path dir;

        private Nginx(Process process, Path dir) {
            this.process = process;
            this.dir = dir;
        }

        static Optional<Path> find() {
            List<String> dirs = new ArrayList<>(List.of("/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"));
            String path = System.getenv("PATH");
            if (path != null) {
                dirs.addAll(List.of(path.split(File.pathSeparator)));
            }
            return dirs.stream().filter(d -> !d.isEmpty()).map(d -> Path.of(d, "nginx"))
                    .filter(p -> Files.isRegularFile(p) && Files.isExecutable(p)).findFirst();
        }

        static void assumeInstalled() {
            if (find().isPresent()) {
                return;
            }
            String reason = "nginx is not installed (Debian package nginx; .ci/run installs it)";
            String required = System.getenv(Netns.REQUIRE_ENV);
            if (required != null && (required.strip().equals("1") || required.strip().equalsIgnoreCase("true"))) {
                throw new AssertionError(reason + " (" + Netns.REQUIRE_ENV + "=1 requires it)");
            }
            throw new TestAbortedException(reason);
        }

        static Nginx start(Path dir, int port) throws IOException {
            Path binary = find().orElseThrow(() -> new IOException("nginx is not installed"));
            for (String sub : List.of("body", "proxy", "fastcgi", "uwsgi", "scgi", "logs")) {
                Files.createDirectories(dir.resolve(sub));
            }
            String conf = String.join("\n",
                    "daemon off;",
                    "master_process on;",
                    "user root;",
                    "worker_processes 1;",
                    "pid " + dir.resolve("nginx.pid") + ";",
                    "error_log " + dir.resolve("logs/error.log") + " warn;",
                    "events { worker_connections 1024; }",
                    "http {",
                    "  access_log off;",
                    "  client_body_temp_path " + dir.resolve("body") + ";",
                    "  proxy_temp_path " + dir.resolve("proxy") + ";",
                    "  fastcgi_temp_path " + dir.resolve("fastcgi") + ";",
                    "  uwsgi_temp_path " + dir.resolve("uwsgi") + ";",
                    "  scgi_temp_path " + dir.resolve("scgi") + ";",
                    "  keepalive_requests 100;",
                    "  keepalive_timeout 2s;",
                    "  server {",
                    "    listen 127.0.0.1:" + port + ";",
                    "    location / { return 200 \"ok\\n\"; }",
                    "  }",
                    "}", "");
            Path confFile = dir.resolve("nginx.conf");
            Files.writeString(confFile, conf);
            Process p = new ProcessBuilder(binary.toString(), "-p", dir.toString(), "-c", confFile.toString(),
                    "-e", dir.resolve("logs/error.log").toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("logs/stdout.log").toFile()).start();
            Nginx nginx = new Nginx(p, dir);
            Procfs procfs = Procfs.system();
            InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
            try {
                await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20)).until(() -> {
                    if (!p.isAlive()) {
                        throw new IOException("nginx exited with code " + p.exitValue() + ": "
                                + Files.readString(dir.resolve("logs/stdout.log")));
                    }
                    return procfs.tcpTable().get().withLocal(address).stream().anyMatch(s -> s.state() == TcpState.LISTEN);
                });
            } catch (RuntimeException e) {
                nginx.close();
                throw e;
            }
            return nginx;
        }

        @Override
        public void close() {
            process.destroy(); // SIGTERM: nginx's fast shutdown, master and worker
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
                System.out.println("nginx error log: " + Files.readString(dir.resolve("logs/error.log")).strip());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            } catch (IOException ignored) {
                // no log: nothing to show
            }
        }
    }

    private static HashMap<String, Long> run(String mode) {
        Nginx.assumeInstalled();
        HashMap<String, Long> r = Netns.builder().timeout(Duration.ofSeconds(240)).build()
                .run(RequestsToNginx.class, mode);
        System.out.println("nginx, " + REQUESTS + " requests, " + mode + ": " + new java.util.TreeMap<>(r));
        return r;
    }

    @Test
    void portkeeperPutsTheTimeWaitOnNginxAndKeepsAtMostThePoolSizeHere() {
        HashMap<String, Long> r = run("portkeeper");
        assertThat(r.get("errors")).isZero();
        assertThat(r.get("ok")).isEqualTo(REQUESTS);
        assertThat(r.get("running.clientTimeWait")).as("client-side TIME_WAIT while running").isLessThanOrEqualTo(THREADS);
        assertThat(r.get("clientTimeWait")).as("client-side TIME_WAIT after the pool closed").isLessThanOrEqualTo(THREADS);
        assertThat(r.get("clientTimeWaitSs")).as("ss agrees").isEqualTo(r.get("clientTimeWait"));
        assertThat(r.get("pool.closedPeer")).as("nginx closed each connection after its 100th request; the"
                + " few still open at the end were closed by the pool").isGreaterThanOrEqualTo(REQUESTS / 100 - THREADS);
        assertThat(r.get("clientTimeWait")).isEqualTo(r.get("pool.closedLocal"));
        // A client port whose four-tuple is in TIME_WAIT on nginx's side only is free here, and a new SYN
        // from it takes the old TIME_WAIT over (timestamps): a few of the 100 may be gone when counted.
        assertThat(r.get("serverTimeWait")).as("TIME_WAIT on nginx's side").isBetween(REQUESTS / 100 - 20L, r.get("pool.closedPeer"));
        assertThat(r.get("serverTimeWaitSs")).as("ss agrees").isEqualTo(r.get("serverTimeWait"));
        assertThat(r.get("TCPAbortOnData") + r.get("TCPAbortOnClose")).as("no close was a reset").isZero();
    }

    @Test
    void retireOnLastUsePutsTheTimeWaitOfExpiredConnectionsOnNginx() {
        HashMap<String, Long> r = run("portkeeper-lifetime");
        assertThat(r.get("errors")).isZero();
        assertThat(r.get("pool.opened")).as("lifetimes of 50-100 ms retire connections before their 100th request")
                .isGreaterThan(REQUESTS / 100);
        // Local closes are connections left idle past the pool's own lifetime, which the pool retires itself.
        assertThat(r.get("pool.closedPeer")).as("most closes are the server's").isGreaterThan(5 * r.get("pool.closedLocal"));
        assertThat(r.get("serverTimeWait")).as("so is most TIME_WAIT").isGreaterThan(3 * r.get("clientTimeWait"));
        assertThat(r.get("clientTimeWait")).isEqualTo(r.get("pool.closedLocal"));
    }

    @Test
    void httpClientsOwnPoolWithATimeToLiveForContrast() {
        HashMap<String, Long> r = run("pooling-ttl");
        assertThat(r.get("errors")).isZero();
    }

    @Test
    void httpClientsOwnPoolForContrast() {
        HashMap<String, Long> r = run("pooling");
        assertThat(r.get("errors")).isZero();
        assertThat(r.get("ok")).isEqualTo(REQUESTS);
    }
}
