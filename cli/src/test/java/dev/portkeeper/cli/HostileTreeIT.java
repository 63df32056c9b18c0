package dev.portkeeper.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code doctor --procfs} on trees nobody should trust: the jar run as a process must end in time
 * with "could not tell" (exit status 3) and say why, never report such a tree as a quiet host.
 */
class HostileTreeIT {
    private static final Duration LIMIT = Duration.ofSeconds(60);

    @Test
    void randomBytesInTheTableAreUnknownNotOk(@TempDir Path dir) throws IOException {
        Path tree = ProcfsTrees.withTimeWait(dir, 0);
        byte[] garbage = new byte[100 * 1024];
        new Random(17).nextBytes(garbage);
        Files.write(tree.resolve("net/tcp"), garbage);

        Jar.Run run = Jar.run(Jar.path(), LIMIT, ProcfsTrees.args(tree, "doctor", "--json"));
        assertThat(run.exitCode()).as("%s", run).isEqualTo(ExitStatus.UNKNOWN);
        Map<String, Object> doc = JsonTree.object(run.stdout());
        assertThat(doc).containsEntry("verdict", "UNKNOWN");
        assertThat((String) doc.get("kernelView")).startsWith("doubtful: ").contains("malformed");
        assertThat((BigDecimal) doc.get("skippedLines")).isGreaterThan(BigDecimal.valueOf(100));

        Jar.Run text = Jar.run(Jar.path(), LIMIT, ProcfsTrees.args(tree, "doctor", "--no-color"));
        assertThat(text.exitCode()).isEqualTo(ExitStatus.UNKNOWN);
        assertThat(text.stdout()).contains("Kernel view doubtful: ", "could not tell");
    }

    @Test
    void aQuietHostStillSaysSoWithNoSkippedLine(@TempDir Path dir) {
        Jar.Run run = Jar.run(Jar.path(), LIMIT, ProcfsTrees.args(ProcfsTrees.withTimeWait(dir, 0), "doctor", "--json"));
        assertThat(run.exitCode()).as("%s", run).isEqualTo(ExitStatus.OK);
        assertThat(JsonTree.object(run.stdout())).containsEntry("kernelView", "available")
                .containsEntry("skippedLines", BigDecimal.ZERO);
    }

    @Test
    void aDeviceInPlaceOfTheTableIsUnavailable(@TempDir Path dir) throws IOException {
        Path tree = ProcfsTrees.withTimeWait(dir, 0);
        Files.delete(tree.resolve("net/tcp"));
        Files.createSymbolicLink(tree.resolve("net/tcp"), Path.of("/dev/zero"));

        Jar.Run run = Jar.run(Jar.path(), LIMIT, ProcfsTrees.args(tree, "doctor", "--json"));
        assertThat(run.exitCode()).as("%s", run).isEqualTo(ExitStatus.UNKNOWN);
        assertThat((String) JsonTree.object(run.stdout()).get("kernelView"))
                .startsWith("unavailable: ").contains("net/tcp: not a regular file");
    }

    @Test
    void aFifoInPlaceOfTheTableDoesNotHang(@TempDir Path dir) throws Exception {
        Path tree = ProcfsTrees.withTimeWait(dir, 0);
        Files.delete(tree.resolve("net/tcp"));
        Process mkfifo = new ProcessBuilder("mkfifo", tree.resolve("net/tcp").toString()).inheritIO().start();
        assertThat(mkfifo.waitFor(10, TimeUnit.SECONDS)).isTrue();

        Jar.Run run = Jar.run(Jar.path(), LIMIT, ProcfsTrees.args(tree, "doctor", "--json"));
        assertThat(run.exitCode()).as("%s", run).isEqualTo(ExitStatus.UNKNOWN);
        assertThat((String) JsonTree.object(run.stdout()).get("kernelView")).contains("not a regular file");
    }

    @Test
    void aMalformedSysctlInvalidatesOnlyItself(@TempDir Path dir) throws IOException {
        Path tree = ProcfsTrees.withTimeWait(dir, 0);
        Path ipv4 = tree.resolve("sys/net/ipv4");
        Files.writeString(ipv4.resolve("ip_local_reserved_ports"), "8080,nine\n");
        Files.writeString(ipv4.resolve("tcp_max_tw_buckets"), "4294967296\n");
        Files.writeString(ipv4.resolve("tcp_tw_reuse"), "4294967297\n");

        Jar.Run run = Jar.run(Jar.path(), LIMIT, ProcfsTrees.args(tree, "doctor", "--json"));
        Map<String, Object> doc = JsonTree.object(run.stdout());
        assertThat(DoctorCaptureIT.<BigDecimal>get(doc, "ephemeralRange", "capacity")).as("%s", run)
                .isEqualTo(new BigDecimal(1000));
        Map<String, Object> sysctls = DoctorCaptureIT.get(doc, "sysctls");
        assertThat(sysctls).containsEntry("net.ipv4.ip_local_port_range", "40000 40999")
                .containsEntry("net.ipv4.ip_local_reserved_ports", null)
                .containsEntry("net.ipv4.tcp_max_tw_buckets", null)
                .containsEntry("net.ipv4.tcp_tw_reuse", null);

        Jar.Run text = Jar.run(Jar.path(), LIMIT, ProcfsTrees.args(tree, "doctor", "--no-color"));
        assertThat(text.stdout()).contains("invalid '4294967297': out of range 0-2",
                "invalid '4294967296': out of range 0-2147483647", "invalid '8080,nine'",
                "the capacity may be overstated");
    }

    @Test
    void everyPortReservedIsCritical(@TempDir Path dir) throws IOException {
        Path tree = ProcfsTrees.withTimeWait(dir, 0);
        Files.writeString(tree.resolve("sys/net/ipv4/ip_local_reserved_ports"), "40000-40999\n");

        Jar.Run run = Jar.run(Jar.path(), LIMIT, ProcfsTrees.args(tree, "doctor", "--json"));
        assertThat(run.exitCode()).as("%s", run).isEqualTo(ExitStatus.CRITICAL);
        Map<String, Object> doc = JsonTree.object(run.stdout());
        assertThat(doc).containsEntry("level", "EXHAUSTED");
        assertThat(DoctorCaptureIT.<BigDecimal>get(doc, "ephemeralRange", "capacity")).isEqualTo(BigDecimal.ZERO);
    }

    @Test
    void aDeviceAsAProcessNameIsNotRead(@TempDir Path dir) throws IOException {
        Path tree = ProcfsTrees.withTimeWait(dir, 0);
        Files.writeString(tree.resolve("net/tcp"), Files.readString(tree.resolve("net/tcp"))
                + "   0: 0100007F:9C40 0100007F:2BCB 08 00000000:00000000 00:00000000 00000000     0        0 4242 1"
                + " 0000000000000000\n");
        Files.createDirectories(tree.resolve("4242/fd"));
        Files.createSymbolicLink(tree.resolve("4242/fd/3"), Path.of("socket:[4242]"));
        Files.createSymbolicLink(tree.resolve("4242/comm"), Path.of("/dev/zero"));

        Jar.Run run = Jar.run(Jar.path(), LIMIT, ProcfsTrees.args(tree, "doctor", "--json"));
        assertThat(run.stderr()).as("%s", run).doesNotContain("OutOfMemoryError");
        Map<String, Object> doc = JsonTree.object(run.stdout());
        assertThat(DoctorCaptureIT.<BigDecimal>get(doc, "closeWait", "total")).isEqualTo(BigDecimal.ONE);
        assertThat(DoctorCaptureIT.<String>get(doc, "closeWait", "owners", "0", "command")).isEqualTo("?");
    }
}
