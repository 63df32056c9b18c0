package dev.portkeeper.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portkeeper.metrics.PortkeeperMeter;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code portkeeper doctor --format prometheus} on the capture {@code linux-6.18-mixed}: the
 * capture's ground truth under the budget binder's metric names ({@link PortkeeperMeter}), in a
 * text that {@code promtool check metrics} accepts.
 */
class DoctorPrometheusIT {

    @Test
    void theBudgetInPrometheusTextFormatUnderTheBindersNames(@TempDir Path dir) throws Exception {
        Jar.Run run = Jar.run(DoctorCaptureIT.args("doctor", "--format", "prometheus"));
        assertThat(run.exitCode()).as("the verdict, as with the other formats: %s", run).isEqualTo(1);
        String text = run.stdout();
        assertThat(text).contains(
                "portkeeper_ports_used_ports{destination=\"127.0.0.1:11211\",state=\"time_wait\"} 40\n",
                "portkeeper_ports_used_ports{destination=\"127.0.0.1:11211\",state=\"close_wait\"} 5\n",
                "portkeeper_ports_used_ports{destination=\"127.0.0.1:11211\",state=\"established\"} 7\n",
                "portkeeper_ports_used_ports{destination=\"[::1]:8080\",state=\"time_wait\"} 12\n",
                "portkeeper_ports_used_ports{destination=\"[::1]:8080\",state=\"established\"} 3\n",
                "portkeeper_ports_capacity_ports{destination=\"127.0.0.1:11211\"} 1000\n",
                "portkeeper_ports_level{destination=\"127.0.0.1:11211\"} 0\n",
                "portkeeper_ports_exhaustion_eta_seconds{destination=\"127.0.0.1:11211\"} +Inf\n",
                "portkeeper_ports_kernel_view 1\n",
                "portkeeper_time_wait_sockets 57\n",
                "portkeeper_time_wait_max_sockets 131072\n",
                "portkeeper_time_wait_overflows_total NaN\n",
                "# TYPE portkeeper_ports_used_ports gauge\n");

        Set<String> binderNames = Stream.of(PortkeeperMeter.values()).map(PortkeeperMeter::prometheusName)
                .collect(Collectors.toSet());
        Set<String> printed = new TreeSet<>();
        for (String line : text.lines().toList()) {
            if (!line.startsWith("#")) {
                printed.add(line.split("[{ ]", 2)[0]);
            }
        }
        assertThat(binderNames).containsAll(printed);

        Run top1 = new Run(Jar.run(DoctorCaptureIT.args("doctor", "--format", "prometheus", "--top", "1")));
        assertThat(top1.text).contains("portkeeper_ports_used_ports{destination=\"other\",state=\"time_wait\"} 12\n",
                "portkeeper_ports_capacity_ports{destination=\"other\"} NaN\n");

        Path file = Files.writeString(dir.resolve("portkeeper.prom"), text);
        Path promtool = promtool();
        Process p = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectInput(file.toFile())
                .redirectErrorStream(true).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("promtool check metrics:%n%s", out).isZero();
    }

    @Test
    void jsonAndPrometheusTogetherAreAUsageError() {
        Jar.Run run = Jar.run(DoctorCaptureIT.args("doctor", "--json", "--format", "prometheus"));
        assertThat(run.exitCode()).isEqualTo(64);
        assertThat(run.stderr()).contains("--json and --format prometheus: choose one");
    }

    private record Run(String text) {
        Run(Jar.Run run) {
            this(run.stdout());
        }
    }

    private static Path promtool() {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(d, "promtool");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        String reason = "promtool is not on the PATH (Debian: apt-get install prometheus, as .ci/run does)";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new AssertionError(reason + "; under CI=true the exposition must be checked");
        }
        Assumptions.abort(reason);
        return null;
    }
}
