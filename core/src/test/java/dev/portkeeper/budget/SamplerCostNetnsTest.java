package dev.portkeeper.budget;

import dev.portkeeper.testing.Netns;
import dev.portkeeper.testing.NetnsScenario;
import dev.portkeeper.testing.RequiresNetns;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * What the sampler costs with a large socket table: a measurement, not a unit test, run on demand
 * (about 160 s each, and both cores for the churn):
 *
 * <pre>{@code
 * mvn -pl core test -Dtest=SamplerCostNetnsTest -Dportkeeper.samplerCost=true -Dsurefire.failIfNoSpecifiedTests=false
 * }</pre>
 *
 * In a private namespace with Linux's default range (28,232 ports) and
 * {@code tcp_max_tw_buckets} raised there, it churns connections (the client closing first) at
 * 333 a second toward one destination (20,000 TIME_WAIT at steady state: 71% of its range, WARN)
 * or 1,667 a second toward eight (100,000: 44% each), and once the table is full starts a monitor with the default settings, and measures its sampling thread's CPU time
 * over 90 s (from {@code /proc/self/task/<tid>/stat}), and the CPU time of one full read (what the monitor before this change spent every
 * second under pressure). The figures go to the README.
 */
@RequiresNetns
@EnabledIfSystemProperty(named = "portkeeper.samplerCost", matches = "true")
@Timeout(600)
class SamplerCostNetnsTest {
    static final int SERVER_PORT = 5000;
    /** Longer than the longest interval between table reads (60 s), so that their cost is in it. */
    static final long MEASURE_NANOS = TimeUnit.SECONDS.toNanos(90);

    /** args: sockets, destinations. Returns the figures as text. */
    public static class Cost implements NetnsScenario<HashMap<String, String>> {
        @Override
        public HashMap<String, String> run(List<String> args) throws Exception {
            int sockets = Integer.parseInt(args.get(0));
            int destinations = Integer.parseInt(args.get(1));
            // TIME_WAIT at steady state is rate x 60 s: churn at sockets / 60 per second, spread over the
            // destinations, for a TIME_WAIT length to fill the table, and on through the measurement.
            double perThread = sockets / 60.0 / destinations;
            HashMap<String, String> r = new HashMap<>();
            ExecutorService threads = Executors.newCachedThreadPool(t -> {
                Thread th = new Thread(t, "sampler-cost");
                th.setDaemon(true);
                return th;
            });
            AtomicBoolean stop = new AtomicBoolean();
            List<ServerSocketChannel> servers = new ArrayList<>();
            Selector selector = Selector.open();
            try {
                for (int d = 0; d < destinations; d++) {
                    ServerSocketChannel s = ServerSocketChannel.open();
                    s.bind(new InetSocketAddress(Loads.LOOPBACK, SERVER_PORT + d), 4096);
                    s.configureBlocking(false);
                    s.register(selector, SelectionKey.OP_ACCEPT);
                    servers.add(s);
                }
                threads.execute(() -> serve(selector, stop));
                long t0 = System.nanoTime();
                List<Future<Integer>> clients = new ArrayList<>();
                for (int d = 0; d < destinations; d++) {
                    int port = SERVER_PORT + d;
                    clients.add(threads.submit(() -> churn(port, perThread, t0, stop)));
                }
                Loads.until(t0 + TimeUnit.SECONDS.toNanos(62));

                try (PortBudgetMonitor monitor = PortBudgetMonitor.builder().build()) {
                    // One full read on this thread, three times: the cost the old sampler paid every second.
                    long full = Long.MAX_VALUE;
                    BudgetSnapshot snap = null;
                    for (int i = 0; i < 3; i++) {
                        long c0 = cpuNanos(Path.of("/proc/thread-self/stat"));
                        snap = monitor.snapshot();
                        full = Math.min(full, cpuNanos(Path.of("/proc/thread-self/stat")) - c0);
                    }
                    r.put("tableSockets", Integer.toString(snap.totals().values().stream().mapToInt(i -> i).sum()));
                    r.put("level", snap.level().name());
                    r.put("worst", snap.destinations().isEmpty() ? "-" : snap.destinations().get(0).toString());
                    r.put("fullReadMs", String.format(Locale.ROOT, "%.1f", full / 1e6));
                    monitor.start();
                    Loads.rest(200);
                    Path sampler = samplerStat();
                    long c0 = cpuNanos(sampler);
                    long w0 = System.nanoTime();
                    Loads.until(w0 + MEASURE_NANOS);
                    long cpu = cpuNanos(sampler) - c0;
                    long wall = System.nanoTime() - w0;
                    r.put("samplerCpuMs", String.format(Locale.ROOT, "%.1f", cpu / 1e6));
                    r.put("samplerShare", String.format(Locale.ROOT, "%.2f%%", 100.0 * cpu / wall));
                    r.put("oldShare", String.format(Locale.ROOT, "%.2f%%", 100.0 * full / 1e9));
                    r.put("lastTableReadMs", String.format(Locale.ROOT, "%.1f", monitor.lastTableReadNanos() / 1e6));
                    r.put("levelAfter", monitor.latest().orElseThrow().level().name());
                    r.put("tableSocketsAfter", Integer.toString(
                            monitor.latest().orElseThrow().totals().values().stream().mapToInt(i -> i).sum()));
                }
                stop.set(true);
                int made = 0;
                for (Future<Integer> f : clients) {
                    made += f.get(30, TimeUnit.SECONDS);
                }
                r.put("connections", Integer.toString(made));
                r.put("churnPerSecond", String.format(Locale.ROOT, "%.0f", made / ((System.nanoTime() - t0) / 1e9)));
            } finally {
                stop.set(true);
                selector.wakeup();
                for (ServerSocketChannel s : servers) {
                    s.close();
                }

                threads.shutdownNow();
            }
            return r;
        }

