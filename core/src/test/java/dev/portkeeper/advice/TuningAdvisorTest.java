package dev.portkeeper.advice;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portkeeper.budget.BudgetSnapshot;
import dev.portkeeper.budget.PortBudgetMonitor;
import dev.portkeeper.kernel.FakeProcfs;
import dev.portkeeper.kernel.ProcfsCaptures;
import dev.portkeeper.kernel.TcpLines;
import dev.portkeeper.kernel.TcpState;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The advisor's findings for known kernel states: what it says, how urgently, and that it never advises blindly. */
class TuningAdvisorTest {
    @TempDir
    Path dir;

    private static Map<String, Finding> byId(List<Finding> findings) {
        return findings.stream().collect(Collectors.toMap(Finding::id, Function.identity()));
    }

    @Test
    void theCaptureGetsAdviceOnItsChurnItsNarrowRangeAndItsLeak() {
        BudgetSnapshot s = PortBudgetMonitor.builder().procfs(ProcfsCaptures.materialise("linux-6.18-mixed", dir))
                .build().snapshot();
        Map<String, Finding> f = byId(TuningAdvisor.advise(s));

        assertThat(f.get("close-wait").severity()).isEqualTo(Severity.WARN);
        assertThat(f.get("close-wait").seen()).startsWith("5 sockets in CLOSE_WAIT (5 toward 127.0.0.1:11211)");
        assertThat(f.get("widen-port-range").seen()).contains("40000-40999: 1,000 ports, 1,000 usable");
        assertThat(f.get("widen-port-range").change()).contains("ip_local_port_range");
        assertThat(f.get("widen-port-range").caveat()).contains("ip_local_reserved_ports");
        assertThat(f.get("tcp-tw-recycle-gone").change()).contains("removed in Linux 4.12");
        assertThat(f.get("tcp-tw-recycle-gone").why()).contains("NAT");
        // The 40 TIME_WAIT sockets to :11211 were a few seconds old when captured: a notable close rate.
        assertThat(f).containsKeys("reuse-connections", "peer-first-close", "tcp-tw-reuse");
        assertThat(f.get("tcp-tw-reuse").seen()).isEqualTo("net.ipv4.tcp_tw_reuse is 0 (off).");
        assertThat(f.get("tcp-tw-reuse").caveat()).contains("timestamps").contains("on here");
        assertThat(f.get("peer-first-close").caveat()).contains("SO_LINGER 0").contains("reset");
        assertThat(f.get("keepalive-defaults").seen()).contains("7875 s (7200 s idle + 9 probes x 75 s)");
        assertThat(TuningAdvisor.advise(s)).isSortedAccordingTo((a, b) -> b.severity().compareTo(a.severity()));
        assertThat(TuningAdvisor.advise(s)).allSatisfy(finding -> assertThat(finding.text())
                .contains(finding.seen()).contains("Change: ").contains("Why: ").contains("Caveat: "));
    }

    @Test
    void aQuietHostWithTheDefaultsGetsNoRemedies() {
        FakeProcfs fake = FakeProcfs.in(dir).sysctl("net.ipv4.ip_local_port_range", "32768 60999")
                .sysctl("net.ipv4.tcp_tw_reuse", "2").sysctl("net.ipv4.tcp_timestamps", "1")
                .sysctl("net.ipv4.tcp_keepalive_time", "600")
                .tcp(TcpLines.tcp().socket("10.0.0.1", 40001, "10.0.0.2", 443, TcpState.ESTABLISHED, 7));
        List<Finding> findings = TuningAdvisor.advise(PortBudgetMonitor.builder().procfs(fake.procfs()).build().snapshot());
        assertThat(findings).isEmpty();
    }

    @Test
    void timestampsOffAndOverflowingTimeWaitBucketsAreCalledOut() {
        FakeProcfs fake = FakeProcfs.in(dir).sysctl("net.ipv4.ip_local_port_range", "32768 60999")
                .sysctl("net.ipv4.tcp_timestamps", "0").sysctl("net.ipv4.tcp_max_tw_buckets", "100")
                .tcp(TcpLines.tcp()).file("net/sockstat", "TCP: inuse 1 orphan 0 tw 100 alloc 1 mem 1\n")
                .file("net/netstat", "TcpExt: TCPTimeWaitOverflow\nTcpExt: 42\n");
        Map<String, Finding> f = byId(TuningAdvisor.advise(
                PortBudgetMonitor.builder().procfs(fake.procfs()).build().snapshot()));
        assertThat(f.get("tcp-timestamps-off").severity()).isEqualTo(Severity.WARN);
        assertThat(f.get("tcp-max-tw-buckets").seen()).contains("TCPTimeWaitOverflow is 42");
        assertThat(f.get("tcp-max-tw-buckets").caveat()).contains("Lowering tcp_max_tw_buckets");
        assertThat(f.get("tcp-max-tw-buckets").severity()).isEqualTo(Severity.CRITICAL);
    }
}
