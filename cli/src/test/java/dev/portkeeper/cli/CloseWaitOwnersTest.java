package dev.portkeeper.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portkeeper.kernel.Procfs;
import dev.portkeeper.kernel.TcpSocket;
import dev.portkeeper.kernel.TcpState;
import dev.portkeeper.kernel.TcpTable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CloseWaitOwnersTest {
    private static final String HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt"
            + "   uid  timeout inode\n";

    /** A CLOSE_WAIT line toward 127.0.0.1:11211 from local port 40000 + n, with this inode. */
    private static String closeWait(int n, long inode) {
        return String.format("  %2d: 0100007F:%04X 0100007F:2BCB 08 00000000:00000001 00:00000000 00000000     0"
                + "        0 %d 2 000000002d1f8197 20 4 0 10 -1\n", n, 40000 + n, inode);
    }

    private static void process(Path root, long pid, String comm, long... inodes) throws IOException {
        Path fd = Files.createDirectories(root.resolve(Long.toString(pid)).resolve("fd"));
        Files.writeString(root.resolve(Long.toString(pid)).resolve("comm"), comm + "\n");
        for (int i = 0; i < inodes.length; i++) {
            Files.createSymbolicLink(fd.resolve(Integer.toString(3 + i)), Path.of("socket:[" + inodes[i] + "]"));
        }
        Files.createSymbolicLink(fd.resolve("0"), Path.of("/dev/null"));
    }

    private static Procfs tree(Path root) throws IOException {
        Files.createDirectories(root.resolve("net"));
        Files.writeString(root.resolve("net/tcp"), HEADER + closeWait(1, 9001) + closeWait(2, 9002) + closeWait(3, 9003)
                + closeWait(4, 9004));
        process(root, 300, "leaky", 9001, 9002, 5555);
        process(root, 200, "other", 9003);
        Files.createDirectories(root.resolve("400"));  // a process whose fd directory cannot be read
        return Procfs.at(root, ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void socketInodesInProcessFdsNameTheOwners(@TempDir Path root) throws IOException {
        Procfs procfs = tree(root);
        CloseWaitOwners.Result r = CloseWaitOwners.find(procfs, procfs.tcpTable().get(), 1, 100,
                Duration.ofSeconds(10), System::nanoTime);

        assertThat(r.closeWait()).isEqualTo(4);
        assertThat(r.owners()).extracting(CloseWaitOwners.Owner::pid).as("most CLOSE_WAIT first").containsExactly(300L, 200L);
        CloseWaitOwners.Owner leaky = r.owners().get(0);
        assertThat(leaky.command()).isEqualTo("leaky");
        assertThat(leaky.self()).isFalse();
        assertThat(leaky.closeWait()).isEqualTo(2);
        assertThat(leaky.byRemote()).isEqualTo(Map.of("127.0.0.1:11211", 2));
        assertThat(leaky.fds()).isEqualTo(4);
        assertThat(r.unattributed()).as("inode 9004 has no owner").isEqualTo(1);
        assertThat(r.processesUnreadable()).isEqualTo(1);
        assertThat(r.stoppedEarly()).isNull();
    }

    @Test
    void theScanIsBoundedInProcessesAndTime(@TempDir Path root) throws IOException {
        Procfs procfs = tree(root);
        TcpTable table = procfs.tcpTable().get();

        CloseWaitOwners.Result fewProcesses = CloseWaitOwners.find(procfs, table, 1, 1, Duration.ofSeconds(10),
                System::nanoTime);
        assertThat(fewProcesses.owners()).extracting(CloseWaitOwners.Owner::pid).containsExactly(200L);
        assertThat(fewProcesses.stoppedEarly()).isEqualTo("stopped after 1 processes");

        AtomicLong clock = new AtomicLong();
        CloseWaitOwners.Result noTime = CloseWaitOwners.find(procfs, table, 1, 100, Duration.ofMillis(5),
                () -> clock.getAndAdd(10_000_000));
        assertThat(noTime.owners()).isEmpty();
        assertThat(noTime.unattributed()).isEqualTo(4);
        assertThat(noTime.stoppedEarly()).isEqualTo("stopped after 5 ms");
    }

    @Test
    void noCloseWaitMeansNoScan(@TempDir Path root) throws IOException {
        Files.createDirectories(root.resolve("net"));
        Files.writeString(root.resolve("net/tcp"), HEADER);
        Procfs procfs = Procfs.at(root, ByteOrder.LITTLE_ENDIAN);
        assertThat(CloseWaitOwners.find(procfs, procfs.tcpTable().get())).isSameAs(CloseWaitOwners.Result.NONE);
    }

    @Test
    void aCloseWaitOfThisProcessIsAttributedToIt() throws Exception {
        Procfs procfs = Procfs.system();
        Assumptions.assumeTrue(procfs.tcpTable().isAvailable(), "needs /proc/net/tcp");
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
            server.accept().close(); // the peer closes first and this side does not: CLOSE_WAIT here
            InetSocketAddress peer = new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
            await().atMost(Duration.ofSeconds(10)).until(() -> procfs.tcpTable().get().withRemote(peer).stream()
                    .anyMatch(s -> s.state() == TcpState.CLOSE_WAIT));
            TcpTable table = procfs.tcpTable().get();
            TcpSocket ours = table.withRemote(peer, TcpState.CLOSE_WAIT).get(0);

            CloseWaitOwners.Result r = CloseWaitOwners.find(procfs, table);

            CloseWaitOwners.Owner self = r.owners().stream().filter(CloseWaitOwners.Owner::self).findFirst().orElseThrow();
            assertThat(self.pid()).isEqualTo(ProcessHandle.current().pid());
            assertThat(self.byRemote()).containsKey("127.0.0.1:" + server.getLocalPort());
            assertThat(ours.inode()).isPositive();
            assertThat(client.isClosed()).isFalse();
        }
    }
}
