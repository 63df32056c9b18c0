package dev.portkeeper.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portkeeper.kernel.Procfs;
import dev.portkeeper.testing.Netns;
import dev.portkeeper.testing.NetnsScenario;
import dev.portkeeper.testing.RequiresNetns;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * doctor and watch on a live network namespace, against {@code ss}: a private namespace with the
 * range 40000-40099 (100 ports) holds a known mix of sockets made by the scenario, and the jar,
 * started inside it, must report what ss reports, before and after.
 *
 * <p>Toward 127.0.0.1:5000 (IPv4 through Java's dual-stack sockets, so v4-mapped in tcp6): 60
 * TIME_WAIT, 5 CLOSE_WAIT (held by another process, a leak), 7 ESTABLISHED: 72 of 100 ports,
 * WARN. Toward [::1]:5001: 12 TIME_WAIT and 3 ESTABLISHED.
 */
@RequiresNetns
class NamespaceIT {
    static final int LOW = 40000;
    static final int HIGH = 40099;
    static Map<String, String> seen;

    /**
     * Runs in the namespace: starts {@link SocketMaker} in a JVM of its own (so that the CLOSE_WAIT
     * sockets belong to another process), waits until the kernel has settled its sockets, then
     * runs ss and the jar beside them.
     */
    public static class SocketMix implements NetnsScenario<HashMap<String, String>> {
        @Override
        public HashMap<String, String> run(List<String> args) throws Exception {
            Path jar = Path.of(args.get(0));
            Path log = Files.createTempFile("socket-maker-", ".log");
            // Another process holds the sockets, so that doctor must find the CLOSE_WAIT owner by scanning /proc.
            Process maker = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), SocketMaker.class.getName())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            HashMap<String, String> out = new HashMap<>();
            try {
                await().atMost(Duration.ofSeconds(60)).until(() -> Files.readString(log).contains("ready")
                        || !maker.isAlive());
                if (!Files.readString(log).contains("ready")) {
                    throw new IllegalStateException("the socket maker failed: " + Files.readString(log));
                }
                Map<String, Integer> expected = new TreeMap<>(Map.of("TIME_WAIT", 72, "CLOSE_WAIT", 5,
                        "FIN_WAIT2", 5, "ESTABLISHED", 20, "LISTEN", 2));
                Procfs procfs = Procfs.system();
                await().atMost(Duration.ofSeconds(20)).until(() -> {
                    Map<String, Integer> now = new TreeMap<>();
                    procfs.tcpTable().get().sockets().forEach(s -> now.merge(s.state().name(), 1, Integer::sum));
                    return now.equals(expected);
                });
                out.put("makerPid", Long.toString(maker.pid()));
                out.put("ssBefore", Ss.tan());
                Jar.Run doctor = Jar.run(jar, Duration.ofSeconds(60), "doctor", "--json");
                out.put("doctorJson", doctor.stdout());
                out.put("doctorExit", Integer.toString(doctor.exitCode()));
                out.put("doctorStderr", doctor.stderr());
                out.put("ssAfterDoctor", Ss.tan());
                out.put("doctorText", Jar.run(jar, Duration.ofSeconds(60), "doctor", "--no-color").stdout());
                Jar.Run watch = Jar.run(jar, Duration.ofSeconds(60), "watch", "--json", "--interval", "250ms",
                        "--duration", "1s");
                out.put("watchJson", watch.stdout());
                out.put("watchExit", Integer.toString(watch.exitCode()));
                out.put("ssAfterWatch", Ss.tan());
            } finally {
                maker.getOutputStream().close(); // its cue to close everything and exit
                if (!maker.waitFor(10, TimeUnit.SECONDS)) {
                    maker.destroyForcibly();
                }
                Files.deleteIfExists(log);
            }
            return out;
        }
    }

    /**
     * Makes the mix with Java's default dual-stack sockets, so the IPv4 ones are v4-mapped in
     * tcp6, prints {@code ready}, and holds everything until its stdin closes.
     */
    public static final class SocketMaker {
        public static void main(String[] args) throws Exception {
            InetAddress v4 = InetAddress.getByName("127.0.0.1");
            InetAddress v6 = InetAddress.getByName("::1");
            List<Socket> held = new ArrayList<>();
            try (ServerSocket a = new ServerSocket(5000, 200, v4); ServerSocket b = new ServerSocket(5001, 200, v6)) {
                timeWait(a, 60);
                closeWait(a, 5, held);
                established(a, 7, held);
                timeWait(b, 12);
                established(b, 3, held);
                System.out.println("ready");
                System.out.flush();
                System.in.transferTo(OutputStream.nullOutputStream());
            } finally {
                for (Socket s : held) {
                    s.close();
                }
            }
        }

        /** The client closes first: its side keeps the TIME_WAIT. */
        private static void timeWait(ServerSocket server, int n) throws IOException {
            for (int i = 0; i < n; i++) {
                Socket client = new Socket(server.getInetAddress(), server.getLocalPort());
                try (Socket accepted = server.accept()) {
                    client.close();
                    accepted.setSoTimeout(5_000);
                    if (accepted.getInputStream().read() != -1) {
                        throw new IOException("expected the client's FIN");
                    }
                }
            }
        }

        /** The server closes first and the client never does: CLOSE_WAIT on the client's side. */
        private static void closeWait(ServerSocket server, int n, List<Socket> held) throws IOException {
            for (int i = 0; i < n; i++) {
                held.add(new Socket(server.getInetAddress(), server.getLocalPort()));
                server.accept().close();
            }
        }

        private static void established(ServerSocket server, int n, List<Socket> held) throws IOException {
            for (int i = 0; i < n; i++) {
                held.add(new Socket(server.getInetAddress(), server.getLocalPort()));
                held.add(server.accept());
            }
        }
    }

    @BeforeAll
    static void runTheScenario() {
        seen = Netns.builder().portRange(LOW, HIGH).sysctl("net.ipv4.tcp_tw_reuse", "0")
                .timeout(Duration.ofSeconds(150)).build().run(SocketMix.class, Jar.path().toString());
        System.out.println("ss -Htan in the namespace:\n" + seen.get("ssBefore"));
        System.out.println("portkeeper doctor in the namespace:\n" + seen.get("doctorText"));
    }

    private static Map<String, Map<String, Integer>> ssDestinations(String key) throws IOException {
        return Ss.destinations(seen.get(key), LOW, HIGH);
    }

    @Test
    void doctorMatchesSsAndTheKnownMix() throws IOException {
        assertThat(ssDestinations("ssAfterDoctor")).as("nothing moved while doctor ran")
                .isEqualTo(ssDestinations("ssBefore"));
        Map<String, Object> doctor = JsonTree.object(seen.get("doctorJson"));

        assertThat(seen.get("ssBefore")).as("the IPv4 sockets are v4-mapped, in tcp6").contains("[::ffff:127.0.0.1]:5000");
        assertThat(Ss.fromDoctor(doctor)).isEqualTo(ssDestinations("ssBefore"));
        assertThat(Ss.totalsFromDoctor(doctor)).isEqualTo(Ss.totals(seen.get("ssBefore")));

        assertThat(Ss.fromDoctor(doctor)).isEqualTo(Map.of(
                "127.0.0.1 127.0.0.1 5000", Map.of("TIME_WAIT", 60, "CLOSE_WAIT", 5, "ESTABLISHED", 7),
                "::1 ::1 5001", Map.of("TIME_WAIT", 12, "ESTABLISHED", 3)));
        Map<String, Object> first = DoctorCaptureIT.get(doctor, "destinations", "0");
        assertThat(first).containsEntry("remotePort", new java.math.BigDecimal(5000))
                .containsEntry("used", new java.math.BigDecimal(72))
                .containsEntry("capacity", new java.math.BigDecimal(100)).containsEntry("level", "WARN");
        assertThat(doctor.get("kernelView")).isEqualTo("available");
        assertThat(doctor).as("the budget is WARN; the verdict is at least that").containsEntry("level", "WARN")
                .containsEntry("exitStatus", new java.math.BigDecimal(seen.get("doctorExit")));
        assertThat(seen.get("doctorExit")).as("WARN: 72 of 100 ports; stderr: %s", seen.get("doctorStderr"))
                .isEqualTo("1");
    }

    @Test
    void doctorNamesTheProcessHoldingTheCloseWaitSockets() {
        String text = seen.get("doctorText");
        assertThat(text).containsPattern("(?m)^ +" + seen.get("makerPid") + " +java +5 +\\d+ +[\\d,]+ +127\\.0\\.0\\.1:5000 \\(5\\)$")
                .containsPattern("WARN +127\\.0\\.0\\.1 +127\\.0\\.0\\.1:5000 +60 +5 +7 +0 +72 +100 +72\\.0%");
    }

    @Test
    void watchMatchesSsOnEverySampleAndReportsTheAlertAsItFires() throws IOException {
        assertThat(ssDestinations("ssAfterWatch")).isEqualTo(ssDestinations("ssBefore"));
        List<String> lines = seen.get("watchJson").lines().toList();
        assertThat(lines).hasSize(4);
        for (String line : lines) {
            Map<String, Object> sample = JsonTree.object(line);
            assertThat(Ss.fromDoctor(sample)).isEqualTo(ssDestinations("ssAfterWatch"));
            assertThat(Ss.totalsFromDoctor(sample)).isEqualTo(Ss.totals(seen.get("ssAfterWatch")));
        }
        List<Map<String, Object>> firstAlerts = DoctorCaptureIT.get(JsonTree.object(lines.get(0)), "alerts");
        assertThat(firstAlerts).anySatisfy(a -> {
            assertThat(a).containsEntry("from", "OK").containsEntry("to", "WARN");
            assertThat((String) a.get("subject")).endsWith("127.0.0.1:5000");
            assertThat((String) a.get("message")).contains("72 of 100");
        });
        for (String line : lines.subList(1, lines.size())) {
            assertThat(JsonTree.object(line).get("alerts")).as("no change, no alert").isEqualTo(List.of());
        }
        assertThat(seen.get("watchExit")).isEqualTo("1");
    }
}
