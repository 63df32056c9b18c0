package dev.portkeeper.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portkeeper.testing.Netns;
import dev.portkeeper.testing.NetnsScenario;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@code demo --netns}: in a private namespace with 1,000 ephemeral ports and tcp_tw_reuse 0,
 * 2,000 short connections run out of ports, the pool's do not, and the host's sysctls stay as
 * they were. Skipped where namespaces cannot be made, failed then with PORTKEEPER_REQUIRE_NETNS=1.
 */
class DemoNetnsIT {
    private static final Path RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    private static final Path TW_REUSE = Path.of("/proc/sys/net/ipv4/tcp_tw_reuse");

    @Test
    void theShortPhaseRunsOutOfPortsAndThePooledPhaseDoesNot() throws IOException {
        Netns.assumeAvailable();
        String range = Files.readString(RANGE);
        String twReuse = Files.readString(TW_REUSE);

        Jar.Run run = Jar.run(Jar.path(), Duration.ofSeconds(180), "demo", "--netns", "--json");

        assertThat(run.exitCode()).as("%s", run).isZero();
        Map<String, Object> demo = JsonTree.object(run.stdout());
        assertThat((String) demo.get("netns")).matches("net:\\[\\d+]");
        Map<String, Object> namespaceRange = DoctorCaptureIT.get(demo, "ephemeralRange");
        assertThat(namespaceRange).containsEntry("low", new BigDecimal(40000)).containsEntry("high", new BigDecimal(40999));
        Map<String, Object> shortPhase = DoctorCaptureIT.get(demo, "short");
        int connected = ((BigDecimal) shortPhase.get("connectionsOpened")).intValue();
        assertThat(connected).as("about the range's 1,000 ports, less the two servers'").isBetween(900, 1000);
        assertThat(((BigDecimal) shortPhase.get("failures")).intValue()).isEqualTo(2000 - connected);
        // The library's PortExhaustedException, with the kernel's numbers, not the JDK's bare BindException.
        assertThat((String) shortPhase.get("firstFailure"))
                .startsWith("dev.portkeeper.PortExhaustedException: No local port left to connect to ")
                .contains("(127.0.0.1:", "connect() failed with EADDRNOTAVAIL", "Ephemeral range 40000-40999", "TIME_WAIT",
                        "(1) reuse connections");
        assertThat(((BigDecimal) shortPhase.get("timeWaitCreated")).intValue()).isEqualTo(connected);
        assertThat(((BigDecimal) shortPhase.get("peakPortsInUse")).intValue()).isEqualTo(connected);

        Map<String, Object> pooled = DoctorCaptureIT.get(demo, "pooled");
        assertThat(pooled).containsEntry("failures", BigDecimal.ZERO).containsEntry("firstFailure", null);
        assertThat(((BigDecimal) pooled.get("connectionsOpened")).intValue()).isBetween(1, 4);
        assertThat(((BigDecimal) pooled.get("peakPortsInUse")).intValue()).isBetween(1, 4);

        List<Map<String, Object>> alerts = DoctorCaptureIT.get(demo, "alerts");
        assertThat(alerts).as("the monitor saw the short phase's destination run out").anySatisfy(a -> {
            assertThat((String) a.get("to")).isIn("CRITICAL", "EXHAUSTED");
            assertThat((String) a.get("message")).contains("ephemeral ports in use");
        });

        assertThat(Files.readString(RANGE)).as("the host's range is untouched").isEqualTo(range);
        assertThat(Files.readString(TW_REUSE)).as("the host's tcp_tw_reuse is untouched").isEqualTo(twReuse);
    }

    /** Without --netns, in a namespace of 100 ports: the short phase fails, and that is exit status 1. */
    @Test
    void failedRequestsAreExitStatusOne() {
        Netns.assumeAvailable();
        HashMap<String, String> seen = Netns.builder().portRange(40000, 40099).sysctl("net.ipv4.tcp_tw_reuse", "0")
                .timeout(Duration.ofSeconds(150)).build().run(DemoInNarrowRange.class, Jar.path().toString());
        assertThat(seen.get("exit")).as("%s", seen).isEqualTo(Integer.toString(ExitStatus.WARN));
        Map<String, Object> demo = JsonTree.object(seen.get("stdout"));
        assertThat(((BigDecimal) DoctorCaptureIT.<Map<String, Object>>get(demo, "short").get("failures")).intValue())
                .isPositive();
        assertThat(DoctorCaptureIT.<Map<String, Object>>get(demo, "pooled")).containsEntry("failures", BigDecimal.ZERO);
    }

    /** Runs {@code demo} (not {@code --netns}) inside the namespace the test made. */
    public static class DemoInNarrowRange implements NetnsScenario<HashMap<String, String>> {
        @Override
        public HashMap<String, String> run(List<String> args) {
            Jar.Run run = Jar.run(Path.of(args.get(0)), Duration.ofSeconds(120), "demo", "--json", "--requests", "300");
            HashMap<String, String> out = new HashMap<>();
            out.put("exit", Integer.toString(run.exitCode()));
            out.put("stdout", run.stdout());
            out.put("stderr", run.stderr());
            return out;
        }
    }

    @Test
    void theTableSaysWhatRanOut() {
        Netns.assumeAvailable();
        Jar.Run run = Jar.run(Jar.path(), Duration.ofSeconds(180), "demo", "--netns");
        assertThat(run.exitCode()).as("%s", run).isZero();
        assertThat(run.stdout()).contains("In a private network namespace", "ip_local_port_range 40000 40999",
                        "The short connections ran out of local ports",
                        "the first with dev.portkeeper.PortExhaustedException: No local port left to connect to",
                        "The pool served all 2,000 requests", "The port budget monitor's alerts:")
                .containsPattern("pooled +2,000 +[\\d.]+ +[\\d,]+ +0 +[1-4] ");
    }

    @Test
    void theChildRefusesToTouchSysctlsInItsParentsNamespace() throws IOException {
        Assumptions.assumeTrue(Files.isSymbolicLink(Path.of("/proc/self/ns/net")), "Linux network namespaces");
        String range = Files.readString(RANGE);
        String own = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
        Jar.Run run = Jar.run("demo", "--netns-child=" + own);
        assertThat(run.exitCode()).isEqualTo(ExitStatus.UNKNOWN);
        assertThat(run.stderr()).contains("refusing to change sysctls: still in the parent's network namespace");
        assertThat(Files.readString(RANGE)).isEqualTo(range);
    }
}
