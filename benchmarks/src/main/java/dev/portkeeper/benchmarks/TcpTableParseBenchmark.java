package dev.portkeeper.benchmarks;

import dev.portkeeper.budget.BudgetSnapshot;
import dev.portkeeper.budget.PortBudgetMonitor;
import dev.portkeeper.kernel.Procfs;
import dev.portkeeper.kernel.TcpTable;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The full TCP table scan against merely reading its bytes, on a generated table of a busy
 * dual-stack JVM host (20,000 sockets, all in {@code tcp6}, about 3 MB): the parse should
 * cost close to the read. Compare {@code parse} with {@code readBytes} as a ratio from the
 * same run; {@code budgetSnapshot} adds the monitor's work on top of the parse.
 *
 * <p>The files are regular files in a temporary directory, so this measures the library's
 * share only; on a real {@code /proc} the kernel's work to print the table comes on top of
 * both numbers alike.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TcpTableParseBenchmark {

    private static final String TCP_HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when"
            + " retrnsmt   uid  timeout inode                                                     \n";
    private static final String TCP6_HEADER = "  sl  local_address                         remote_address"
            + "                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
    /** ::ffff:10.1.0.1, the local address, as a little-endian host prints it. */
    private static final String LOCAL_V4_MAPPED = "0000000000000000FFFF00000100010A";
    private static final String LOCAL_V6 = "B80D0120000000000000000001000000";
    private static final String REMOTE_V6 = "B80D0120000000000000000002000000";

    @Param("20000")
    public int sockets;

    private Path root;
    private Path tcp;
    private Path tcp6;
    private Procfs procfs;
    private PortBudgetMonitor monitor;

    @Setup(Level.Trial)
    public void writeTable() throws IOException {
        root = Files.createTempDirectory("portkeeper-procfs-");
        Path net = Files.createDirectories(root.resolve("net"));
        tcp = net.resolve("tcp");
        tcp6 = net.resolve("tcp6");
        Files.writeString(tcp, TCP_HEADER, StandardCharsets.US_ASCII);
        Files.writeString(tcp6, tcp6Table(sockets), StandardCharsets.US_ASCII);
        procfs = Procfs.at(root, ByteOrder.LITTLE_ENDIAN);
        TcpTable table = procfs.tcpTable().get();
        if (table.size() != sockets || table.skippedLines() != 0) {
            throw new IllegalStateException("generated table misread: " + table);
        }
        monitor = PortBudgetMonitor.builder().procfs(procfs).build();
    }

    @TearDown(Level.Trial)
    public void deleteTable() throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(path);
            }
        }
    }

    /** The floor: the bytes of both files, as the parse reads them. */
    @Benchmark
    public void readBytes(Blackhole blackhole) throws IOException {
        blackhole.consume(Files.readAllBytes(tcp));
        blackhole.consume(Files.readAllBytes(tcp6));
    }

    /** Read and parse both files into a {@link TcpTable}. */
    @Benchmark
    public TcpTable parse() {
        return procfs.tcpTable().get();
    }

    /** The monitor's full sample: the parse plus the per-destination budget, forecast and levels. */
    @Benchmark
    public BudgetSnapshot budgetSnapshot() {
        return monitor.snapshot();
    }

    /**
     * A busy client: 60 % TIME_WAIT and 30 % ESTABLISHED to four IPv4 upstreams (v4-mapped,
     * as a dual-stack JVM shows them), some CLOSE_WAIT, some native IPv6, two listeners.
     */
    private static String tcp6Table(int count) {
        StringBuilder sb = new StringBuilder(TCP6_HEADER.length() + count * 180).append(TCP6_HEADER);
        for (int i = 0; i < count; i++) {
            int localPort = 32768 + i % 28_232;
            String upstream = String.format(Locale.ROOT, "0000000000000000FFFF0000%02X00000A", 1 + i % 4);
            if (i < 2) {
                line(sb, i, LOCAL_V6, 8080 + i, "00000000000000000000000000000000", 0, 0x0A, 0, 0, 1000, 5000 + i);
            } else if (i % 10 < 6) {
                line(sb, i, LOCAL_V4_MAPPED, localPort, upstream, 443, 0x06, 3, 1 + i % 6000, 0, 0);
            } else if (i % 10 < 9) {
                line(sb, i, LOCAL_V4_MAPPED, localPort, upstream, 443, 0x01, 2, 700_000, 1000, 100_000 + i);
            } else if (i % 20 == 9) {
                line(sb, i, LOCAL_V4_MAPPED, localPort, upstream, 443, 0x08, 0, 0, 1000, 100_000 + i);
            } else {
                line(sb, i, LOCAL_V6, localPort, REMOTE_V6, 443, 0x01, 2, 700_000, 1000, 100_000 + i);
            }
        }
        return sb.toString();
    }

    /** One line in the kernel's format (get_tcp6_sock, get_timewait6_sock). */
    private static void line(StringBuilder sb, int slot, String local, int localPort, String remote, int remotePort,
                             int state, int timer, long jiffies, int uid, long inode) {
        sb.append(String.format(Locale.ROOT, "%4d: %s:%04X %s:%04X %02X %08X:%08X %02X:%08X %08X %5d %8d %d",
                slot, local, localPort, remote, remotePort, state, 0, 0, timer, jiffies, 0, uid, 0, inode));
        sb.append(inode == 0 ? " 3 0000000000000000\n" : " 1 0000000000000000 20 4 30 10 -1\n");
    }
}
