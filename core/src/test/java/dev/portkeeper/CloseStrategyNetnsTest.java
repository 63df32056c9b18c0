package dev.portkeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portkeeper.kernel.Procfs;
import dev.portkeeper.testing.Netns;
import dev.portkeeper.testing.NetnsScenario;
import dev.portkeeper.testing.RequiresNetns;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Where TIME_WAIT lands for each close strategy, counted by the kernel: in a private network
 * namespace (client and server both in it, {@code tcp_tw_reuse=0}) the pool opens 200
 * connections, uses each once and retires them all; then procfs and {@code ss} count the
 * TIME_WAIT sockets on the client side (remote end = the server) and on the server side (local
 * end = the server), and TcpExt's counters tell a forced reset (TCPAbortOnData: SO_LINGER 0) from
 * the kernel's own (TCPAbortOnClose: a close with unread bytes).
 */
@RequiresNetns
class CloseStrategyNetnsTest {
    private static final int CONNECTIONS = 200;
    private static final int MEMCACHED_PORT = 11311;

    /** args: kind, connections. Returns counts: see {@link TimeWaitSides#count} and below. */
    public static class RetireConnections implements NetnsScenario<HashMap<String, Long>> {
        private final RecordingListener events = new RecordingListener();
        private final List<Long> closedAt = new CopyOnWriteArrayList<>();
        private final FakeTicker ticker = new FakeTicker();

        @Override
        public HashMap<String, Long> run(List<String> args) throws Exception {
            String kind = args.get(0);
            int n = Integer.parseInt(args.get(1));
            Procfs procfs = Procfs.system();
            HashMap<String, Long> before = TimeWaitSides.abortCounters(procfs);
            HashMap<String, Long> r = new HashMap<>();
            LoopbackServer server = null;
            Memcached memcached = null;
            try {
                ClosePolicy policy;
                switch (kind) {
                    case "graceful":
                        server = LoopbackServer.echo();
                        policy = ClosePolicy.graceful();
                        break;
                    case "peer-first":
                        server = LoopbackServer.start(LoopbackServer.answerThenClose("QUIT", "+OK\r\n"));
                        policy = ClosePolicy.peerFirst(PeerCloseHook.redis());
                        break;
                    case "never-closes":
                        server = LoopbackServer.start(line -> line.equals("quit") ? "" : line + "\n");
                        policy = ClosePolicy.peerFirst(PeerCloseHook.memcached());
                        break;
                    case "memcached":
                        memcached = Memcached.start(MEMCACHED_PORT);
                        policy = ClosePolicy.peerFirst(PeerCloseHook.memcached());
                        break;
                    case "abort":
                        server = LoopbackServer.echo();
                        policy = ClosePolicy.abortWhenIdle();
                        break;
                    case "abort-unread":
                        server = LoopbackServer.start(line -> line.equals("push") ? "push\nextra\n" : line + "\n");
                        policy = ClosePolicy.abortWhenIdle();
                        break;
                    default:
                        throw new IllegalArgumentException(kind);
                }
                Endpoint endpoint = memcached != null ? memcached.endpoint() : server.endpoint();
                PoolListener timing = new PoolListener() {
                    @Override
                    public void connectionClosed(ConnectionClosed event) {
                        closedAt.add(System.nanoTime());
                    }
                };
                ConnectionPool pool = ConnectionPool.builder().name(kind).closePolicy(policy).ticker(ticker)
                        .listener(events).listener(timing)
                        .settings(PoolSettings.custom().maxPerEndpoint(n).maxTotal(n)
                                .idleTimeout(Duration.ofSeconds(10)).evictionInterval(Duration.ofHours(1)).build())
                        .build();
                useEachOnce(pool, endpoint, n, kind);
                long start = System.nanoTime();
                try (CapturedStderr err = new CapturedStderr()) {
                    if (kind.equals("peer-first") || kind.equals("abort")) {
                        ticker.advance(Duration.ofSeconds(11));
                        pool.engine().evictNow();
                        await().atMost(Duration.ofSeconds(30)).until(() -> events.closed.size() == n);
                    }
                    pool.close();
                    r.put("unreadWarnings", (long) err.count("unread bytes from the peer"));
                }
                r.put("retireMillis", (System.nanoTime() - start) / 1_000_000);
                r.put("lastClosedMicros", (closedAt.stream().mapToLong(Long::longValue).max().orElse(start) - start) / 1000);
                r.put("medianClosedMicros", (median(closedAt) - start) / 1000);
                InetSocketAddress address = memcached != null ? memcached.address()
                        : new InetSocketAddress("127.0.0.1", server.port());
                r.putAll(TimeWaitSides.count(procfs, address, before));
                r.put("closed", (long) events.closed.size());
                r.put("closedLocal", events.closedBy(ConnectionClosed.TimeWait.LOCAL));
                r.put("closedPeer", events.closedBy(ConnectionClosed.TimeWait.PEER));
                r.put("closedReset", events.closedBy(ConnectionClosed.TimeWait.NONE));
                for (ConnectionClosed.Fallback why : ConnectionClosed.Fallback.values()) {
                    r.put("fallback." + why, events.fallbacks.stream().filter(f -> f.why == why).count());
                }
                CloseStats stats = pool.closeStats();
                r.put("stats.peerCloseFallbacks", stats.peerCloseFallbacks());
                r.put("stats.abortFallbacks", stats.abortFallbacks());
                r.put("stats.closedPeer", stats.closedPeer());
                if (server != null) {
                    LoopbackServer s = server;
                    await().atMost(Duration.ofSeconds(30)).until(() -> s.resetsSeen() + s.endsOfStreamSeen()
                            + s.receivedCount(kind.equals("peer-first") ? "QUIT" : "quit") >= n);
                    r.put("serverResets", (long) server.resetsSeen());
                    r.put("serverEndsOfStream", (long) server.endsOfStreamSeen());
                }
                return r;
            } finally {
                if (server != null) {
                    server.close();
                }
                if (memcached != null) {
                    memcached.close();
                }
            }
        }