        /** The sampler thread's {@code stat}: the kernel knows threads by their 15-character name. */
        private static Path samplerStat() throws IOException {
            try (java.util.stream.Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
                for (Path t : tasks.toList()) {
                    if (Files.readString(t.resolve("comm")).strip().equals("portkeeper-port")) {
                        return t.resolve("stat");
                    }
                }
            }
            throw new IllegalStateException("no sampler thread");
        }

        /** User and system CPU time of a thread, from its {@code stat} (clock ticks of 10 ms). */
        private static long cpuNanos(Path stat) throws IOException {
            String s = Files.readString(stat);
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000_000L;
        }

        /** Connect and close first at {@code rate} a second until told to stop: a TIME_WAIT here each. */
        private static int churn(int port, double rate, long t0, AtomicBoolean stop) throws IOException {
            long period = (long) (1e9 / rate);
            int i = 0;
            for (; !stop.get() && System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(200); i++) {
                Loads.until(t0 + i * period);
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(Loads.LOOPBACK, port), 5_000);
                }
            }
            return i;
        }

        /** Accepts, and closes each connection once its client has closed. */
        private static void serve(Selector selector, AtomicBoolean stop) {
            ByteBuffer buf = ByteBuffer.allocate(64);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(260);
            try {
                while (!stop.get() && System.nanoTime() < deadline) {
                    selector.select(100);
                    for (Iterator<SelectionKey> it = selector.selectedKeys().iterator(); it.hasNext(); ) {
                        SelectionKey k = it.next();
                        it.remove();
                        if (k.isAcceptable()) {
                            for (SocketChannel c; (c = ((ServerSocketChannel) k.channel()).accept()) != null; ) {
                                c.configureBlocking(false);
                                c.register(selector, SelectionKey.OP_READ);
                            }
                        } else if (k.isReadable()) {
                            SocketChannel c = (SocketChannel) k.channel();
                            buf.clear();
                            int n;
                            try {
                                n = c.read(buf);
                            } catch (IOException e) {
                                n = -1;
                            }
                            if (n < 0) {
                                k.cancel();
                                c.close();
                            }
                        }
                    }
                }
            } catch (IOException e) {
                // the selector closed
            }
        }
    }

    private static void measure(int sockets, int destinations) {
        HashMap<String, String> r = Netns.builder().portRange(32768, 60999)
                .sysctl("net.ipv4.tcp_max_tw_buckets", "262144").timeout(Duration.ofSeconds(300))
                .jvmArg("-Xmx1g").build()
                .run(Cost.class, Integer.toString(sockets), Integer.toString(destinations));
        System.out.println("sampler cost at " + sockets + " sockets (" + destinations + " destinations): " + r);
    }

    @Test
    void at20000Sockets() {
        measure(20_000, 1);
    }

    /** Eight destinations of 12,500 (44% each): the load spread over eight threads. */
    @Test
    void at100000Sockets() {
        measure(100_000, 8);
    }
}
