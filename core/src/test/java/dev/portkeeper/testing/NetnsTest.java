package dev.portkeeper.testing;

import dev.portkeeper.netns.Commands;
import dev.portkeeper.netns.PrivateNamespace;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.PrintStream;
import java.io.Serializable;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

@Timeout(180)
class NetnsTest {

    private static final Path HOST_PORT_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    private static final Path HOST_TW_REUSE = Path.of("/proc/sys/net/ipv4/tcp_tw_reuse");

    @TempDir
    Path tmp;

    @BeforeAll
    static void linuxOnly() {
        assumeThat(Files.isReadable(HOST_PORT_RANGE)).as("Linux /proc/sys").isTrue();
    }

    // ------------------------------------------------------------------ scenarios (run in the child)

    /** Reports what the child sees from inside its namespace. */
    public static class OwnView implements NetnsScenario<HashMap<String, String>> {
        @Override
        public HashMap<String, String> run(List<String> args) throws Exception {
            HashMap<String, String> view = new HashMap<>();
            view.put("port_range", read(HOST_PORT_RANGE));
            view.put("tw_reuse", read(HOST_TW_REUSE));
            view.put("netns", Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString());
            view.put("lo_up", String.valueOf(NetworkInterface.getByName("lo").isUp()));
            List<String> names = new ArrayList<>();
            for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (nif.isUp()) {
                    names.add(nif.getName());
                }
            }
            view.put("up_interfaces", String.join(",", names));
            view.put("prop", System.getProperty("portkeeper.test.prop"));
            view.put("args", String.join("|", args));
            return view;
        }
    }

    /** Client connects to a loopback server and closes first, so the client side goes TIME_WAIT. */
    public static class ClientClosesFirst implements NetnsScenario<SocketReport> {
        @Override
        public SocketReport run(List<String> args) throws Exception {
            InetAddress loopback = InetAddress.getByName("127.0.0.1");
            try (ServerSocket server = new ServerSocket(0, 50, loopback)) {
                Socket client = new Socket();
                client.connect(new InetSocketAddress(loopback, server.getLocalPort()), 5_000);
                int clientPort = client.getLocalPort();
                try (Socket accepted = server.accept()) {
                    client.close(); // active close by the client
                    accepted.setSoTimeout(5_000);
                    assertThat(accepted.getInputStream().read()).isEqualTo(-1);
                }
                long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                boolean timeWait;
                do {
                    timeWait = inTimeWait(clientPort);
                } while (!timeWait && System.nanoTime() < deadline && sleep(20));
                return new SocketReport(clientPort, server.getLocalPort(), timeWait);
            }
        }

        private static boolean inTimeWait(int localPort) throws IOException {
            String hexPort = String.format(Locale.ROOT, ":%04X", localPort);
            // A JDK socket is dual-stack where IPv6 works, and then shows in tcp6 as v4-mapped.
            for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
                for (String line : Files.readAllLines(Path.of(table))) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length > 3 && f[1].endsWith(hexPort) && f[3].equals("06")) {
                        return true;
                    }
                }
            }
            return false;
        }

        private static boolean sleep(long millis) throws InterruptedException {
            Thread.sleep(millis);
            return true;
        }
    }

    /** Result of {@link ClientClosesFirst}. */
    public record SocketReport(int clientPort, int serverPort, boolean clientInTimeWait) implements Serializable {
    }

    public static class Throws implements NetnsScenario<String> {
        @Override
        public String run(List<String> args) {
            throw new IllegalStateException("boom from inside the namespace: " + args);
        }
    }

    /** Writes "javaPid sleepPid" to args[0], then blocks forever. */
    public static class Blocks implements NetnsScenario<String> {
        @Override
        public String run(List<String> args) throws Exception {
            Process sleeper = new ProcessBuilder("sleep", "600")
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            Files.writeString(Path.of(args.get(0)), ProcessHandle.current().pid() + " " + sleeper.pid());
            System.out.println("blocking forever");
            Thread.sleep(Long.MAX_VALUE);
            return "unreachable";
        }
    }

    /** Creates the marker file args[0]; must never run when the safety guard refuses. */
    public static class Marker implements NetnsScenario<String> {
        @Override
        public String run(List<String> args) throws Exception {
            Files.writeString(Path.of(args.get(0)), "ran");
            return "ran";
        }
    }

    /** Inner (non-static) class: rejected before any child is started. */
    class NotStatic implements NetnsScenario<String> {
        @Override
        public String run(List<String> args) {
            return "";
        }
    }

    // ------------------------------------------------------------------ tests that need a namespace

    @Test
    @RequiresNetns
    void childSeesRequestedSysctlsInItsOwnNamespaceAndHostIsUntouched() throws Exception {
        String hostRangeBefore = read(HOST_PORT_RANGE);
        String hostTwReuseBefore = read(HOST_TW_REUSE);
        String hostNetns = Netns.currentNetnsId();

        HashMap<String, String> view = Netns.builder()
                .portRange(42000, 42099)
                .sysctl("net.ipv4.tcp_tw_reuse", "0")
                .jvmArg("-Dportkeeper.test.prop=a b \"c\" \\d $HOME")
                .build()
                .run(OwnView.class, "one", "two words", "");

        assertThat(view.get("port_range")).isEqualTo("42000 42099");
        assertThat(view.get("tw_reuse")).isEqualTo("0");
        assertThat(view.get("netns")).matches("net:\\[\\d+\\]").isNotEqualTo(hostNetns);
        assertThat(view.get("lo_up")).isEqualTo("true");
        assertThat(view.get("up_interfaces")).isEqualTo("lo");
        assertThat(view.get("prop")).isEqualTo("a b \"c\" \\d $HOME");
        assertThat(view.get("args")).isEqualTo("one|two words|");

        assertThat(read(HOST_PORT_RANGE)).isEqualTo(hostRangeBefore);
        assertThat(read(HOST_TW_REUSE)).isEqualTo(hostTwReuseBefore);
        assertThat(Netns.currentNetnsId()).isEqualTo(hostNetns);
    }

    @Test
    @RequiresNetns
    void defaultsApplyANarrowRangeAndNoTimeWaitReuse() {
        HashMap<String, String> view = Netns.builder().build().run(OwnView.class);
        assertThat(view.get("port_range")).isEqualTo("40000 40999");
        assertThat(view.get("tw_reuse")).isEqualTo("0");
    }

    @Test
    @RequiresNetns
    void loopbackConnectionUsesAnEphemeralPortFromTheNarrowRange() {
        String hostRangeBefore = read(HOST_PORT_RANGE);

        SocketReport report = Netns.builder().portRange(41000, 41099).build().run(ClientClosesFirst.class);

        assertThat(report.clientPort()).isBetween(41000, 41099);
        assertThat(report.serverPort()).isBetween(41000, 41099);
        assertThat(report.clientInTimeWait()).as("client port in TIME_WAIT in the namespace's /proc/net/tcp").isTrue();
        assertThat(read(HOST_PORT_RANGE)).isEqualTo(hostRangeBefore);
    }

    @Test
    @RequiresNetns
    void exceptionInTheChildSurfacesAsAssertionError() {
        Netns netns = Netns.builder().build();
        assertThatThrownBy(() -> netns.run(Throws.class, "x", "y"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("boom from inside the namespace: [x, y]")
                .hasMessageContaining("--- child stack trace ---")
                .hasMessageContaining("NetnsTest$Throws.run")
                .hasMessageContaining("--- child output ---")
                .cause()
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("boom from inside the namespace: [x, y]");
    }

    @Test
    @RequiresNetns
    void timeoutKillsTheChildAndItsDescendants() throws Exception {
        Path pids = tmp.resolve("pids");
        Netns netns = Netns.builder().timeout(Duration.ofSeconds(5)).build();
        long start = System.nanoTime();

        assertThatThrownBy(() -> netns.run(Blocks.class, pids.toString()))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("timed out after 5000 ms")
                .hasMessageContaining("blocking forever");

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
        String[] both = Files.readString(pids).trim().split(" ");
        long javaPid = Long.parseLong(both[0]);
        long sleepPid = Long.parseLong(both[1]);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(running(javaPid)).as("child JVM %s running", javaPid).isFalse();
            assertThat(running(sleepPid)).as("grandchild sleep %s running", sleepPid).isFalse();
        });
    }

    // ------------------------------------------------------------------ the safety guard (no namespace)

    @Test
    void guardRefusesInProcessBecauseThisIsTheHostNamespace() throws Exception {
        String hostRange = read(HOST_PORT_RANGE);
        Path marker = tmp.resolve("marker");
        Path result = tmp.resolve("result.ser");
        ByteArrayOutputStream log = new ByteArrayOutputStream();

        // the requested value equals the host's, so even a broken guard could not change anything
        int code = NetnsMain.execute(new String[] {
                result.toString(), Netns.currentNetnsId(), Marker.class.getName(),
                "net.ipv4.ip_local_port_range=" + hostRange, "--", marker.toString()},
                new PrintStream(log, true, StandardCharsets.UTF_8));

        assertThat(code).isEqualTo(NetnsMain.EXIT_REFUSED);
        assertThat(log.toString(StandardCharsets.UTF_8)).contains("refusing to change sysctls: still in the parent's network namespace");
        NetnsMain.Outcome outcome = readOutcome(result);
        assertThat(outcome.success).isFalse();
        assertThat(outcome.failureSummary).startsWith("java.lang.SecurityException: refusing");
        assertThat(marker).doesNotExist();
        assertThat(read(HOST_PORT_RANGE)).isEqualTo(hostRange);
    }

    @Test
    void guardRefusesMalformedHostNamespaceId() {
        assertThatThrownBy(() -> PrivateNamespace.requirePrivate("4026531833"))
                .isInstanceOf(SecurityException.class).hasMessageContaining("is not a network namespace id");
        assertThatThrownBy(() -> PrivateNamespace.requirePrivate(null))
                .isInstanceOf(SecurityException.class).hasMessageContaining("is not a network namespace id");
    }

    @Test
    void guardRefusesInAPlainChildWithoutUnshare() throws Exception {
        String hostRange = read(HOST_PORT_RANGE);
        Path marker = tmp.resolve("marker");

        Commands.Result child = plainChild(Netns.currentNetnsId(), hostRange, marker);

        assertThat(child.exitCode()).as(child.output()).isEqualTo(NetnsMain.EXIT_REFUSED);
        assertThat(child.output()).contains("refusing to change sysctls: still in the parent's network namespace");
        assertThat(marker).doesNotExist();
        assertThat(read(HOST_PORT_RANGE)).isEqualTo(hostRange);
    }

    @Test
    void guardRefusesInAPlainChildEvenWhenLiedTo() {
        // Passing a bogus parent id defeats the first check; the fresh-namespace check must still refuse.
        // Only run where that check can trigger (a non-loopback interface is up here), so that a broken
        // guard could not even reach the (harmless, same-value) sysctl write.
        assumeThat(nonLoopbackUp()).as("a non-loopback interface is up in the host namespace").isTrue();
        String hostRange = read(HOST_PORT_RANGE);
        Path marker = tmp.resolve("marker");

        Commands.Result child = plainChild("net:[1]", hostRange, marker);

        assertThat(child.exitCode()).as(child.output()).isEqualTo(NetnsMain.EXIT_REFUSED);
        assertThat(child.output()).contains("refusing to change sysctls");
        assertThat(marker).doesNotExist();
        assertThat(read(HOST_PORT_RANGE)).isEqualTo(hostRange);
    }

    // ------------------------------------------------------------------ API checks (no namespace)

    @Test
    void builderAcceptsOnlyPerNamespaceNetSysctls() {
        Netns.Builder builder = Netns.builder();
        for (String bad : List.of("kernel.pid_max", "vm.swappiness", "net", "net.", "net..ipv4", "net.ipv4/../x",
                "NET.ipv4.tcp_tw_reuse", "net.ipv4.tcp_tw_reuse ", "net.ipv4.x=y", "../net.ipv4")) {
            assertThatThrownBy(() -> builder.sysctl(bad, "1")).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        for (String badValue : List.of("", " ", "1\n2", "1\r")) {
            assertThatThrownBy(() -> builder.sysctl("net.ipv4.tcp_tw_reuse", badValue))
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> builder.portRange(50000, 40000)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> builder.portRange(0, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> builder.portRange(1, 65536)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> builder.timeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> builder.jvmArg(" ")).isInstanceOf(IllegalArgumentException.class);
        builder.sysctl("net.ipv4.tcp_fin_timeout", "5").sysctl("net.core.somaxconn", "128");
        assertThat(PrivateNamespace.sysctlPath("net.ipv4.tcp_fin_timeout"))
                .isEqualTo(Path.of("/proc/sys/net/ipv4/tcp_fin_timeout"));
    }

    @Test
    void scenarioClassIsCheckedBeforeAnyChildStarts() {
        assertThatThrownBy(() -> Netns.builder().build().run(NotStatic.class))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("inner (non-static) class");
    }

    @Test
    void unavailableSkipsWithTheReasonOrFailsWhenRequired() {
        Netns.Availability unavailable = Netns.Availability.unavailable("unshare -n failed: Operation not permitted");

        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);

        assertThatThrownBy(() -> Netns.assumeAvailable(unavailable, false, errStream))
                .isInstanceOf(TestAbortedException.class)
                .hasMessageContaining("unshare -n failed: Operation not permitted");
        assertThat(err.toString(StandardCharsets.UTF_8))
                .startsWith("[netns] SKIPPED: ").contains("unshare -n failed: Operation not permitted");
        err.reset();

        assertThatThrownBy(() -> Netns.assumeAvailable(unavailable, true, errStream))
                .isInstanceOf(AssertionFailedError.class)
                .hasMessageContaining("unshare -n failed: Operation not permitted")
                .hasMessageContaining(Netns.REQUIRE_ENV);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("[netns] FAILING (" + Netns.REQUIRE_ENV + "=1)");
        err.reset();

        Netns.assumeAvailable(Netns.Availability.available("unshare -n", List.of("unshare", "-n", "--")), true, errStream);
        assertThat(err.size()).isZero();
    }

    @Test
    void availabilityIsProbedOnceAndExplainsItself() {
        Netns.Availability first = Netns.availability();
        System.out.println("[netns] probe: " + first);
        assertThat(first.reason()).isNotBlank();
        if (System.getProperty(Netns.FORCE_UNAVAILABLE_PROPERTY) == null) {
            assertThat(Netns.availability()).as("cached").isSameAs(first);
        } else {
            assertThat(first.isAvailable()).isFalse();
        }
        if (first.isAvailable()) {
            assertThat(first.reason()).startsWith("unshare ");
        }
    }

    @Test
    void argFileQuotesEverything() {
        assertThat(Netns.toArgFile(List.of("-cp", "/a b/c.jar:/d\"e\\f", "#x")))
                .isEqualTo("\"-cp\"\n\"/a b/c.jar:/d\\\"e\\\\f\"\n\"#x\"\n");
    }

    // ------------------------------------------------------------------ helpers

    private static String read(Path sysctl) {
        try {
            return PrivateNamespace.normalize(PrivateNamespace.readProcFile(sysctl));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private Commands.Result plainChild(String claimedHostNetns, String portRange, Path marker) {
        List<String> command = List.of(Netns.javaBinary().toString(), "-cp", Netns.testClasspath(),
                NetnsMain.class.getName(), tmp.resolve("result.ser").toString(), claimedHostNetns,
                Marker.class.getName(), "net.ipv4.ip_local_port_range=" + portRange, "--", marker.toString());
        Commands.Result child = Commands.run(command, Duration.ofSeconds(60));
        child.output().lines().forEach(line -> System.out.println("[plain child] " + line));
        return child;
    }

    private static boolean nonLoopbackUp() {
        return Commands.find("ip").isPresent() && !PrivateNamespace.upNonLoopbackInterfaces().isEmpty();
    }

    /** Alive and not a zombie. */
    private static boolean running(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            char state = stat.substring(stat.lastIndexOf(')') + 2).charAt(0);
            return state != 'Z' && state != 'X';
        } catch (IOException e) {
            return false;
        }
    }

    private static NetnsMain.Outcome readOutcome(Path file) throws IOException, ClassNotFoundException {
        try (InputStream in = Files.newInputStream(file); ObjectInputStream ois = new ObjectInputStream(in)) {
            return (NetnsMain.Outcome) ois.readObject();
        }
    }
}
