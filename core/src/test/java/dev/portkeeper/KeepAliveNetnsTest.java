package dev.portkeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portkeeper.kernel.Procfs;
import dev.portkeeper.kernel.TcpState;
import dev.portkeeper.testing.Netns;
import dev.portkeeper.testing.NetnsScenario;
import dev.portkeeper.testing.RequiresNetns;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * A half-open peer, for real: two private network namespaces joined by a veth pair. The test's
 * namespace (made by {@link Netns}) holds the client; inside it a second {@code unshare -n}
 * process is the peer host, and the veth's other end is moved into that process's namespace.
 * Addresses 10.213.0.1 and .2 exist only on that private link. Cutting the link on the peer's
 * side ({@code ip link set down} there) makes the peer vanish without a FIN or a reset: only TCP
 * keepalive (set small here: 1 s idle, 1 s interval, 2 probes) can tell, and the pool's
 * background check then discards the dead idle connection. The next borrow does not hang: it
 * fails within the connect timeout while the link is down and succeeds once it is back.
 */
@RequiresNetns
class KeepAliveNetnsTest {
    private static final String CLIENT_IP = "10.213.0.1";
    private static final String PEER_IP = "10.213.0.2";
    private static final int PEER_PORT = 7000;
    private static final Duration STEP_TIMEOUT = Duration.ofSeconds(20);

    /** The peer host: echoes lines on every address, port args[0]; ends when its stdin closes, or after 120 s. */
    public static final class PeerHost {
        private PeerHost() {
        }

