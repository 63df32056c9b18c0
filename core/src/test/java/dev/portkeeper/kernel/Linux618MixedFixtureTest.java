package dev.portkeeper.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ground truth of the capture {@code procfs/linux-6.18-mixed}, from its README. */
class Linux618MixedFixtureTest {

    private static final InetSocketAddress MEMCACHED_V4 = new InetSocketAddress("127.0.0.1", 11211);
    private static final InetSocketAddress HTTP_V6 = new InetSocketAddress("::1", 8080);

    @TempDir
    static Path dir;

    private static Procfs procfs;
    private static TcpTable table;

    @BeforeAll
    static void readCapture() {
        procfs = ProcfsCaptures.materialise("linux-6.18-mixed", dir);
        table = procfs.tcpTable().get();
    }

    @Test
    void readsEveryLineOfBothFiles() {
        assertThat(table.skippedLines()).isZero();
        assertThat(table.size()).isEqualTo(65 + 19);
        assertThat(table.stream().filter(s -> !s.fromTcp6())).hasSize(65);
        assertThat(table.stream().filter(TcpSocket::fromTcp6)).hasSize(19);
        assertThat(table.stream().filter(TcpSocket::isV4Mapped)).as("python sockets are not dual-stack").isEmpty();
    }

    @Test
    void twoListeners() {
        assertThat(table.count(TcpState.LISTEN)).isEqualTo(2);
        assertThat(table.inState(TcpState.LISTEN))
                .extracting(TcpSocket::localSocketAddress)
                .containsExactly(MEMCACHED_V4, HTTP_V6);
        assertThat(table.inState(TcpState.LISTEN)).allSatisfy(listener -> {
            assertThat(listener.remotePort()).isZero();
            assertThat(listener.remoteAddress().isAnyLocalAddress()).isTrue();
            assertThat(listener.inode()).isPositive();
        });
    }

    @Test
    void clientSideOfTheIpv4Destination() {
        assertThat(table.countWithRemote(MEMCACHED_V4, TcpState.TIME_WAIT)).isEqualTo(40);
        assertThat(table.countWithRemote(MEMCACHED_V4, TcpState.CLOSE_WAIT)).isEqualTo(5);
        assertThat(table.countWithRemote(MEMCACHED_V4, TcpState.ESTABLISHED)).isEqualTo(7);
        assertThat(table.withRemote(MEMCACHED_V4)).hasSize(40 + 5 + 7);
    }

    @Test
    void serverSideOfTheIpv4Destination() {
        assertThat(countByState(table.withLocal(MEMCACHED_V4)))
                .containsEntry(TcpState.LISTEN, 1L)
                .containsEntry(TcpState.ESTABLISHED, 7L)
                .containsEntry(TcpState.FIN_WAIT2, 5L)
                .hasSize(3);
    }

    @Test
    void bothSidesOfTheIpv6Destination() {
        assertThat(table.countWithRemote(HTTP_V6, TcpState.TIME_WAIT)).isEqualTo(12);
        assertThat(table.countWithRemote(HTTP_V6, TcpState.ESTABLISHED)).isEqualTo(3);
        assertThat(countByState(table.withLocal(HTTP_V6)))
                .containsEntry(TcpState.LISTEN, 1L)
                .containsEntry(TcpState.ESTABLISHED, 3L)
                .hasSize(2);
        assertThat(table.withRemote(HTTP_V6)).allSatisfy(socket -> {
            assertThat(socket.fromTcp6()).isTrue();
            assertThat(socket.isIpv4()).isFalse();
            assertThat(socket.isRemoteLoopback()).isTrue();
        });
    }

    @Test
    void everyEstablishedClientHasItsServerSide() {
        List<TcpSocket> clients = table.stream()
                .filter(s -> s.state() == TcpState.ESTABLISHED)
                .filter(s -> s.hasRemote(MEMCACHED_V4) || s.hasRemote(HTTP_V6))
                .collect(Collectors.toList());
        assertThat(clients).hasSize(7 + 3);
        for (TcpSocket client : clients) {
            assertThat(table.withLocal(client.remoteSocketAddress()))
                    .filteredOn(server -> server.state() == TcpState.ESTABLISHED)
                    .filteredOn(server -> server.hasRemote(client.localSocketAddress()))
                    .as("server side of %s", client)
                    .hasSize(1);
        }
    }

