package dev.portkeeper.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A table of the size the design budgets for: 20,000 sockets, about 3 MB of tcp6. */
class LargeTcpTableTest {

    @TempDir
    Path dir;

    @Test
    void parsesTwentyThousandSocketsExactly() throws Exception {
        TcpLines tcp6 = TcpLines.tcp6();
        int[] perState = new int[TcpState.values().length + 1];
        int toUpstream = 0;
        for (int i = 0; i < 20_000; i++) {
            String upstream = "10.0." + (i % 4) + ".1";
            int localPort = 32768 + i % 28_000;
            TcpState state;
            if (i % 10 < 6) {
                state = TcpState.TIME_WAIT;
                tcp6.miniSocket("10.1.0.1", localPort, upstream, 443, state, 1 + i % 6000);
            } else if (i % 10 < 9) {
                state = TcpState.ESTABLISHED;
                tcp6.socket("10.1.0.1", localPort, upstream, 443, state, 100_000 + i);
            } else if (i % 20 == 9) {
                state = TcpState.CLOSE_WAIT;
                tcp6.socket("10.1.0.1", localPort, upstream, 443, state, 100_000 + i);
            } else {
                state = TcpState.ESTABLISHED;
                tcp6.socket("2001:db8::1", localPort, "2001:db8::2", 443, state, 100_000 + i);
            }
            perState[state.code()]++;
            if (upstream.equals("10.0.0.1") && !(i % 20 == 19)) {
                toUpstream++;
            }
        }
        FakeProcfs fake = FakeProcfs.in(dir).tcp(TcpLines.tcp()).tcp6(tcp6);
        assertThat(fake.root().resolve("net/tcp6").toFile().length()).isBetween(3_000_000L, 4_000_000L);

        TcpTable table = fake.procfs().tcpTable().get();

        assertThat(table.size()).isEqualTo(20_000);
        assertThat(table.skippedLines()).isZero();
        for (TcpState state : TcpState.values()) {
            assertThat(table.count(state)).as("%s", state).isEqualTo(perState[state.code()]);
        }
        assertThat(table.count(TcpState.TIME_WAIT)).isEqualTo(12_000);
        assertThat(table.count(TcpState.CLOSE_WAIT)).isEqualTo(1_000);
        assertThat(table.withRemote(new InetSocketAddress("10.0.0.1", 443))).hasSize(toUpstream);
        assertThat(table.stream().filter(TcpSocket::isV4Mapped)).hasSize(19_000);
    }
}
