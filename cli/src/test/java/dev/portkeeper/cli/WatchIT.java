package dev.portkeeper.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@code portkeeper watch} on the capture: one JSON object per sample, a bounded run, and Ctrl-C. */
class WatchIT {

    @Test
    void jsonIsOneSnapshotPerLineWithDoctorsFieldsTimeAndAlerts() {
        Jar.Run run = Jar.run(DoctorCaptureIT.args("watch", "--json", "--interval", "200ms", "--duration", "1s"));
        assertThat(run.exitCode()).as("the capture's verdict, WARN (its advice); %s", run).isEqualTo(1);
        List<String> lines = run.stdout().lines().toList();
        assertThat(lines).as("samples at 0, 200, 400, 600 and 800 ms").hasSize(5);
        Map<String, Object> doctor = JsonTree.object(Jar.run(DoctorCaptureIT.args("doctor", "--json")).stdout());
        Instant previous = Instant.MIN;
        for (String line : lines) {
            Map<String, Object> sample = JsonTree.object(line);
            assertThat(sample.keySet()).containsExactly("time", "source", "verdict", "exitStatus", "level",
                    "adviceLevel", "kernelView", "skippedLines", "ephemeralRange", "sysctls", "destinations", "totals",
                    "host", "closeWait", "advice", "alerts");
            assertThat(sample.get("closeWait")).as("watch does not look for owners").isNull();
            Instant time = Instant.parse((String) sample.get("time"));
            assertThat(time).isAfter(previous);
            previous = time;
            assertThat(sample.get("alerts")).as("nothing changes in a capture").isEqualTo(List.of());
            for (String field : List.of("verdict", "level", "kernelView", "ephemeralRange", "sysctls", "destinations",
                    "totals", "host", "advice")) {
                assertThat(sample.get(field)).as(field).isEqualTo(doctor.get(field));
            }
        }
    }

    @Test
    void humanOutputShowsCloseRateTrendAndForecast() {
        Jar.Run run = Jar.run(DoctorCaptureIT.args("watch", "--interval", "250ms", "--duration", "500ms"));
        assertThat(run.exitCode()).as("%s", run).isEqualTo(1);
        assertThat(run.stdout()).doesNotContain("\u001b[")
                .contains("CLOSES/S", "TREND/S", "EXHAUSTION", "every 250 ms")
                .containsPattern("OK +127\\.0\\.0\\.1 +127\\.0\\.0\\.1:11211 +52 +1,000 +5\\.2% +40 +5 +7 +4\\.0 ");
        assertThat(run.stdout().split("Portkeeper watch:", -1)).as("two frames").hasSize(3);
    }

    @Test
    void badDurationsAreTheUsageStatusAndRepeatWhatWasTyped() {
        Jar.Run tooShort = Jar.run("watch", "--interval", "10ms");
        assertThat(tooShort.exitCode()).isEqualTo(ExitStatus.USAGE);
        assertThat(tooShort.stderr()).contains("--interval must be between 100ms and 1h: 10ms").doesNotContain("PT");
        Jar.Run soon = Jar.run("watch", "--interval", "soon");
        assertThat(soon.exitCode()).isEqualTo(ExitStatus.USAGE);
        assertThat(soon.stderr()).contains("'soon' is not a duration", "500ms, 5s, 2m, 1h");
        Jar.Run bare = Jar.run("watch", "--interval", "5");
        assertThat(bare.exitCode()).isEqualTo(ExitStatus.USAGE);
        assertThat(bare.stderr()).contains("'5' has no unit");
        Jar.Run zero = Jar.run("watch", "--duration", "0s");
        assertThat(zero.exitCode()).isEqualTo(ExitStatus.USAGE);
        assertThat(zero.stderr()).contains("--duration must be between 1ms and 8760h (a year): 0s").doesNotContain("PT");
    }

    @Test
    void ctrlCStopsItAfterAWholeLine() throws Exception {
        Process p = new ProcessBuilder(Jar.command(Jar.path(), DoctorCaptureIT.args("watch", "--json", "--interval",
                "100ms"))).redirectError(ProcessBuilder.Redirect.DISCARD)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null;) {
                    lines.add(line);
                }
            } catch (java.io.IOException ignored) {
                // the process is gone
            }
        });
        reader.start();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> lines.size() >= 2);
            Process kill = new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start();
            assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).as("stopped by SIGINT").isTrue();
            assertThat(p.exitValue()).isEqualTo(130);
            reader.join(5_000);
            assertThat(lines).allSatisfy(l -> JsonTree.object(l));
        } finally {
            p.destroyForcibly();
        }
    }
}
