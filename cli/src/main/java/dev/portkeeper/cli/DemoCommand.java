package dev.portkeeper.cli;

import dev.portkeeper.ConnectionInfo;
import dev.portkeeper.ConnectionPool;
import dev.portkeeper.Endpoint;
import dev.portkeeper.PoolListener;
import dev.portkeeper.PoolSettings;
import dev.portkeeper.PooledConnection;
import dev.portkeeper.kernel.Procfs;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code portkeeper demo}: the same workload twice against an embedded loopback server, first
 * with a new connection per request, then through the pool, and what each left in the kernel.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Runs N requests to an embedded loopback echo server twice: one short connection per"
                + " request, then through a Portkeeper pool; prints the TIME_WAIT sockets each phase left,"
                + " counted from /proc/net/tcp and tcp6."})
final class DemoCommand implements Callable<Integer> {
    private static final byte[] REQUEST = "ping\n".getBytes(StandardCharsets.US_ASCII);
    /** The default ephemeral range, 32768-60999. */
    private static final int DEFAULT_RANGE = 28_232;
    private static final int TIME_WAIT_SECONDS = 60;

    @Option(names = "--requests", defaultValue = "2000", description = "Requests per phase (default: ${DEFAULT-VALUE}).")
    int requests;

    @Option(names = "--concurrency", defaultValue = "4",
            description = "Client threads, and the pool's connections (default: ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--json", description = "Print one JSON object instead of the table.")
    boolean json;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    private final PrintStream out = System.out;

    @Override
    public Integer call() throws Exception {
        if (requests < 1 || requests > 1_000_000) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--requests must be between 1 and 1000000: " + requests);
        }
        if (concurrency < 1 || concurrency > 256) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--concurrency must be between 1 and 256: " + concurrency);
        }
        KernelCounts kernel = new KernelCounts(Procfs.system());
        DemoPhase shortPhase = runShort(kernel);
        DemoPhase pooledPhase = runPooled(kernel);
        if (json) {
            out.println("{\"short\":" + shortPhase.toJson() + ",\"pooled\":" + pooledPhase.toJson()
                    + ",\"kernelView\":" + kernelView(kernel) + "}");
        } else {
            printTable(kernel, shortPhase, pooledPhase);
        }
        return shortPhase.failures + pooledPhase.failures == 0 ? 0 : 1;
    }

    private static String kernelView(KernelCounts kernel) {
        return kernel.unavailableReason().map(r -> "\"unavailable: " + r.replace("\"", "'") + "\"")
                .orElse("\"available\"");
    }

    private DemoPhase runShort(KernelCounts kernel) throws Exception {
        try (EchoServer server = new EchoServer()) {
            InetSocketAddress address = server.address();
            long start = System.nanoTime();
            int failures = runRequests(() -> {
                try (Socket s = new Socket()) {
                    s.connect(address, 5_000);
                    s.setSoTimeout(5_000);
                    exchange(s.getInputStream(), s.getOutputStream());
                }
            });
            double seconds = (System.nanoTime() - start) / 1e9;
            return new DemoPhase("short", requests, seconds, failures, server.accepted(),
                    kernel.settledTimeWait(address));
        }
    }

    private DemoPhase runPooled(KernelCounts kernel) throws Exception {
        try (EchoServer server = new EchoServer()) {
            InetSocketAddress address = server.address();
            Endpoint endpoint = Endpoint.of(address);
            AtomicInteger opened = new AtomicInteger();
            long start = System.nanoTime();
            int failures;
            try (ConnectionPool pool = ConnectionPool.builder().name("demo")
                    .settings(PoolSettings.custom().maxPerEndpoint(concurrency).maxTotal(concurrency).build())
                    .listener(new PoolListener() {
                        @Override
                        public void connectionOpened(ConnectionInfo connection) {
                            opened.incrementAndGet();
                        }
                    }).build()) {
                failures = runRequests(() -> {
                    try (PooledConnection c = pool.borrow(endpoint)) {
                        exchange(c.input(), c.output());
                    }
                });
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            // The pool is closed, so its connections are closed too: whatever TIME_WAIT they left is counted.
            return new DemoPhase("pooled", requests, seconds, failures, opened.get(), kernel.settledTimeWait(address));
        }
    }

    private interface Request {
        void run() throws IOException;
    }

    private int runRequests(Request request) throws InterruptedException {
        ExecutorService threads = Executors.newFixedThreadPool(concurrency);
        AtomicInteger next = new AtomicInteger();
        AtomicInteger failures = new AtomicInteger();
        List<Future<?>> done = new ArrayList<>();
        try {
            for (int t = 0; t < concurrency; t++) {
                done.add(threads.submit(() -> {
                    while (next.getAndIncrement() < requests) {
                        try {
                            request.run();
                        } catch (IOException e) {
                            if (failures.getAndIncrement() == 0) {
                                System.err.println("first failure: " + e);
                            }
                        }
                    }
                }));
            }
            for (Future<?> f : done) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new IllegalStateException(e.getCause());
                }
            }
        } finally {
            threads.shutdownNow();
        }
        return failures.get();
    }

    private static void exchange(InputStream in, OutputStream out) throws IOException {
        out.write(REQUEST);
        out.flush();
        for (int got = 0; got < REQUEST.length; got++) {
            if (in.read() < 0) {
                throw new IOException("the server closed the connection mid-answer");
            }
        }
    }

    private void printTable(KernelCounts kernel, DemoPhase shortPhase, DemoPhase pooledPhase) {
        out.printf(Locale.ROOT, "%-8s %9s %9s %11s %10s %12s %9s%n", "phase", "requests", "seconds", "requests/s",
                "failures", "connections", "TIME_WAIT");
        for (DemoPhase p : List.of(shortPhase, pooledPhase)) {
            out.printf(Locale.ROOT, "%-8s %,9d %9.2f %,11.0f %,10d %,12d %9s%n", p.name, p.requests, p.seconds,
                    p.throughput(), p.failures, p.connectionsOpened,
                    p.timeWaitCreated < 0 ? "n/a" : String.format(Locale.ROOT, "%,d", p.timeWaitCreated));
        }
        out.println();
        if (kernel.unavailableReason().isPresent()) {
            out.println("TIME_WAIT not counted: the kernel view is unavailable (" + kernel.unavailableReason().get() + ").");
            return;
        }
        double rate = shortPhase.closeRate();
        out.printf(Locale.ROOT, "Short connections left %,d sockets in TIME_WAIT on this side, each holding a local port"
                + " for %d s; the pool left %,d.%n", shortPhase.timeWaitCreated, TIME_WAIT_SECONDS,
                pooledPhase.timeWaitCreated);
        if (rate > 0) {
            double steady = rate * TIME_WAIT_SECONDS;
            out.printf(Locale.ROOT, "At %,.0f short connections/s to one upstream, TIME_WAIT alone holds %,.0f ports at"
                    + " steady state (rate x 60 s)", rate, steady);
            if (steady > DEFAULT_RANGE) {
                out.printf(Locale.ROOT, ": the default range of %,d ports runs out after %.0f s, and connect() fails"
                        + " with \"Cannot assign requested address\".%n", DEFAULT_RANGE, DEFAULT_RANGE / rate);
            } else {
                out.printf(Locale.ROOT, ", %.0f%% of the default range of %,d ports.%n", 100 * steady / DEFAULT_RANGE,
                        DEFAULT_RANGE);
            }
        }
    }
}