    @Test
    void timeWaitLinesAreMiniSocketsWithTheirTimer() {
        assertThat(table.count(TcpState.TIME_WAIT)).isEqualTo(52);
        assertThat(table.inState(TcpState.TIME_WAIT)).allSatisfy(tw -> {
            assertThat(tw.timerActive()).isEqualTo(3);
            assertThat(tw.inode()).isZero();
            assertThat(tw.timeWaitRemaining()).get()
                    .satisfies(left -> assertThat(left).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(60)));
        });
        // 0x16D9 = 5849 ticks of 1/100 s
        assertThat(table.inState(TcpState.TIME_WAIT).get(0).timeWaitRemaining()).contains(Duration.ofMillis(58_490));
    }

    @Test
    void leakedCloseWaitIsHeldByTheProcessWhileItsPeerIsAMiniSocket() {
        assertThat(table.inState(TcpState.CLOSE_WAIT)).hasSize(5).allSatisfy(cw -> assertThat(cw.inode()).isPositive());
        assertThat(table.inState(TcpState.FIN_WAIT2)).hasSize(5).allSatisfy(fw2 -> {
            assertThat(fw2.inode()).isZero();
            assertThat(fw2.timerActive()).isEqualTo(3);
            assertThat(fw2.timerRemaining()).isEqualTo(Duration.ofMillis(59_700)); // 0x1752, bounded by tcp_fin_timeout
        });
    }

    @Test
    void sockStatTimeWaitCountsTimeWaitAndFinWait2MiniSockets() {
        SockStat sockStat = procfs.sockStat().get();
        long finWait2MiniSockets = table.stream()
                .filter(s -> s.state() == TcpState.FIN_WAIT2 && s.inode() == 0)
                .count();
        assertThat(sockStat.tcpTimeWait()).isEqualTo(57);
        assertThat(table.count(TcpState.TIME_WAIT)).isEqualTo(52);
        assertThat(finWait2MiniSockets).isEqualTo(5);
        assertThat(sockStat.tcpTimeWait()).isEqualTo(table.count(TcpState.TIME_WAIT) + finWait2MiniSockets);
    }

    @Test
    void sockStatInUseCountsFullSocketsPerFamily() {
        SockStat sockStat = procfs.sockStat().get();
        assertThat(sockStat.tcpInUse()).isEqualTo(20)
                .isEqualTo(table.stream().filter(s -> !s.fromTcp6() && s.inode() != 0).count());
        assertThat(sockStat.tcp6InUse()).isEqualTo(7)
                .isEqualTo(table.stream().filter(s -> s.fromTcp6() && s.inode() != 0).count());
        assertThat(sockStat.tcpOrphan()).isZero();
        assertThat(sockStat.tcpAlloc()).isEqualTo(28);
        assertThat(sockStat.tcpMemPages()).isEqualTo(222);
        assertThat(sockStat.socketsUsed()).isEqualTo(27);
    }

    @Test
    void sysctls() {
        KernelSysctls sysctls = procfs.sysctls().get();
        EphemeralRange range = sysctls.ephemeralRange().orElseThrow();
        assertThat(range.low()).isEqualTo(40000);
        assertThat(range.high()).isEqualTo(40999);
        assertThat(range.size()).isEqualTo(1000);
        assertThat(range.reservedInRange()).isZero();
        assertThat(range.capacity()).isEqualTo(1000);
        assertThat(sysctls.tcpTwReuse()).hasValue(0);
        assertThat(sysctls.tcpTimestamps()).hasValue(1);
        assertThat(sysctls.tcpMaxTwBuckets()).hasValue(131072);
        assertThat(sysctls.tcpFinTimeout()).contains(Duration.ofSeconds(60));
        assertThat(sysctls.tcpKeepaliveTime()).contains(Duration.ofHours(2));
        assertThat(sysctls.tcpKeepaliveInterval()).contains(Duration.ofSeconds(75));
        assertThat(sysctls.tcpKeepaliveProbes()).hasValue(9);
        assertThat(sysctls.somaxconn()).hasValue(4096);
        assertThat(sysctls.tcpTwReuseDelay()).as("not captured").isEmpty();
        assertThat(sysctls.unavailable()).containsOnlyKeys("net.ipv4.tcp_tw_reuse_delay");
    }

    @Test
    void everyClientPortComesFromTheEphemeralRange() {
        EphemeralRange range = procfs.sysctls().get().ephemeralRange().orElseThrow();
        List<TcpSocket> clientSide = table.stream()
                .filter(s -> s.hasRemote(MEMCACHED_V4) || s.hasRemote(HTTP_V6))
                .collect(Collectors.toList());
        assertThat(clientSide).hasSize(52 + 5 + 7 + 3)
                .allSatisfy(s -> assertThat(range.isEphemeral(s.localPort())).as("%s", s).isTrue());
    }

    private static Map<TcpState, Long> countByState(List<TcpSocket> sockets) {
        return sockets.stream().collect(Collectors.groupingBy(TcpSocket::state, Collectors.counting()));
    }
}
