package dev.portkeeper.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Runs the executable jar as a user would, and checks what it reports against what it did. */
class DemoIT {
    private static final Path JAR = Path.of("target", "portkeeper.jar");

    private static String run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", JAR.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        boolean done = p.waitFor(120, TimeUnit.SECONDS);
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!done) {
            p.destroyForcibly();
        }
        assertThat(done).as("demo finished in time; output:%n%s", output).isTrue();
        assertThat(p.exitValue()).as("exit status; output:%n%s", output).isZero();
        return output;
    }

    private static int field(String json, String phase, String name) {
        Matcher m = Pattern.compile("\"" + phase + "\":\\{[^}]*\"" + name + "\":(\\d+)").matcher(json);
        assertThat(m.find()).as("%s.%s in %s", phase, name, json).isTrue();
        return Integer.parseInt(m.group(1));
    }

    @Test
    void pooledPhaseLeavesAtMostThePoolSizeOfTimeWaitWhileShortConnectionsLeaveOnePerRequest() throws Exception {
        assertThat(Files.exists(JAR)).as("the shaded jar was built by package").isTrue();
        Assumptions.assumeTrue(Files.isReadable(Path.of("/proc/net/tcp")), "TIME_WAIT is counted from /proc/net/tcp");
        String json = run("demo", "--json", "--requests", "400", "--concurrency", "3");
        assertThat(json).contains("\"kernelView\":\"available\"");
        assertThat(field(json, "short", "requests")).isEqualTo(400);
        assertThat(field(json, "short", "failures")).isZero();
        assertThat(field(json, "short", "connectionsOpened")).isEqualTo(400);
        // Every short connection was closed by the client first; on loopback tcp_tw_reuse (default 2)
        // may hand a TIME_WAIT four-tuple to a new connect, so allow a few fewer.
        assertThat(field(json, "short", "timeWaitCreated")).isBetween(360, 400);
        assertThat(field(json, "pooled", "failures")).isZero();
        assertThat(field(json, "pooled", "connectionsOpened")).isBetween(1, 3);
        assertThat(field(json, "pooled", "timeWaitCreated")).isBetween(0, 3);
        assertThat(field(json, "short", "peakPortsInUse")).as("every TIME_WAIT holds a port")
                .isBetween(field(json, "short", "timeWaitCreated"), 400);
        assertThat(field(json, "pooled", "peakPortsInUse")).isBetween(1, 3);
        assertThat(json).contains("\"netns\":null", "\"firstFailure\":null", "\"alerts\":[");
        JsonTree.object(json.trim());
    }

    @Test
    void humanOutputIsATableWithTheConclusion() throws Exception {
        Assumptions.assumeTrue(Files.isReadable(Path.of("/proc/net/tcp")), "TIME_WAIT is counted from /proc/net/tcp");
        String table = run("demo", "--requests", "200");
        assertThat(table).contains("phase", "requests/s", "TIME_WAIT", "ports at peak", "short", "pooled")
                .containsPattern("Short connections left \\d+ sockets in TIME_WAIT")
                .containsPattern("one upstream exhausts the default range of 28,232 ports in \\d+ s|of the default range")
                .as("no progress bar when the output is not a terminal").doesNotContain("\r", "[=");
    }

    @Test
    void helpNamesTheDemo() throws Exception {
        assertThat(run("--help")).contains("demo");
    }
}
