package dev.portkeeper.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NetStatTest {

    @TempDir
    Path dir;

    @Test
    void readsTheCapturedHostFile() throws Exception {
        Procfs procfs = ProcfsCaptures.materialise("linux-6.18-host", dir);
        NetStat netStat = procfs.netStat().get();
        String[] header = Files.readAllLines(dir.resolve("net/netstat")).get(0).split(" ");

        assertThat(netStat.tcpExt()).hasSize(header.length - 1);
        assertThat(netStat.tcpExt().keySet()).containsExactly(Arrays.copyOfRange(header, 1, header.length));
        assertThat(netStat.tcpTimeWaitOverflow()).isPresent();
        assertThat(netStat.tw()).isPresent();
        assertThat(netStat.twRecycled()).isPresent();
        assertThat(netStat.twKilled()).isPresent();
        assertThat(netStat.listenOverflows()).isPresent();
        assertThat(netStat.listenDrops()).isPresent();
        assertThat(netStat.get("TCPAbortOnClose")).isPresent();
        assertThat(netStat.get("IpExt", "InOctets")).isPresent();
        assertThat(netStat.get("MPTcpExt", "MPCapableSYNRX")).isPresent();
    }

    @Test
    void parsesGeneratedPairs() {
        NetStat netStat = NetStat.parse(""
                + "TcpExt: SyncookiesSent TW TWRecycled TWKilled TCPTimeWaitOverflow ListenOverflows ListenDrops\n"
                + "TcpExt: 0 1200 17 3 42 5 6\n"
                + "IpExt: InOctets OutOctets\n"
                + "IpExt: 18446744073709551615 7\n");

        assertThat(netStat.tw()).hasValue(1200);
        assertThat(netStat.twRecycled()).hasValue(17);
        assertThat(netStat.twKilled()).hasValue(3);
        assertThat(netStat.tcpTimeWaitOverflow()).hasValue(42);
        assertThat(netStat.listenOverflows()).hasValue(5);
        assertThat(netStat.listenDrops()).hasValue(6);
        assertThat(netStat.get("NoSuchCounter")).isEmpty();
        assertThat(netStat.get("NoSuchSection", "TW")).isEmpty();
        assertThat(netStat.get("IpExt", "InOctets")).as("u64 max, kept as its bits").hasValue(-1L);
        assertThat(Long.toUnsignedString(netStat.get("IpExt", "InOctets").getAsLong())).isEqualTo("18446744073709551615");
    }

    @Test
    void toleratesRaggedInput() {
        NetStat netStat = NetStat.parse(""
                + "TcpExt: A B C\n"
                + "TcpExt: 1 2\n" // one value short: keep what pairs up
                + "Orphan: X\n" // no value line
                + "IpExt: D E\n"
                + "IpExt: 4 notANumber\n");

        assertThat(netStat.get("A")).hasValue(1);
        assertThat(netStat.get("B")).hasValue(2);
        assertThat(netStat.get("C")).isEmpty();
        assertThat(netStat.get("IpExt", "D")).hasValue(4);
        assertThat(netStat.get("IpExt", "E")).isEmpty();
        assertThat(NetStat.parse("").tcpExt()).isEmpty();
    }
}
