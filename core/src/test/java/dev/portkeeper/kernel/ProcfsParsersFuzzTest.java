package dev.portkeeper.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Fuzzes the parsers of procfs and sysctl text: whatever the bytes, no exception escapes them
 * (SockStat's documented {@link IllegalArgumentException} aside, which {@link Procfs} turns into
 * "unavailable"), and what they return is consistent.
 *
 * <p>Plain {@code mvn test} runs each method in Jazzer's regression mode, on the seed corpus in
 * {@code src/test/resources/dev/portkeeper/kernel/ProcfsParsersFuzzTestInputs/<method>/} (the
 * fixtures of {@code procfs/}, cut and damaged copies, and every input a fuzzing run found worth
 * keeping). To fuzz: {@code JAZZER_FUZZ=1 mvn -pl core test -Dtest=ProcfsParsersFuzzTest#tcpTable}
 * (each method at most {@code maxDuration}); a crash is written to that directory and replays from
 * then on.
 */
class ProcfsParsersFuzzTest {

    @FuzzTest(maxDuration = "2m")
    void tcpTable(byte[] data) {
        for (boolean tcp6 : new boolean[] {false, true}) {
            for (ByteOrder order : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
                List<TcpSocket> sockets = new ArrayList<>();
                int skipped = TcpTableParser.parse(data, data.length, tcp6, order, sockets);
                long lines = 1;
                for (byte b : data) {
                    lines += b == '\n' ? 1 : 0;
                }
                assertThat(skipped).isBetween(0, (int) lines);
                assertThat(sockets.size() + skipped).isLessThanOrEqualTo((int) lines);
                TcpTable table = new TcpTable(sockets, skipped);
                for (TcpSocket s : table.sockets()) {
                    assertThat(s.localPort()).isBetween(0, 65535);
                    assertThat(s.remotePort()).isBetween(0, 65535);
                    assertThat(s.localAddress()).isNotNull();
                    assertThat(s.remoteAddress()).isNotNull();
                    assertThat(s.toString()).isNotNull();
                }
                table.isDoubtful();
                ListeningPorts.of(table).ephemeralCount(EphemeralRange.LINUX_DEFAULT);
            }
        }
    }

    /** The input is the sysctls' values in {@link KernelSysctls#NAMES} order, separated by NUL bytes. */
    @FuzzTest(maxDuration = "2m")
    void sysctls(byte[] data) {
        String[] values = new String(data, StandardCharsets.ISO_8859_1).split("\0", -1);
        Map<String, String> raw = new HashMap<>();
        for (int i = 0; i < values.length && i < KernelSysctls.NAMES.size(); i++) {
            raw.put(KernelSysctls.NAMES.get(i), values[i]);
        }
        KernelSysctls sysctls = KernelSysctls.parse(raw, Map.of());
        sysctls.ephemeralRange().ifPresent(range -> {
            assertThat(range.capacity()).isBetween(0, range.size());
            assertThat(range.toString()).isNotNull();
        });
        for (String name : sysctls.unavailable().keySet()) {
            assertThat(raw).containsKey(name);
            assertThat(sysctls.unavailable().get(name)).startsWith("invalid '").hasSizeLessThan(300);
        }
        sysctls.tcpTwReuse().ifPresent(v -> assertThat(v).isBetween(0, 2));
        sysctls.tcpMaxTwBuckets().ifPresent(v -> assertThat(v).isNotNegative());
        sysctls.tcpFinTimeout();
        sysctls.tcpKeepaliveTime();
        sysctls.tcpKeepaliveInterval();
        sysctls.tcpTwReuseDelay();
        assertThat(sysctls.toString()).isNotNull();
    }

    /** {@code sockstat}, then (after the first NUL byte, if any) {@code sockstat6}. */
    @FuzzTest(maxDuration = "2m")
    void sockStat(byte[] data) {
        String text = new String(data, StandardCharsets.ISO_8859_1);
        int nul = text.indexOf('\0');
        try {
            SockStat stat = SockStat.parse(nul < 0 ? text : text.substring(0, nul),
                    nul < 0 ? null : text.substring(nul + 1));
            assertThat(stat.toString()).isNotNull();
        } catch (IllegalArgumentException e) {
            assertThat(e).hasMessageStartingWith("no counter ");
        }
    }

    @FuzzTest(maxDuration = "2m")
    void netStat(byte[] data) {
        NetStat stat = NetStat.parse(new String(data, StandardCharsets.ISO_8859_1));
        stat.tcpTimeWaitOverflow();
        stat.get("IpExt", "InOctets");
        assertThat(stat.toString()).isNotNull();
    }

    @FuzzTest(maxDuration = "2m")
    void ephemeralRange(byte[] data) {
        String text = new String(data, StandardCharsets.ISO_8859_1);
        int nul = text.indexOf('\0');
        try {
            EphemeralRange range = EphemeralRange.parse(nul < 0 ? text : text.substring(0, nul),
                    nul < 0 ? "" : text.substring(nul + 1));
            assertThat(range.capacity()).isBetween(0, range.size());
            assertThat(EphemeralRange.of(range.low(), range.high(), range.reservedPorts())).isEqualTo(range);
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).isNotNull();
        }
    }
}
