package dev.portkeeper.kernel;

import static java.time.Duration.ofSeconds;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.portkeeper.budget.BudgetLevel;
import dev.portkeeper.budget.BudgetSnapshot;
import dev.portkeeper.budget.PortBudgetMonitor;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The readers on trees an operator or an attacker could hand to {@code doctor --procfs}: devices,
 * FIFOs and directories where files should be, files past their size limit, garbage in the tables
 * and out-of-range sysctls. Each read ends (within seconds, never an OutOfMemoryError) with a value
 * or "unavailable: why" for that file alone.
 */
class HostileProcfsTest {

    @TempDir
    Path dir;

    private FakeProcfs quiet() {
        return FakeProcfs.in(dir)
                .tcp(TcpLines.tcp().socket("127.0.0.1", 40000, "127.0.0.1", 11211, TcpState.ESTABLISHED, 42))
                .tcp6(TcpLines.tcp6())
                .file("net/sockstat", "sockets: used 1\nTCP: inuse 1 orphan 0 tw 0 alloc 1 mem 0\n")
                .file("net/netstat", "TcpExt: TW\nTcpExt: 0\n")
                .sysctl("net.ipv4.ip_local_port_range", "40000\t40999")
                .sysctl("net.ipv4.ip_local_reserved_ports", "")
                .sysctl("net.ipv4.tcp_tw_reuse", "0")
                .sysctl("net.ipv4.tcp_tw_reuse_delay", "1000")
                .sysctl("net.ipv4.tcp_timestamps", "1")
                .sysctl("net.ipv4.tcp_max_tw_buckets", "131072")
                .sysctl("net.ipv4.tcp_fin_timeout", "60")
                .sysctl("net.ipv4.tcp_keepalive_time", "7200")
                .sysctl("net.ipv4.tcp_keepalive_intvl", "75")
                .sysctl("net.ipv4.tcp_keepalive_probes", "9")
                .sysctl("net.core.somaxconn", "4096");
    }

    private void replaceWithLink(String relative, Path target) throws IOException {
        Path file = dir.resolve(relative);
        Files.deleteIfExists(file);
        Files.createDirectories(file.getParent());
        Files.createSymbolicLink(file, target);
    }

