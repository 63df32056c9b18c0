package dev.portkeeper.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KernelSysctlsTest {

    @TempDir
    Path dir;

    private FakeProcfs allSet() {
        return FakeProcfs.in(dir)
                .sysctl("net.ipv4.ip_local_port_range", "32768\t60999")
                .sysctl("net.ipv4.ip_local_reserved_ports", "8080,9000-9010,33000-33009")
                .sysctl("net.ipv4.tcp_tw_reuse", "2")
                .sysctl("net.ipv4.tcp_tw_reuse_delay", "1000")
                .sysctl("net.ipv4.tcp_timestamps", "1")
                .sysctl("net.ipv4.tcp_max_tw_buckets", "262144")
                .sysctl("net.ipv4.tcp_fin_timeout", "60")
                .sysctl("net.ipv4.tcp_keepalive_time", "7200")
                .sysctl("net.ipv4.tcp_keepalive_intvl", "75")
                .sysctl("net.ipv4.tcp_keepalive_probes", "9")
                .sysctl("net.core.somaxconn", "4096");
    }

    @Test
    void readsEverySysctl() {
        KernelSysctls sysctls = allSet().procfs().sysctls().get();

        EphemeralRange range = sysctls.ephemeralRange().orElseThrow();
        assertThat(range.size()).isEqualTo(28_232);
        assertThat(range.reservedInRange()).isEqualTo(10);
        assertThat(range.capacity()).isEqualTo(28_222);
        assertThat(range.isReserved(8080)).isTrue();
        assertThat(sysctls.tcpTwReuse()).hasValue(2);
        assertThat(sysctls.tcpTwReuseDelay()).contains(Duration.ofSeconds(1));
        assertThat(sysctls.tcpTimestamps()).hasValue(1);
        assertThat(sysctls.tcpMaxTwBuckets()).hasValue(262_144);
        assertThat(sysctls.tcpFinTimeout()).contains(Duration.ofSeconds(60));
        assertThat(sysctls.tcpKeepaliveTime()).contains(Duration.ofHours(2));
        assertThat(sysctls.tcpKeepaliveInterval()).contains(Duration.ofSeconds(75));
        assertThat(sysctls.tcpKeepaliveProbes()).hasValue(9);
        assertThat(sysctls.somaxconn()).hasValue(4096);
        assertThat(sysctls.unavailable()).isEmpty();
    }

    @Test
    void anOlderKernelWithoutTwReuseDelay() throws Exception {
        FakeProcfs fake = allSet();
        Files.delete(dir.resolve("sys/net/ipv4/tcp_tw_reuse_delay"));

        KernelSysctls sysctls = fake.procfs().sysctls().get();

        assertThat(sysctls.tcpTwReuseDelay()).isEmpty();
        assertThat(sysctls.tcpTwReuse()).hasValue(2);
        assertThat(sysctls.unavailable()).containsOnlyKeys("net.ipv4.tcp_tw_reuse_delay");
        assertThat(sysctls.unavailable().get("net.ipv4.tcp_tw_reuse_delay")).endsWith("tcp_tw_reuse_delay: no such file");
    }

    @Test
    void anEmptyReservedListReservesNothing() {
        KernelSysctls sysctls = allSet().sysctl("net.ipv4.ip_local_reserved_ports", "").procfs().sysctls().get();

        assertThat(sysctls.ephemeralRange().orElseThrow().capacity()).isEqualTo(28_232);
        assertThat(sysctls.ephemeralRange().orElseThrow().reservedPorts()).isEmpty();
    }

    @Test
    void unparseableValuesAreUnavailableWithTheirText() {
        KernelSysctls sysctls = allSet()
                .sysctl("net.ipv4.tcp_tw_reuse", "yes")
                .sysctl("net.ipv4.ip_local_port_range", "60999")
                .procfs().sysctls().get();

        assertThat(sysctls.tcpTwReuse()).isEmpty();
        assertThat(sysctls.ephemeralRange()).isEmpty();
        assertThat(sysctls.unavailable())
                .containsEntry("net.ipv4.tcp_tw_reuse", "invalid 'yes': not a number")
                .hasEntrySatisfying("net.ipv4.ip_local_port_range",
                        reason -> assertThat(reason).contains("'60999'").contains("expected two ports"));
        assertThat(sysctls.somaxconn()).hasValue(4096);
    }

    @Test
    void onlyThePortRangeIsEnough() {
        KernelSysctls sysctls = FakeProcfs.in(dir).sysctl("net.ipv4.ip_local_port_range", "40000\t40999")
                .procfs().sysctls().get();

        assertThat(sysctls.ephemeralRange()).contains(EphemeralRange.of(40000, 40999));
        assertThat(sysctls.unavailable()).hasSize(KernelSysctls.NAMES.size() - 1);
        assertThat(sysctls.toString()).startsWith("KernelSysctls{ephemeralRange=40000-40999 (1000 ports)");
    }
}
