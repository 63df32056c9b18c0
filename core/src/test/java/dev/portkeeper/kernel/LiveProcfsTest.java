package dev.portkeeper.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * This host's real {@code /proc}, with real loopback sockets. Other processes' sockets may
 * be in the tables too; every assertion is about this test's own four-tuples.
 */
@EnabledOnOs(OS.LINUX)
class LiveProcfsTest {

    private static final Duration PATIENCE = Duration.ofSeconds(10);

    private final Procfs procfs = Procfs.system();
    private ServerSocket server;
    private Socket client;
    private Socket accepted;
    private InetSocketAddress serverAddress;
    private InetSocketAddress clientAddress;

    @BeforeEach
    void connect() throws IOException {
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        server = new ServerSocket();
        server.bind(new InetSocketAddress(loopback, 0));
        server.setSoTimeout((int) PATIENCE.toMillis());
        serverAddress = new InetSocketAddress(loopback, server.getLocalPort());
        client = new Socket();
        client.connect(serverAddress, (int) PATIENCE.toMillis());
        accepted = server.accept();
        accepted.setSoTimeout((int) PATIENCE.toMillis());
        clientAddress = new InetSocketAddress(loopback, client.getLocalPort());
    }

    @AfterEach
    void close() throws IOException {
        client.close();
        accepted.close();
        server.close();
    }

    @Test
    void procfsIsAvailableHere() {
        assertThat(procfs.isAvailable()).isTrue();
        assertThat(procfs.sockStat().get().tcpInUse() + procfs.sockStat().get().tcp6InUse()).isPositive();
        assertThat(procfs.netStat().get().tcpTimeWaitOverflow()).isPresent();
        KernelSysctls sysctls = procfs.sysctls().get();
        assertThat(sysctls.ephemeralRange()).get()
                .satisfies(range -> assertThat(range.contains(client.getLocalPort())).as("%s", range).isTrue());
        assertThat(sysctls.tcpTwReuse()).isPresent();
    }

    @Test
    void findsTheEstablishedClientAndItsInodeAmongThisProcesssSockets() {
        TcpSocket seen = awaitOne(clientAddress, serverAddress, TcpState.ESTABLISHED);

        assertThat(seen.isIpv4()).isTrue();
        assertThat(seen.isV4Mapped()).as("a dual-stack JDK socket shows in tcp6 v4-mapped").isEqualTo(seen.fromTcp6());
        assertThat(seen.isRemoteLoopback()).isTrue();
        assertThat(seen.inode()).isPositive();
        assertThat(seen.uid()).isEqualTo(currentUid());

        ProcessFds fds = procfs.processFds().get();
        assertThat(fds.ownsSocket(seen.inode())).isTrue();
        TcpSocket serverSide = awaitOne(serverAddress, clientAddress, TcpState.ESTABLISHED);
        assertThat(fds.ownsSocket(serverSide.inode())).isTrue();
        assertThat(fds.fdSoftLimit()).isPresent();
        assertThat(fds.fdCount()).isGreaterThanOrEqualTo(fds.socketCount()).isGreaterThanOrEqualTo(3);
        assertThat(procfs.processFds(ProcessHandle.current().pid()).get().ownsSocket(seen.inode())).isTrue();
    }

    @Test
    void theClientClosingFirstLeavesCloseWaitHereUntilTheServerClosesThenTimeWaitOnTheClient() throws Exception {
        client.close();

        // The server has seen the FIN and not closed yet: the CLOSE_WAIT a leak would leave.
        TcpSocket closeWait = awaitOne(serverAddress, clientAddress, TcpState.CLOSE_WAIT);
        assertThat(procfs.processFds().get().ownsSocket(closeWait.inode())).isTrue();
        awaitOne(clientAddress, serverAddress, TcpState.FIN_WAIT2);

        assertThat(accepted.getInputStream().read()).isEqualTo(-1);
        accepted.close();

        TcpSocket timeWait = awaitOne(clientAddress, serverAddress, TcpState.TIME_WAIT);
        assertThat(timeWait.inode()).isZero();
        assertThat(timeWait.timerActive()).isEqualTo(3);
        assertThat(timeWait.timeWaitRemaining()).get()
                .satisfies(left -> assertThat(left).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(60)));
        assertThat(procfs.tcpTable().get().withRemote(clientAddress)).as("the server side is gone").isEmpty();
    }

    @Test
    void ssAgreesOnEstablishedAndTimeWait() throws Exception {
        Optional<Path> ss = onPath("ss");
        assumeTrue(ss.isPresent(), "ss is not on PATH; skipping the second opinion");
        awaitOne(clientAddress, serverAddress, TcpState.ESTABLISHED);
        assertThat(ssStates(ss.get())).contains("ESTAB");

        client.close();
        assertThat(accepted.getInputStream().read()).isEqualTo(-1);
        accepted.close();
        awaitOne(clientAddress, serverAddress, TcpState.TIME_WAIT);
        assertThat(ssStates(ss.get())).containsExactly("TIME-WAIT");
    }

    /** Polls the table until exactly one socket has this four-tuple and state. */
    private TcpSocket awaitOne(InetSocketAddress local, InetSocketAddress remote, TcpState state) {
        return await().atMost(PATIENCE).pollInterval(Duration.ofMillis(20))
                .until(() -> procfs.tcpTable().get().withLocal(local).stream()
                                .filter(s -> s.hasRemote(remote) && s.state() == state)
                                .collect(Collectors.toList()),
                        found -> found.size() == 1)
                .get(0);
    }

    /** The states {@code ss -tan} shows for the client's four-tuple. */
    private List<String> ssStates(Path ss) throws Exception {
        Process process = new ProcessBuilder(ss.toString(), "-tan").redirectErrorStream(true).start();
        String output;
        try {
            output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)).as("ss finished").isTrue();
        } finally {
            process.destroy();
        }
        String local = "127.0.0.1:" + clientAddress.getPort();
        String peer = "127.0.0.1:" + serverAddress.getPort();
        return output.lines()
                .map(line -> line.trim().split("\\s+"))
                .filter(f -> f.length >= 5 && local.equals(plainIpv4(f[3])) && peer.equals(plainIpv4(f[4])))
                .map(f -> f[0])
                .collect(Collectors.toList());
    }

    /** ss prints a v4-mapped address as {@code [::ffff:127.0.0.1]:port}. */
    private static String plainIpv4(String ssAddress) {
        return ssAddress.replace("[::ffff:", "").replace("]", "");
    }

    private static Optional<Path> onPath(String command) {
        return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .filter(dir -> !dir.isEmpty())
                .map(dir -> Path.of(dir, command))
                .filter(Files::isExecutable)
                .findFirst();
    }

    private static long currentUid() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return Long.parseLong(line.substring(4).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        throw new IllegalStateException("no Uid: line in /proc/self/status");
    }
}