    @ParameterizedTest
    @ValueSource(strings = {"net/tcp", "net/tcp6", "net/sockstat", "net/netstat", "sys/net/ipv4/tcp_tw_reuse"})
    void aDeviceIsRefusedNotRead(String file) throws IOException {
        Procfs procfs = quiet().procfs();
        replaceWithLink(file, Path.of("/dev/zero"));
        assertTimeoutPreemptively(ofSeconds(10), () -> assertUnavailable(procfs, file, "not a regular file"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"net/tcp", "net/sockstat", "sys/net/ipv4/ip_local_port_range"})
    void aFifoIsRefusedWithoutBlocking(String file) throws Exception {
        Procfs procfs = quiet().procfs();
        Path fifo = dir.resolve(file);
        Files.delete(fifo);
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assertThat(mkfifo.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(mkfifo.exitValue()).isZero();
        // Opening a FIFO with no writer blocks forever: the read must not get that far.
        assertTimeoutPreemptively(ofSeconds(10), () -> assertUnavailable(procfs, file, "not a regular file"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"net/tcp", "net/netstat", "sys/net/ipv4/tcp_tw_reuse"})
    void aDirectoryIsRefused(String file) throws IOException {
        Procfs procfs = quiet().procfs();
        Files.delete(dir.resolve(file));
        Files.createDirectories(dir.resolve(file));
        assertUnavailable(procfs, file, "not a regular file (a directory)");
    }

    @Test
    void aTableOverItsLimitIsRefused() throws IOException {
        Procfs procfs = quiet().procfs();
        Path tcp = dir.resolve("net/tcp");
        byte[] line = (TcpLines.tcp().socket("127.0.0.1", 40000, "127.0.0.1", 11211, TcpState.ESTABLISHED, 42)
                .toString().lines().skip(1).findFirst().orElseThrow() + "\n").getBytes();
        try (OutputStream out = Files.newOutputStream(tcp)) {
            for (long written = 0; written <= ProcFiles.TABLE_LIMIT; written += line.length) {
                out.write(line);
            }
        }
        assertUnavailable(procfs, "net/tcp", "larger than 64 MiB");
        Files.delete(tcp);
    }

    @Test
    void aSysctlOverItsLimitIsRefusedAlone() throws IOException {
        Procfs procfs = quiet().procfs();
        Files.writeString(dir.resolve("sys/net/ipv4/tcp_max_tw_buckets"), "1".repeat(ProcFiles.SMALL_LIMIT + 1));
        KernelSysctls sysctls = procfs.sysctls().get();
        assertThat(sysctls.tcpMaxTwBuckets()).isEmpty();
        assertThat(sysctls.unavailable().get("net.ipv4.tcp_max_tw_buckets")).contains("larger than 64 KiB");
        assertThat(sysctls.ephemeralRange().orElseThrow().capacity()).isEqualTo(1000);
        assertThat(sysctls.tcpTwReuse()).hasValue(0);
    }

    @Test
    void everyOtherPortReservedFitsTheReservedPortsLimit() throws IOException {
        StringBuilder everyOther = new StringBuilder();
        for (int port = 1; port <= 65535; port += 2) {
            everyOther.append(everyOther.length() == 0 ? "" : ",").append(port);
        }
        Procfs procfs = quiet().sysctl("net.ipv4.ip_local_reserved_ports", everyOther.toString()).procfs();
        assertThat(procfs.sysctls().get().ephemeralRange().orElseThrow().capacity()).isEqualTo(500);
    }

    @Test
    void randomBytesInTheTableAreNotAQuietHost() throws IOException {
        byte[] garbage = new byte[100 * 1024];
        new Random(17).nextBytes(garbage);
        Procfs procfs = quiet().procfs();
        Files.write(dir.resolve("net/tcp"), garbage);

        TcpTable table = procfs.tcpTable().get();
        assertThat(table.skippedLines()).isGreaterThan(100);
        assertThat(table.isDoubtful()).isTrue();
        try (PortBudgetMonitor monitor = PortBudgetMonitor.builder().procfs(procfs).build()) {
            BudgetSnapshot snapshot = monitor.snapshot();
            assertThat(snapshot.skippedLines()).isEqualTo(table.skippedLines());
            assertThat(snapshot.kernelViewDoubtful()).as("%s", snapshot).isTrue();
        }
    }

    @Test
    void oneSkippedLineInALargeTableIsNotDoubtful() {
        TcpLines lines = TcpLines.tcp();
        for (int i = 0; i < 200; i++) {
            lines.socket("127.0.0.1", 40000 + i, "127.0.0.1", 11211, TcpState.ESTABLISHED, 100 + i);
        }
        Procfs procfs = quiet().tcp(lines + "  999: 0100007F:9C40 0100007F:2B\n").procfs();
        TcpTable table = procfs.tcpTable().get();
        assertThat(table.skippedLines()).isEqualTo(1);
        assertThat(table.isDoubtful()).as("1 of 201 lines, a capture cut short").isFalse();
        assertThat(TcpTable.isDoubtful(1, 99)).as("1 of 100 lines is 1 %").isFalse();
        assertThat(TcpTable.isDoubtful(2, 99)).isTrue();
        assertThat(TcpTable.isDoubtful(1, 0)).isTrue();
        assertThat(TcpTable.isDoubtful(0, 0)).isFalse();
    }

    @Test
    void aMalformedReservedListKeepsTheRange() {
        KernelSysctls sysctls = quiet().sysctl("net.ipv4.ip_local_reserved_ports", "8080,nine").procfs().sysctls().get();
        EphemeralRange range = sysctls.ephemeralRange().orElseThrow();
        assertThat(range.capacity()).as("the range, without reserved ports").isEqualTo(1000);
        assertThat(sysctls.unavailable()).containsOnlyKeys("net.ipv4.ip_local_reserved_ports");
        assertThat(sysctls.unavailable().get("net.ipv4.ip_local_reserved_ports")).startsWith("invalid '8080,nine'");
    }

    @Test
    void aMalformedRangeKeepsTheOtherSysctls() {
        KernelSysctls sysctls = quiet().sysctl("net.ipv4.ip_local_port_range", "40999\t40000").procfs().sysctls().get();
        assertThat(sysctls.ephemeralRange()).isEmpty();
        assertThat(sysctls.unavailable()).containsOnlyKeys("net.ipv4.ip_local_port_range");
        assertThat(sysctls.tcpMaxTwBuckets()).hasValue(131072);
    }

    @Test
    void everyPortReservedIsExhaustedNotOk() {
        Procfs procfs = quiet().sysctl("net.ipv4.ip_local_reserved_ports", "40000-40999").procfs();
        assertThat(procfs.sysctls().get().ephemeralRange().orElseThrow().capacity()).isZero();
        try (PortBudgetMonitor monitor = PortBudgetMonitor.builder().procfs(procfs).build()) {
            BudgetSnapshot snapshot = monitor.snapshot();
            assertThat(snapshot.capacity()).isZero();
            assertThat(snapshot.level()).isEqualTo(BudgetLevel.EXHAUSTED);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"4294967296", "4294967295", "2147483648", "-1", "18446744073709551616", "1e6", "0x10", ""})
    void anUnsignedOrHugeValueIsInvalidNotWrapped(String value) {
        KernelSysctls sysctls = quiet().sysctl("net.ipv4.tcp_max_tw_buckets", value)
                .sysctl("net.ipv4.tcp_tw_reuse", value.isEmpty() ? "4294967297" : value).procfs().sysctls().get();
        assertThat(sysctls.tcpMaxTwBuckets()).isEmpty();
        assertThat(sysctls.tcpTwReuse()).isEmpty();
        assertThat(sysctls.unavailable().get("net.ipv4.tcp_max_tw_buckets")).startsWith("invalid '");
        assertThat(sysctls.unavailable().get("net.ipv4.tcp_tw_reuse")).startsWith("invalid '");
        assertThat(sysctls.ephemeralRange().orElseThrow().capacity()).isEqualTo(1000);
    }

    @Test
    void theLimitsOfEachValueAreTheKernels() {
        KernelSysctls sysctls = quiet().sysctl("net.ipv4.tcp_max_tw_buckets", "2147483647")
                .sysctl("net.ipv4.tcp_tw_reuse", "3").sysctl("net.ipv4.tcp_keepalive_probes", "255")
                .sysctl("net.ipv4.tcp_timestamps", "2").procfs().sysctls().get();
        assertThat(sysctls.tcpMaxTwBuckets()).hasValue(Integer.MAX_VALUE);
        assertThat(sysctls.tcpKeepaliveProbes()).hasValue(255);
        assertThat(sysctls.tcpTimestamps()).hasValue(2);
        assertThat(sysctls.unavailable()).containsOnlyKeys("net.ipv4.tcp_tw_reuse");
        assertThat(sysctls.unavailable().get("net.ipv4.tcp_tw_reuse")).isEqualTo("invalid '3': out of range 0-2");
    }

    @Test
    void garbageInAReasonIsCutAndPrintable() {
        String nasty = "\u001b[31m" + "x".repeat(10_000);
        KernelSysctls sysctls = quiet().sysctl("net.ipv4.tcp_tw_reuse", nasty).procfs().sysctls().get();
        String reason = sysctls.unavailable().get("net.ipv4.tcp_tw_reuse");
        assertThat(reason).hasSizeLessThan(200).doesNotContain("\u001b");
    }

    private static void assertUnavailable(Procfs procfs, String file, String why) {
        Function<Procfs, KernelRead<?>> read;
        if (file.startsWith("net/tcp")) {
            read = Procfs::tcpTable;
        } else if (file.startsWith("net/sockstat")) {
            read = Procfs::sockStat;
        } else if (file.equals("net/netstat")) {
            read = Procfs::netStat;
        } else {
            String name = file.substring("sys/".length()).replace('/', '.');
            KernelSysctls sysctls = procfs.sysctls().get();
            assertThat(sysctls.unavailable()).containsOnlyKeys(name);
            assertThat(sysctls.unavailable().get(name)).contains(file, why);
            return;
        }
        KernelRead<?> result = read.apply(procfs);
        assertThat(result.isAvailable()).as("%s", result).isFalse();
        assertThat(result.unavailableReason().orElseThrow()).contains(file, why);
    }
}