        /** n connections open at once, one request each, all given back: n idle connections. */
        private static void useEachOnce(ConnectionPool pool, Endpoint endpoint, int n, String kind) throws IOException {
            List<PooledConnection> held = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                held.add(pool.borrow(endpoint));
            }
            for (int i = 0; i < n; i++) {
                PooledConnection c = held.get(i);
                if (kind.equals("memcached")) {
                    c.output().write("version\r\n".getBytes(StandardCharsets.US_ASCII));
                    assertThat(readLine(c.input())).startsWith("VERSION ");
                } else if (kind.equals("abort-unread") && i % 2 == 0) {
                    // The answer comes with a line nobody reads: these connections go back with bytes waiting.
                    assertThat(Wire.request(c, "push")).isEqualTo("push");
                    await().atMost(Duration.ofSeconds(10)).until(() -> c.input().available() == "extra\n".length());
                } else {
                    assertThat(Wire.request(c, "hi " + i)).isEqualTo("hi " + i);
                }
                c.close();
            }
        }

        private static String readLine(InputStream in) throws IOException {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            for (int i = 0; i < 1024; i++) {
                int b = in.read();
                if (b < 0 || b == '\n') {
                    break;
                }
                buf.write(b);
            }
            return buf.toString(StandardCharsets.US_ASCII).strip();
        }

