package dev.portkeeper.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The exit status table, one status at a time, for every command: the jar run as a process on
 * procfs trees whose verdict is known. demo's 0 is in {@link DemoIT}, its 1 and 3 in
 * {@link DemoNetnsIT}; watch's 130 in {@link WatchIT}.
 */
class ExitStatusIT {
    private static final List<String> COMMANDS = List.of("doctor", "watch", "demo");

    @Test
    void topLevel() {
        assertThat(Jar.run("--help").exitCode()).isEqualTo(ExitStatus.OK);
        Jar.Run version = Jar.run("--version");
        assertThat(version.exitCode()).isEqualTo(ExitStatus.OK);
        assertThat(version.stdout()).as("the POM's version, filtered in at build time")
                .startsWith("portkeeper " + System.getProperty("project.version", "")).doesNotContain("${", "unknown");
        Jar.Run none = Jar.run();
        assertThat(none.exitCode()).as("no command: %s", none).isEqualTo(ExitStatus.USAGE);
        assertThat(none.stderr()).contains("Missing a command", "Usage: portkeeper");
        assertThat(Jar.run("frob").exitCode()).as("unknown command").isEqualTo(ExitStatus.USAGE);
        assertThat(Jar.run("--frob").exitCode()).as("unknown option").isEqualTo(ExitStatus.USAGE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"doctor", "watch"})
    void okOnAQuietHost(String command, @TempDir Path dir) {
        Jar.Run run = Jar.run(ProcfsTrees.args(ProcfsTrees.withTimeWait(dir, 0), command(command, "--json")));
        assertThat(run.exitCode()).as("%s", run).isEqualTo(ExitStatus.OK);
        assertThat(JsonTree.object(run.stdout().lines().findFirst().orElseThrow())).containsEntry("verdict", "OK");
    }

    @ParameterizedTest
    @ValueSource(strings = {"doctor", "watch"})
    void warnWhenOnlyTheAdviceWarns(String command) {
        Jar.Run run = Jar.run(DoctorCaptureIT.args(command(command, "--json")));
        assertThat(run.exitCode()).as("%s", run).isEqualTo(ExitStatus.WARN);
        assertThat(JsonTree.object(run.stdout().lines().findFirst().orElseThrow())).containsEntry("level", "OK")
                .containsEntry("adviceLevel", "WARN").containsEntry("verdict", "WARN");
    }

    @ParameterizedTest
    @ValueSource(strings = {"doctor", "watch"})
    void criticalAt90PercentOfTheRange(String command, @TempDir Path dir) {
        Jar.Run run = Jar.run(ProcfsTrees.args(ProcfsTrees.withTimeWait(dir, 900), command(command, "--json")));
        assertThat(run.exitCode()).as("%s", run).isEqualTo(ExitStatus.CRITICAL);
        assertThat(JsonTree.object(run.stdout().lines().findFirst().orElseThrow())).containsEntry("level", "CRITICAL")
                .containsEntry("verdict", "CRITICAL");
    }

    @ParameterizedTest
    @ValueSource(strings = {"doctor", "watch"})
    void unknownWithoutTheSocketTables(String command, @TempDir Path empty) {
        Jar.Run run = Jar.run(command(command, "--json", "--procfs", empty.toString()));
        assertThat(run.exitCode()).as("%s", run).isEqualTo(ExitStatus.UNKNOWN);
        assertThat(JsonTree.object(run.stdout().lines().findFirst().orElseThrow())).containsEntry("verdict", "UNKNOWN");
    }

    @ParameterizedTest
    @ValueSource(strings = {"doctor", "watch", "demo"})
    void usageErrorsHaveOneStatusEverywhere(String command) {
        assertThat(Jar.run(command, "--bogus").exitCode()).as("unknown option").isEqualTo(ExitStatus.USAGE);
        assertThat(Jar.run(command, "stray").exitCode()).as("stray argument").isEqualTo(ExitStatus.USAGE);
        String[] badValue = command.equals("demo") ? new String[] {"demo", "--requests", "many"}
                : command.equals("watch") ? new String[] {"watch", "--interval", "5"}
                : new String[] {"doctor", "--top", "x"};
        Jar.Run run = Jar.run(badValue);
        assertThat(run.exitCode()).as("bad value: %s", run).isEqualTo(ExitStatus.USAGE);
        assertThat(run.stderr()).contains("'" + badValue[2] + "'");
    }

    @Test
    void helpOfEveryCommandPrintsNoWarningAndTheOneTable() {
        String table = null;
        for (String[] args : List.of(new String[] {"--help"}, new String[] {"help"}, new String[] {"doctor", "--help"},
                new String[] {"watch", "--help"}, new String[] {"demo", "--help"}, new String[] {"help", "watch"})) {
            Jar.Run run = Jar.run(args);
            assertThat(run.exitCode()).as("%s", run).isEqualTo(ExitStatus.OK);
            assertThat(run.stderr()).as("%s", run).isEmpty();
            assertThat(run.stdout()).doesNotContain("[picocli", "Could not format", "%%");
            String own = run.stdout().substring(run.stdout().indexOf("Exit status (every command):"));
            assertThat(own).contains(" 64 ", "usage error", "130");
            if (table == null) {
                table = own;
            }
            assertThat(own).as("the same table in every --help").isEqualTo(table);
        }
        for (String command : COMMANDS) {
            assertThat(Jar.run(command, "--version").stdout()).startsWith("portkeeper ");
        }
    }

    /** watch is bounded so that the test ends. */
    private static String[] command(String command, String... rest) {
        List<String> args = new java.util.ArrayList<>(List.of(command));
        args.addAll(List.of(rest));
        if (command.equals("watch")) {
            args.addAll(List.of("--interval", "100ms", "--duration", "100ms"));
        }
        return args.toArray(String[]::new);
    }

}
