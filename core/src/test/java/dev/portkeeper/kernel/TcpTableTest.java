package dev.portkeeper.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Queries over a table mixing plain IPv4, v4-mapped and IPv6 lines. */
class TcpTableTest {

    private static final InetSocketAddress DB = new InetSocketAddress("10.0.0.5", 5432);

    @TempDir
    Path dir;

    private TcpTable table() {
        return FakeProcfs.in(dir)
                .tcp(TcpLines.tcp()
                        .socket("10.0.0.1", 40001, "10.0.0.5", 5432, TcpState.ESTABLISHED, 11)
                        .miniSocket("10.0.0.1", 40002, "10.0.0.5", 5432, TcpState.TIME_WAIT, 3000))
                .tcp6(TcpLines.tcp6()
                        .socket("10.0.0.1", 40003, "10.0.0.5", 5432, TcpState.ESTABLISHED, 12)
                        .socket("10.0.0.1", 40004, "10.0.0.5", 5432, TcpState.CLOSE_WAIT, 13)
                        .miniSocket("10.0.0.1", 40005, "10.0.0.5", 5432, TcpState.TIME_WAIT, 100)
                        .socket("10.0.0.1", 40006, "10.0.0.5", 6432, TcpState.ESTABLISHED, 14)
                        .socket("fd00::1", 40007, "fd00::5", 5432, TcpState.ESTABLISHED, 15)
                        .socket("::", 8080, "::", 0, TcpState.LISTEN, 16))
                .procfs().tcpTable().get();
    }

    @Test
    void countsByState() {
        TcpTable table = table();
        assertThat(table.size()).isEqualTo(8);
        assertThat(table.count(TcpState.ESTABLISHED)).isEqualTo(4);
        assertThat(table.count(TcpState.TIME_WAIT)).isEqualTo(2);
        assertThat(table.count(TcpState.SYN_SENT)).isZero();
        assertThat(table.countByState()).hasSize(TcpState.values().length)
                .containsEntry(TcpState.CLOSE_WAIT, 1)
                .containsEntry(TcpState.LISTEN, 1)
                .containsEntry(TcpState.CLOSING, 0);
        assertThat(table).hasToString("TcpTable{size=8, ESTABLISHED=4, TIME_WAIT=2, CLOSE_WAIT=1, LISTEN=1}");
    }

    @Test
    void aDestinationMatchesPlainAndMappedIpv4Alike() {
        TcpTable table = table();
        assertThat(table.withRemote(DB)).extracting(TcpSocket::localPort)
                .containsExactly(40001, 40002, 40003, 40004, 40005);
        assertThat(table.withRemote(DB, TcpState.TIME_WAIT)).extracting(TcpSocket::localPort)
                .containsExactly(40002, 40005);
        assertThat(table.countWithRemote(DB, TcpState.ESTABLISHED)).isEqualTo(2);
        assertThat(table.countWithRemote(new InetSocketAddress("::ffff:10.0.0.5", 5432), TcpState.ESTABLISHED))
                .isEqualTo(2);
        assertThat(table.countWithRemote(new InetSocketAddress("fd00::5", 5432), TcpState.ESTABLISHED)).isEqualTo(1);
    }

    @Test
    void localAndInodeQueries() {
        TcpTable table = table();
        assertThat(table.withLocal(new InetSocketAddress("10.0.0.1", 40004))).singleElement()
                .satisfies(s -> assertThat(s.state()).isEqualTo(TcpState.CLOSE_WAIT));
        assertThat(table.withLocal(new InetSocketAddress("::", 8080))).hasSize(1);
        assertThat(table.withLocal(new InetSocketAddress("::1", 8080))).as("wildcard is not matched").isEmpty();
        assertThat(table.withInode(13)).extracting(TcpSocket::localPort).containsExactly(40004);
    }

    @Test
    void queriesCheckTheirArguments() {
        TcpTable table = table();
        assertThatIllegalArgumentException()
                .isThrownBy(() -> table.withRemote(InetSocketAddress.createUnresolved("db.example", 5432)))
                .withMessageContaining("unresolved");
        assertThatThrownBy(() -> table.sockets().clear()).isInstanceOf(UnsupportedOperationException.class);
    }
}