        private static long median(List<Long> values) {
            long[] sorted = values.stream().mapToLong(Long::longValue).toArray();
            Arrays.sort(sorted);
            return sorted.length == 0 ? 0 : sorted[sorted.length / 2];
        }
    }

    private static HashMap<String, Long> run(String kind, int connections) {
        HashMap<String, Long> r = Netns.builder().timeout(Duration.ofSeconds(120)).build()
                .run(RetireConnections.class, kind, Integer.toString(connections));
        System.out.println(kind + ", " + connections + " connections, kernel and pool counts: " + r);
        return r;
    }

    @Test
    void gracefulLeavesTheTimeWaitOnTheClient() {
        HashMap<String, Long> r = run("graceful", CONNECTIONS);
        assertThat(r.get("clientTimeWait")).isEqualTo(CONNECTIONS);
        assertThat(r.get("serverTimeWait")).isZero();
        assertThat(r.get("clientTimeWaitSs")).as("ss agrees").isEqualTo(CONNECTIONS);
        assertThat(r.get("serverTimeWaitSs")).as("ss agrees").isZero();
        assertThat(r.get("closedLocal")).isEqualTo(CONNECTIONS);
        assertThat(r.get("serverEndsOfStream")).isEqualTo(CONNECTIONS);
        assertThat(r.get("abortOnData")).isZero();
    }

    @Test
    void peerFirstWithAnInTestRedisStyleServerPutsTheTimeWaitOnTheServer() {
        HashMap<String, Long> r = run("peer-first", CONNECTIONS);
        assertThat(r.get("clientTimeWait")).isZero();
        assertThat(r.get("serverTimeWait")).isEqualTo(CONNECTIONS);
        assertThat(r.get("clientTimeWaitSs")).as("ss agrees").isZero();
        assertThat(r.get("serverTimeWaitSs")).as("ss agrees").isEqualTo(CONNECTIONS);
        assertThat(r.get("closedPeer")).isEqualTo(CONNECTIONS);
        assertThat(r.get("stats.peerCloseFallbacks")).isZero();
        assertThat(r.get("serverResets")).as("the +OK replies were read, so no close was a reset").isZero();
        assertThat(r.get("abortOnClose")).isZero();
    }

    @Test
    void peerFirstWithARealMemcachedQuitKeepsNoTimeWaitOnTheClient() {
        Memcached.assumeInstalled();
        HashMap<String, Long> r = run("memcached", CONNECTIONS);
        assertThat(r.get("clientTimeWait")).as("client-side TIME_WAIT toward memcached").isZero();
        assertThat(r.get("serverTimeWait")).isEqualTo(CONNECTIONS);
        assertThat(r.get("clientTimeWaitSs")).as("ss agrees").isZero();
        assertThat(r.get("serverTimeWaitSs")).as("ss agrees").isEqualTo(CONNECTIONS);
        assertThat(r.get("closedPeer")).isEqualTo(CONNECTIONS);
        assertThat(r.get("stats.peerCloseFallbacks")).isZero();
    }

    @Test
    void abortWhenIdleLeavesNoTimeWaitAnywhereAndTheServerSeesResets() {
        HashMap<String, Long> r = run("abort", CONNECTIONS);
        assertThat(r.get("clientTimeWait")).isZero();
        assertThat(r.get("serverTimeWait")).isZero();
        assertThat(r.get("clientTimeWaitSs")).as("ss agrees").isZero();
        assertThat(r.get("serverTimeWaitSs")).as("ss agrees").isZero();
        assertThat(r.get("serverResets")).as("each server read ended in 'Connection reset'").isEqualTo(CONNECTIONS);
        assertThat(r.get("closedReset")).isEqualTo(CONNECTIONS);
        assertThat(r.get("abortOnData")).as("TCPAbortOnData: the kernel counted our SO_LINGER 0 closes")
                .isEqualTo(CONNECTIONS);
        assertThat(r.get("stats.abortFallbacks")).isZero();
    }

    @Test
    void abortWhenIdleFallsBackWhereBytesAreUnreadAndSaysSo() {
        int n = 20;
        HashMap<String, Long> r = run("abort-unread", n);
        assertThat(r.get("fallback.UNREAD_BYTES")).as("every other connection had bytes waiting").isEqualTo(n / 2);
        assertThat(r.get("stats.abortFallbacks")).isEqualTo(n / 2);
        assertThat(r.get("unreadWarnings")).as("each loss is logged").isEqualTo(n / 2);
        assertThat(r.get("abortOnData")).as("no SO_LINGER 0 on those: only the clean half was aborted")
                .isEqualTo(n / 2);
        assertThat(r.get("abortOnClose")).as("the kernel's own reset for a close with unread bytes (RFC 1122)")
                .isEqualTo(n / 2);
        assertThat(r.get("closedReset")).isEqualTo(n);
        assertThat(r.get("clientTimeWait")).isZero();
    }

    @Test
    void peerFirstAgainstAPeerThatNeverClosesFallsBackAfterTheBoundedWait() {
        int n = 20;
        HashMap<String, Long> r = run("never-closes", n);
        assertThat(r.get("fallback.PEER_DID_NOT_CLOSE")).isEqualTo(n);
        assertThat(r.get("stats.peerCloseFallbacks")).isEqualTo(n);
        assertThat(r.get("closedLocal")).isEqualTo(n);
        assertThat(r.get("clientTimeWait")).as("the fallback is a graceful close: TIME_WAIT here").isEqualTo(n);
        assertThat(r.get("serverTimeWait")).isZero();
    }
}
