package dev.portkeeper.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Availability: what a missing or unreadable source looks like to a caller. */
class ProcfsTest {

    @TempDir
    Path dir;

    @Test
    void aMissingTcp6MeansNoIpv6Sockets() {
        TcpTable table = FakeProcfs.in(dir)
                .tcp(TcpLines.tcp().socket("127.0.0.1", 40000, "127.0.0.1", 11211, TcpState.ESTABLISHED, 5))
                .procfs().tcpTable().get();

        assertThat(table.size()).isEqualTo(1);
        assertThat(table.sockets().get(0).fromTcp6()).isFalse();
    }

    @Test
    void aMissingTcpMakesTheTableUnavailableWithTheFileAsReason() {
        KernelRead<TcpTable> read = FakeProcfs.in(dir).tcp6(TcpLines.tcp6()).procfs().tcpTable();

        assertThat(read.isAvailable()).isFalse();
        assertThat(read.unavailableReason()).hasValue(dir.resolve("net/tcp") + ": no such file");
        assertThatThrownBy(read::get).isInstanceOf(NoSuchElementException.class)
                .hasMessageContaining("net/tcp: no such file");
    }

    @Test
    void anUnreadableTcp6MakesTheTableUnavailableRatherThanHalfTrue() throws Exception {
        FakeProcfs fake = FakeProcfs.in(dir).tcp(TcpLines.tcp());
        Files.createDirectories(dir.resolve("net/tcp6")); // reading a directory fails, whoever runs the test

        KernelRead<TcpTable> read = fake.procfs().tcpTable();

        assertThat(read.isAvailable()).isFalse();
        assertThat(read.unavailableReason()).get().asString().contains("net/tcp6");
    }

    @Test
    void aMissingRootIsUnavailable() {
        Procfs procfs = Procfs.at(dir.resolve("nowhere"));

        assertThat(procfs.isAvailable()).isFalse();
        assertThat(procfs.unavailableReason()).get().asString().endsWith("nowhere: no such directory");
        assertThat(procfs.sockStat().isAvailable()).isFalse();
        assertThat(procfs.netStat().isAvailable()).isFalse();
        assertThat(procfs.sysctls().unavailableReason()).get().asString().endsWith("sys/net/ipv4: no such directory");
        assertThat(procfs.processFds().isAvailable()).isFalse();
    }

    @Test
    void everyReadIsUnavailableOffLinuxAndSaysWhy() {
        Procfs procfs = Procfs.forOs("Mac OS X", dir);
        String reason = "procfs is Linux-only and this is Mac OS X";

        assertThat(procfs.isAvailable()).isFalse();
        assertThat(procfs.unavailableReason()).hasValue(reason);
        assertThat(procfs.tcpTable().unavailableReason()).hasValue(reason);
        assertThat(procfs.sockStat().unavailableReason()).hasValue(reason);
        assertThat(procfs.netStat().unavailableReason()).hasValue(reason);
        assertThat(procfs.sysctls().unavailableReason()).hasValue(reason);
        assertThat(procfs.processFds().unavailableReason()).hasValue(reason);
        assertThat(procfs.processFds(1).unavailableReason()).hasValue(reason);
        assertThat(Procfs.forOs("Linux", dir).isAvailable()).isTrue();
    }

    @Test
    void pidMustBePositive() {
        assertThatIllegalArgumentException().isThrownBy(() -> Procfs.at(dir).processFds(0))
                .withMessage("pid <= 0: 0");
    }

    @Test
    void kernelReadCarriesAValueOrAReason() {
        KernelRead<String> available = KernelRead.of("x");
        KernelRead<String> unavailable = KernelRead.unavailable("why");

        assertThat(available.isAvailable()).isTrue();
        assertThat(available.get()).isEqualTo("x");
        assertThat(available.unavailableReason()).isEmpty();
        assertThat(available.map(String::length).get()).isEqualTo(1);
        assertThat(available.toOptional()).contains("x");
        assertThat(available).hasToString("KernelRead[x]");

        assertThat(unavailable.isAvailable()).isFalse();
        assertThat(unavailable.orElse("fallback")).isEqualTo("fallback");
        assertThat(unavailable.toOptional()).isEmpty();
        assertThat(unavailable.map(String::length).unavailableReason()).hasValue("why");
        assertThat(unavailable).hasToString("KernelRead[unavailable: why]");
        assertThatThrownBy(unavailable::get).hasMessage("kernel view unavailable: why");
    }
}
