package dev.portkeeper.benchmarks;

import com.sun.net.httpserver.HttpServer;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The one HTTP server on 127.0.0.1 that every client of a {@link HttpGet} run talks to: it answers
 * every request with {@link #BODY} ({@value #BODY_SIZE} bytes of text/plain) and keeps connections
 * alive for as long as any client would (nginx: {@code keepalive_timeout 60s},
 * {@code keepalive_requests 1000000}), so that no client pays for reconnects another does not.
 */
abstract class HttpBenchServer implements AutoCloseable {
    static final int BODY_SIZE = 512;
    /** A few hundred bytes, letters and spaces only (nginx's {@code return} takes them as they are). */
    static final String BODY = body();

    /** nginx when it is installed, else the JDK's server. */
    static final String AUTO = "auto";
    static final String NGINX = "nginx";
    static final String JDK = "jdk";

    private static String body() {
        StringBuilder b = new StringBuilder(BODY_SIZE);
        while (b.length() < BODY_SIZE - 1) {
            b.append("portkeeper benchmark body ");
        }
        b.setLength(BODY_SIZE - 1);
        return b.append('\n').toString();
    }

    /**
     * @param which {@value #NGINX}, {@value #JDK} or {@value #AUTO}
     * @return the server, listening
     */
    static HttpBenchServer start(String which) throws IOException {
        return switch (which) {
            case NGINX -> Nginx.start();
            case JDK -> new JdkServer();
            case AUTO -> Nginx.find().isPresent() ? Nginx.start() : new JdkServer();
            default -> throw new IllegalArgumentException("server must be " + AUTO + ", " + NGINX + " or " + JDK
                    + ": " + which);
        };
    }

    abstract InetSocketAddress address();

    /** @return what answers, for the log: "nginx" or "jdk" */
    abstract String name();

    @Override
    public abstract void close() throws IOException;

    /**
     * The JDK's {@code com.sun.net.httpserver} with a fixed pool of handler threads. Its responses
     * go out with TCP_NODELAY only under {@code -Dsun.net.httpserver.nodelay=true} (read once, when
     * the server classes load), which {@link HttpGet}'s forks set: without it, small responses can
     * wait for delayed ACKs.
     */
    static final class JdkServer extends HttpBenchServer {
        private final HttpServer server;
        private final ExecutorService handlers;

        JdkServer() throws IOException {
            byte[] body = BODY.getBytes(StandardCharsets.US_ASCII);
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
            handlers = Executors.newFixedThreadPool(Math.max(4, Runtime.getRuntime().availableProcessors()), r -> {
                Thread t = new Thread(r, "http-bench-server");
                t.setDaemon(true);
                return t;
            });
            server.setExecutor(handlers);
            server.createContext("/", exchange -> {
                try (exchange; InputStream in = exchange.getRequestBody()) {
                    in.transferTo(OutputStream.nullOutputStream());
                    exchange.getResponseHeaders().set("Content-Type", "text/plain");
                    exchange.sendResponseHeaders(200, body.length);
                    exchange.getResponseBody().write(body);
                }
            });
            server.start();
        }

        @Override
        InetSocketAddress address() {
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getAddress().getPort());
        }

        @Override
        String name() {
            return JDK;
        }

        @Override
        public void close() {
            server.stop(0);
            handlers.shutdownNow();
        }
    }

    /**
     * nginx from the Debian package, in the foreground ({@code daemon off}) as a child process, with
     * its config, pid, logs and temp dirs in a directory of its own, on a free loopback port.
     */
    static final class Nginx extends HttpBenchServer {
        private final Process process;
        private final Path dir;
        private final InetSocketAddress address;

        private Nginx(Process process, Path dir, InetSocketAddress address) {
            this.process = process;
            this.dir = dir;
            this.address = address;
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

        static Nginx start() throws IOException {
            Path binary = find().orElseThrow(() -> new IOException("nginx is not installed (Debian package nginx)"));
            Path dir = Files.createTempDirectory("portkeeper-bench-nginx-");
            for (String sub : List.of("body", "proxy", "fastcgi", "uwsgi", "scgi", "logs")) {
                Files.createDirectories(dir.resolve(sub));
            }
            int port;
            try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = probe.getLocalPort();
            }
            String conf = String.join("\n",
                    "daemon off;",
                    "master_process on;",
                    // As root the workers would otherwise run as nobody; elsewhere the directive is ignored.
                    "root".equals(System.getProperty("user.name")) ? "user root;" : "",
                    "worker_processes auto;",
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
                    // No client is cut off mid-run: a trial's connections live as long as the trial.
                    "  keepalive_requests 1000000;",
                    "  keepalive_timeout 60s;",
                    "  default_type text/plain;",
                    "  server {",
                    "    listen 127.0.0.1:" + port + ";",
                    "    location / { return 200 \"" + BODY.substring(0, BODY_SIZE - 1) + "\\n\"; }",
                    "  }",
                    "}", "");
            Path confFile = dir.resolve("nginx.conf");
            Files.writeString(confFile, conf);
            Process p = new ProcessBuilder(binary.toString(), "-p", dir.toString(), "-c", confFile.toString(),
                    "-e", dir.resolve("logs/error.log").toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("logs/stdout.log").toFile()).start();
            InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
            Nginx nginx = new Nginx(p, dir, address);
            try {
                nginx.awaitListening();
            } catch (IOException | RuntimeException e) {
                nginx.close();
                throw e;
            }
            return nginx;
        }

        private void awaitListening() throws IOException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (true) {
                if (!process.isAlive()) {
                    throw new IOException("nginx exited with code " + process.exitValue() + ": " + log());
                }
                try (Socket s = new Socket()) {
                    s.connect(address, 1_000);
                    return;
                } catch (IOException notYet) {
                    if (System.nanoTime() > deadline) {
                        throw new IOException("nginx did not listen on " + address + " within 20 s: " + log(), notYet);
                    }
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while waiting for nginx", e);
                }
            }
        }

        private String log() {
            try {
                return (Files.readString(dir.resolve("logs/stdout.log")) + " "
                        + (Files.exists(dir.resolve("logs/error.log")) ? Files.readString(dir.resolve("logs/error.log")) : ""))
                        .strip();
            } catch (IOException e) {
                return "(no log: " + e + ")";
            }
        }

        @Override
        InetSocketAddress address() {
            return address;
        }

        @Override
        String name() {
            return NGINX;
        }

        @Override
        public void close() throws IOException {
            process.destroy(); // SIGTERM: nginx's fast shutdown, master and workers
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(f);
                }
            }
        }
    }
}