        public static void main(String[] args) throws Exception {
            ServerSocket server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(Integer.parseInt(args[0])));
            Thread acceptor = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket s = server.accept();
                        Thread t = new Thread(() -> echo(s), "peer-echo");
                        t.setDaemon(true);
                        t.start();
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "peer-accept");
            acceptor.setDaemon(true);
            acceptor.start();
            CountDownLatch stdinClosed = new CountDownLatch(1);
            Thread watcher = new Thread(() -> {
                try {
                    while (System.in.read() >= 0) {
                        // nothing is sent; the end of stream is the signal
                    }
                } catch (IOException ignored) {
                    // the parent is gone either way
                }
                stdinClosed.countDown();
            }, "peer-stdin");
            watcher.setDaemon(true);
            watcher.start();
            System.out.println("listening in " + Files.readSymbolicLink(Path.of("/proc/self/ns/net")));
            System.out.flush();
            stdinClosed.await(120, TimeUnit.SECONDS);
            System.exit(0);
        }

        private static void echo(Socket s) {
            try (s; BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8))) {
                OutputStream out = s.getOutputStream();
                String line;
                while ((line = in.readLine()) != null) {
                    out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
            } catch (IOException ignored) {
                // the client went away
            }
        }
    }

    /** Runs in the test's namespace; returns what happened, with the times measured. */
    public static class HalfOpenPeer implements NetnsScenario<HashMap<String, String>> {
        @Override
        public HashMap<String, String> run(List<String> args) throws Exception {
            HashMap<String, String> r = new HashMap<>();
            Process peer = new ProcessBuilder(executable("unshare"), "-n", "--",
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:+UseSerialGC",
                    "-cp", System.getProperty("java.class.path"), PeerHost.class.getName(), Integer.toString(PEER_PORT))
                    .redirectErrorStream(true).start();
            try {
                String ready = CompletableFuture.supplyAsync(() -> readLine(peer)).get(STEP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                String ownNetns = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
                String peerNetns = Files.readSymbolicLink(Path.of("/proc/" + peer.pid() + "/ns/net")).toString();
                if (ready == null || !ready.startsWith("listening") || peerNetns.equals(ownNetns)) {
                    throw new IllegalStateException("the peer host did not start in a namespace of its own: " + ready
                            + " (peer " + peerNetns + ", test " + ownNetns + ")");
                }
                String pid = Long.toString(peer.pid());
                // The veth pair: one end here, the other moved into the peer host's namespace.
                sh("ip", "link", "add", "pkclient", "type", "veth", "peer", "name", "pkpeer", "netns", pid);
                sh("ip", "addr", "add", CLIENT_IP + "/30", "dev", "pkclient");
                sh("ip", "link", "set", "pkclient", "up");
                inPeer(pid, "ip", "addr", "add", PEER_IP + "/30", "dev", "pkpeer");
                inPeer(pid, "ip", "link", "set", "pkpeer", "up");
                halfOpen(pid, r);
            } finally {
                peer.getOutputStream().close();
                if (!peer.waitFor(10, TimeUnit.SECONDS)) {
                    peer.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
            return r;
        }

        private static void halfOpen(String pid, HashMap<String, String> r) throws Exception {
            SocketPolicy policy = SocketPolicy.custom().keepAliveIdle(Duration.ofSeconds(1))
                    .keepAliveInterval(Duration.ofSeconds(1)).keepAliveCount(2).connectTimeout(Duration.ofSeconds(1))
                    .readTimeout(Duration.ofSeconds(5)).build();
            RecordingListener events = new RecordingListener();
            Endpoint peerEndpoint = Endpoint.of(PEER_IP, PEER_PORT);
            InetSocketAddress peerAddress = new InetSocketAddress(PEER_IP, PEER_PORT);
            Procfs procfs = Procfs.system();
            try (ConnectionPool pool = ConnectionPool.builder().name("half-open").socketPolicy(policy).listener(events)
                    .settings(PoolSettings.custom().evictionInterval(Duration.ofMillis(100)).build()).build()) {
                // The link may take a moment to carry traffic after it is set up.
                await().atMost(STEP_TIMEOUT).ignoreExceptions().until(() -> {
                    try (PooledConnection c = pool.borrow(peerEndpoint)) {
                        return "hello".equals(Wire.request(c, "hello"));
                    }
                });
                assertThat(pool.stats(peerEndpoint).idle()).isEqualTo(1);
                long beforeCut = events.closed.size();

                // With the link up, keepalive probes are answered: the idle connection stays, past several probe rounds.
                await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(6))
                        .until(() -> events.closed.size() == beforeCut && pool.stats(peerEndpoint).idle() == 1);
                r.put("peerEstablishedBeforeCut", Long.toString(peerEstablished(pid)));

                long cutAt = System.nanoTime();
                inPeer(pid, "ip", "link", "set", "pkpeer", "down");
                await().atMost(policy.keepAliveDetectionTime().plus(STEP_TIMEOUT))
                        .until(() -> events.closed.size() > beforeCut);
                r.put("detectedMillis", Long.toString((System.nanoTime() - cutAt) / 1_000_000));
                r.put("keepAliveDetectionMillis", Long.toString(policy.keepAliveDetectionTime().toMillis()));
                RecordingListener.Closed dead = events.closed.get(events.closed.size() - 1);
                r.put("closeReason", dead.reason.name());
                r.put("closedBy", dead.closedBy.name());
                r.put("idleAfterDetection", Integer.toString(pool.stats(peerEndpoint).idle()));
                r.put("clientSocketsLeft", Long.toString(procfs.tcpTable().get().withRemote(peerAddress).size()));
                // The peer never heard anything: its side is still ESTABLISHED, the definition of half-open.
                r.put("peerEstablishedAfterCut", Long.toString(peerEstablished(pid)));

                long borrowAt = System.nanoTime();
                CompletableFuture<String> borrow = CompletableFuture.supplyAsync(() -> {
                    try (PooledConnection c = pool.borrow(peerEndpoint)) {
                        return "borrowed";
                    } catch (IOException e) {
                        return e.getClass().getSimpleName() + ": " + e.getMessage();
                    }
                });
                r.put("borrowWhileCut", borrow.get(STEP_TIMEOUT.toSeconds(), TimeUnit.SECONDS));
                r.put("borrowWhileCutMillis", Long.toString((System.nanoTime() - borrowAt) / 1_000_000));

                inPeer(pid, "ip", "link", "set", "pkpeer", "up");
                await().atMost(STEP_TIMEOUT).ignoreExceptions().until(() -> {
                    try (PooledConnection c = pool.borrow(peerEndpoint)) {
                        return "again".equals(Wire.request(c, "again"));
                    }
                });
                r.put("recovered", "true");
            }
        }

        private static long peerEstablished(String pid) throws IOException, InterruptedException {
            String out = inPeer(pid, "ss", "-Htn", "state", "established", "sport", "= :" + PEER_PORT);
            return out.lines().filter(l -> !l.isBlank()).count();
        }

        private static String readLine(Process p) {
            try {
                return new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
            } catch (IOException e) {
                return "unreadable: " + e;
            }
        }

        /** Runs a command in the peer host's network namespace. */
        private static String inPeer(String pid, String... command) throws IOException, InterruptedException {
            List<String> full = new ArrayList<>(List.of(executable("nsenter"), "-t", pid, "-n", "--", executable(command[0])));
            full.addAll(List.of(command).subList(1, command.length));
            return exec(full);
        }

        /** Runs a command here, in the test's own network namespace. */
        private static String sh(String... command) throws IOException, InterruptedException {
            List<String> full = new ArrayList<>(List.of(executable(command[0])));
            full.addAll(List.of(command).subList(1, command.length));
            return exec(full);
        }

        private static String exec(List<String> command) throws IOException, InterruptedException {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    return e.toString();
                }
            });
            if (!p.waitFor(STEP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + " timed out");
            }
            String text;
            try {
                text = out.get(STEP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                text = e.toString();
            }
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " failed (exit " + p.exitValue() + "): " + text);
            }
            return text;
        }

        private static String executable(String name) {
            for (String dir : List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin")) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) {
                    return p.toString();
                }
            }
            return name;
        }
    }

    @Test
    void aPeerThatVanishedIsFoundDeadByKeepaliveAndTheNextBorrowDoesNotHang() {
        HashMap<String, String> r = Netns.builder().timeout(Duration.ofSeconds(120)).build().run(HalfOpenPeer.class);
        System.out.println("half-open peer: " + r);
        assertThat(r.get("peerEstablishedBeforeCut")).isEqualTo("1");
        assertThat(r.get("closeReason")).isEqualTo(ConnectionClosed.Reason.BROKEN.name());
        assertThat(r.get("closedBy")).as("no FIN from either side").isEqualTo(ConnectionClosed.TimeWait.NONE.name());
        assertThat(r.get("idleAfterDetection")).isEqualTo("0");
        assertThat(r.get("clientSocketsLeft")).as("the kernel holds no socket toward the dead peer").isEqualTo("0");
        assertThat(r.get("peerEstablishedAfterCut")).as("the peer still thinks it is connected: half-open").isEqualTo("1");
        assertThat(r.get("borrowWhileCut")).startsWith("ConnectFailedException").contains(PEER_IP + ":" + PEER_PORT);
        assertThat(r.get("recovered")).isEqualTo("true");
    }
}
