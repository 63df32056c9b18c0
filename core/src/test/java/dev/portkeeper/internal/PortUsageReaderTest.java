package dev.portkeeper.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portkeeper.Endpoint;
import dev.portkeeper.PortExhaustedException;
import dev.portkeeper.internal.PortUsageReader.PortUsage;
import dev.portkeeper.kernel.FakeProcfs;
import dev.portkeeper.kernel.TcpLines;
import dev.portkeeper.kernel.TcpState;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a port-exhaustion failure says: the kernel's numbers for that destination and the remedies. */
class PortUsageReaderTest {
    @TempDir
    Path dir;

    @Test
    void theExceptionNamesTheDestinationTheRangeTheUseByStateAndTheRemediesInOrder() {
        TcpLines tcp = TcpLines.tcp().socket("0.0.0.0", 40999, "0.0.0.0", 0, TcpState.LISTEN, 1);
        for (int p = 40000; p < 40997; p++) {
            tcp.miniSocket("10.0.0.1", p, "10.0.0.2", 11211, TcpState.TIME_WAIT, 3000);
        }
        tcp.socket("10.0.0.1", 40997, "10.0.0.2", 11211, TcpState.ESTABLISHED, 2);
        tcp.socket("10.0.0.1", 40998, "10.0.0.2", 11211, TcpState.CLOSE_WAIT, 3);
        tcp.socket("10.0.0.1", 40999, "10.0.0.9", 5555, TcpState.ESTABLISHED, 4);
        FakeProcfs fake = FakeProcfs.in(dir).sysctl("net.ipv4.ip_local_port_range", "40000 40999").tcp(tcp);
        InetSocketAddress remote = new InetSocketAddress("10.0.0.2", 11211);

        PortUsage usage = new PortUsageReader(fake.procfs()).read(remote);
        PortExhaustedException e = new PortExhaustedException(Endpoint.of("cache", 11211), remote, usage.rangeLow(),
                usage.rangeHigh(), usage.capacity(), usage.states(), usage.kernelUnavailableReason(),
                new BindException("Cannot assign requested address"));

        assertThat(e.rangeLow()).isEqualTo(40000);
        assertThat(e.rangeHigh()).isEqualTo(40999);
        assertThat(e.capacity()).as("1,000 less the listener on 40999").isEqualTo(999);
        assertThat(e.states()).containsExactly(java.util.Map.entry("TIME_WAIT", 997),
                java.util.Map.entry("ESTABLISHED", 1), java.util.Map.entry("CLOSE_WAIT", 1));
        assertThat(e.used()).isEqualTo(999);
        assertThat(e.getMessage()).startsWith("No local port left to connect to cache:11211 (10.0.0.2:11211):"
                        + " connect() failed with EADDRNOTAVAIL.")
                .contains("Ephemeral range 40000-40999: 1,000 ports, 999 usable; 999 in use toward it"
                        + " (TIME_WAIT 997, ESTABLISHED 1, CLOSE_WAIT 1).")
                .contains("(1) reuse connections").contains("(2) widen net.ipv4.ip_local_port_range")
                .contains("(3) set net.ipv4.tcp_tw_reuse=1");
        assertThat(e.getCause()).isInstanceOf(BindException.class);
        assertThat(PortExhaustedException.isPortExhaustion(e)).isTrue();
    }

    @Test
    void withoutProcfsTheExceptionSaysSo() {
        PortUsage usage = new PortUsageReader(FakeProcfs.in(dir.resolve("none")).procfs())
                .read(new InetSocketAddress("10.0.0.2", 80));
        PortExhaustedException e = new PortExhaustedException(Endpoint.of("10.0.0.2", 80),
                new InetSocketAddress("10.0.0.2", 80), usage.rangeLow(), usage.rangeHigh(), usage.capacity(),
                usage.states(), usage.kernelUnavailableReason(), new BindException("Cannot assign requested address"));
        assertThat(e.kernelUnavailableReason()).isNotNull();
        assertThat(e.getMessage()).contains("The kernel's tables could not be read").contains("Remedies, in order");
    }
}
