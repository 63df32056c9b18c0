package dev.portkeeper.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code portkeeper doctor --procfs} on the capture {@code linux-6.18-mixed}, whose ground truth
 * is in its README: the jar's JSON and exit status must say exactly that.
 */
class DoctorCaptureIT {
    static final String[] CAPTURE = {"--procfs", capture().toString(), "--procfs-byte-order", "little"};

    static Path capture() {
        try {
            return Path.of(DoctorCaptureIT.class.getResource("/procfs/linux-6.18-mixed").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static String[] args(String... first) {
        String[] all = new String[first.length + CAPTURE.length];
        System.arraycopy(first, 0, all, 0, first.length);
        System.arraycopy(CAPTURE, 0, all, first.length, CAPTURE.length);
        return all;
    }

    @SuppressWarnings("unchecked")
    static <T> T get(Object json, String... path) {
        Object v = json;
        for (String key : path) {
            v = v instanceof List ? ((List<Object>) v).get(Integer.parseInt(key)) : ((Map<String, Object>) v).get(key);
        }
        return (T) v;
    }

    static Map<String, Object> counts(Object... nameThenCount) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < nameThenCount.length; i += 2) {
            m.put((String) nameThenCount[i], BigDecimal.valueOf((Integer) nameThenCount[i + 1]));
        }
        return m;
    }

    @Test
    void jsonIsTheGroundTruthOfTheCapture() {
        Jar.Run run = Jar.run(args("doctor", "--json"));
        assertThat(run.exitCode()).as("budget OK (52 of 1,000 ports at most), advice WARN: verdict WARN; %s", run)
                .isEqualTo(1);
        assertThat(run.stdout().lines()).as("one JSON object on one line").hasSize(1);
        Map<String, Object> doc = JsonTree.object(run.stdout());

        assertThat(doc.keySet()).containsExactly("time", "source", "verdict", "exitStatus", "level", "adviceLevel",
                "kernelView", "skippedLines", "ephemeralRange", "sysctls", "destinations", "totals", "host", "closeWait",
                "advice");
        assertThat(doc).containsEntry("verdict", "WARN").containsEntry("exitStatus", BigDecimal.ONE)
                .containsEntry("level", "OK").containsEntry("adviceLevel", "WARN");
        assertThat((String) doc.get("source")).startsWith("procfs tree ");
        assertThat(doc.get("kernelView")).isEqualTo("available");
        Map<String, Object> range = get(doc, "ephemeralRange");
        assertThat(range).isEqualTo(Map.of("low", new BigDecimal(40000), "high", new BigDecimal(40999),
                "reserved", BigDecimal.ZERO, "listeners", BigDecimal.ZERO, "capacity", new BigDecimal(1000)));
        Map<String, Object> sysctls = get(doc, "sysctls");
        assertThat(sysctls).containsEntry("net.ipv4.ip_local_port_range", "40000 40999")
                .containsEntry("net.ipv4.ip_local_reserved_ports", "")
                .containsEntry("net.ipv4.tcp_tw_reuse", BigDecimal.ZERO)
                .containsEntry("net.ipv4.tcp_timestamps", BigDecimal.ONE)
                .containsEntry("net.ipv4.tcp_max_tw_buckets", new BigDecimal(131072))
                .containsEntry("net.ipv4.tcp_fin_timeout", new BigDecimal(60))
                .containsEntry("net.ipv4.tcp_keepalive_time", new BigDecimal(7200))
                .containsEntry("net.core.somaxconn", new BigDecimal(4096))
                .as("not in the capture").containsEntry("net.ipv4.tcp_tw_reuse_delay", null);

        List<Object> destinations = get(doc, "destinations");
        assertThat(destinations).as("sorted by pressure: 52 of 1,000 before 15 of 1,000").hasSize(2);
        Map<String, Object> v4 = get(destinations, "0");
        assertThat(v4).containsOnlyKeys("local", "remote", "remotePort", "states", "used", "capacity", "level",
                "closesPerSecond", "trendPerSecond", "secondsToExhaustion", "forecast");
        assertThat(v4).as("the text's CLOSES/S").containsEntry("closesPerSecond", new BigDecimal(4));
        assertThat(v4).containsEntry("local", "127.0.0.1").containsEntry("remote", "127.0.0.1")
                .containsEntry("remotePort", new BigDecimal(11211))
                .containsEntry("states", counts("ESTABLISHED", 7, "TIME_WAIT", 40, "CLOSE_WAIT", 5))
                .containsEntry("used", new BigDecimal(52)).containsEntry("capacity", new BigDecimal(1000))
                .containsEntry("level", "OK").containsEntry("secondsToExhaustion", null)
                .containsEntry("forecast", null);
        Map<String, Object> v6 = get(destinations, "1");
        assertThat(v6).containsEntry("local", "::1").containsEntry("remote", "::1")
                .containsEntry("remotePort", new BigDecimal(8080))
                .containsEntry("states", counts("ESTABLISHED", 3, "TIME_WAIT", 12))
                .containsEntry("used", new BigDecimal(15)).containsEntry("capacity", new BigDecimal(1000))
                .containsEntry("level", "OK").containsEntry("secondsToExhaustion", null);

        Map<String, Object> totals = get(doc, "totals");
        assertThat(totals).isEqualTo(counts("ESTABLISHED", 20, "TIME_WAIT", 52,
                "CLOSE_WAIT", 5, "FIN_WAIT2", 5, "LISTEN", 2));

        Map<String, Object> host = get(doc, "host");
        assertThat(host).containsEntry("timeWait", new BigDecimal(57))
                .containsEntry("maxTimeWaitBuckets", new BigDecimal(131072)).containsEntry("timeWaitLevel", "OK")
                .containsKeys("timeWaitOverflows", "fds", "fdLimit", "fdLimitUnlimited", "fdLevel");
        Map<String, Object> closeWait = get(doc, "closeWait");
        assertThat(closeWait).containsEntry("total", new BigDecimal(5)).containsEntry("unattributed", new BigDecimal(5))
                .containsEntry("owners", List.of());

        List<Map<String, Object>> advice = get(doc, "advice");
        assertThat(advice).allSatisfy(a -> {
            assertThat(a).containsOnlyKeys("id", "severity", "text", "seen", "change", "why", "caveat");
            assertThat((String) a.get("severity")).isIn("INFO", "WARN", "CRITICAL");
            assertThat((String) a.get("text")).contains(" Change: ", " Why: ", " Caveat: ");
        });
        assertThat(advice).extracting(a -> a.get("id")).contains("reuse-connections", "close-wait", "tcp-tw-reuse",
                "tcp-tw-recycle-gone");
    }

    @Test
    void humanOutputIsAlignedTablesWithoutColourWhenNotATerminal() {
        Jar.Run run = Jar.run(args("doctor"));
        assertThat(run.exitCode()).as("%s", run).isEqualTo(1);
        String text = run.stdout();
        assertThat(text).doesNotContain("\u001b[").contains("Verdict WARN (exit status 1): port budget OK, advice WARN")
                .containsPattern("range +40000-40999: 1,000 ports")
                .containsPattern("net\\.ipv4\\.tcp_tw_reuse +0 +off")
                .containsPattern("net\\.ipv4\\.tcp_max_tw_buckets +131072")
                .containsPattern("OK +127\\.0\\.0\\.1 +127\\.0\\.0\\.1:11211 +40 +5 +7 +0 +52 +1,000 +5\\.2%")
                .containsPattern("OK +::1 +\\[::1]:8080 +12 +0 +3 +0 +15 +1,000 +1\\.5%")
                .contains("84: TIME_WAIT 52, ESTABLISHED 20")
                .contains("5 of 5 CLOSE_WAIT sockets without a known owner")
                .containsPattern("time-wait sockets +57 of 131,072")
                .contains("reuse-connections", "Seen ", "Change ", "Why ", "Caveat ");
        List<String> table = text.lines().filter(l -> l.startsWith("  LEVEL ") || l.startsWith("  OK "))
                .toList();
        assertThat(table).hasSize(3);
        int usedColumn = table.get(0).indexOf("USED") + "USED".length();
        assertThat(table).as("numbers right-aligned under their heading")
                .allSatisfy(l -> assertThat(l.charAt(usedColumn - 1)).isNotEqualTo(' '));
    }

    @Test
    void noKernelViewIsExitStatusThree(@TempDir Path empty) {
        Jar.Run run = Jar.run("doctor", "--json", "--procfs", empty.toString());
        assertThat(run.exitCode()).as("%s", run).isEqualTo(3);
        assertThat((String) JsonTree.object(run.stdout()).get("kernelView")).startsWith("unavailable: ")
                .contains("net/tcp");
        assertThat(Jar.run("doctor", "--procfs", empty.toString()).stdout()).contains("Kernel view unavailable");
    }

    @Test
    void badOptionsAreTheUsageStatusWhichMonitoringReportsAsUnknown() {
        Jar.Run run = Jar.run("doctor", "--procfs", "/no/such/dir");
        assertThat(run.exitCode()).isEqualTo(ExitStatus.USAGE);
        assertThat(run.stderr()).contains("--procfs /no/such/dir: no such directory");
        assertThat(Jar.run("doctor", "--top", "-1").exitCode()).isEqualTo(ExitStatus.USAGE);
        assertThat(Jar.run("doctor", "--bogus").exitCode()).isEqualTo(ExitStatus.USAGE);
    }

    @Test
    void helpNamesEveryCommandAndTheExitStatuses() {
        assertThat(Jar.run("--help").stdout()).contains("doctor", "watch", "demo");
        Jar.Run doctor = Jar.run("doctor", "--help");
        assertThat(doctor.exitCode()).isZero();
        assertThat(doctor.stdout()).contains("--json", "--procfs", "--no-color", "Exit status (every command):", "CRITICAL");
        assertThat(Jar.run("watch", "--help").stdout()).contains("--interval", "--duration", "--json");
        assertThat(Jar.run("demo", "--help").stdout()).contains("--requests", "--concurrency", "--netns");
    }
}
