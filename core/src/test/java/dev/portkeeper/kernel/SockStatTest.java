package dev.portkeeper.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SockStatTest {

    private static final String SOCKSTAT = "sockets: used 211\n"
            + "TCP: inuse 14 orphan 2 tw 30012 alloc 31 mem 9\n"
            + "UDP: inuse 3 mem 2\n"
            + "FRAG: inuse 0 memory 0\n";

    @TempDir
    Path dir;

    @Test
    void parsesBothFiles() {
        SockStat stat = SockStat.parse(SOCKSTAT, "TCP6: inuse 5\nUDP6: inuse 1\n");

        assertThat(stat.socketsUsed()).isEqualTo(211);
        assertThat(stat.tcpInUse()).isEqualTo(14);
        assertThat(stat.tcpOrphan()).isEqualTo(2);
        assertThat(stat.tcpTimeWait()).isEqualTo(30012);
        assertThat(stat.tcpAlloc()).isEqualTo(31);
        assertThat(stat.tcpMemPages()).isEqualTo(9);
        assertThat(stat.tcp6InUse()).isEqualTo(5);
        assertThat(stat).hasToString("SockStat{tcpInUse=14, tcp6InUse=5, tcpTimeWait=30012, tcpOrphan=2,"
                + " tcpAlloc=31, tcpMemPages=9, socketsUsed=211}");
    }

    @Test
    void withoutSockstat6ThereAreNoTcp6Sockets() {
        KernelRead<SockStat> read = FakeProcfs.in(dir).file("net/sockstat", SOCKSTAT).procfs().sockStat();

        assertThat(read.get().tcp6InUse()).isZero();
        assertThat(read.get().tcpTimeWait()).isEqualTo(30012);
    }

    @Test
    void aSockstatWithoutItsTcpCountersIsUnavailable() {
        assertThatIllegalArgumentException().isThrownBy(() -> SockStat.parse("sockets: used 1\n", null))
                .withMessage("no counter TCP.inuse");

        KernelRead<SockStat> read = FakeProcfs.in(dir)
                .file("net/sockstat", "TCP: inuse 1 orphan 0 alloc 1 mem 0\n").procfs().sockStat();
        assertThat(read.unavailableReason()).get().asString().endsWith("net/sockstat: malformed, no counter TCP.tw");
    }
}
