package dev.portkeeper.netns;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Helper commands: output captured, failures described on one line, a hung command killed at its limit. */
class CommandsTest {

    @Test
    void commandsAreCapturedAndBoundedInTime() {
        Commands.Result failed = Commands.run(List.of("sh", "-c",
                "echo 'unshare: unshare failed: Operation not permitted' >&2; exit 1"), Duration.ofSeconds(10));
        assertThat(failed.ok()).isFalse();
        assertThat(failed.describe()).isEqualTo("unshare: unshare failed: Operation not permitted (exit status 1)");

        long start = System.nanoTime();
        Commands.Result hung = Commands.run(List.of("sh", "-c", "echo started; sleep 600"), Duration.ofMillis(500));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
        assertThat(hung.timedOut()).isTrue();
        assertThat(hung.describe()).isEqualTo("timed out: started");
    }

    @Test
    void aMissingCommandIsAResultNotAnException() {
        Commands.Result missing = Commands.run(List.of("/no/such/command"), Duration.ofSeconds(5));
        assertThat(missing.ok()).isFalse();
        assertThat(missing.describe()).contains("cannot run /no/such/command");
        assertThat(Commands.find("sh")).hasValueSatisfying(p -> assertThat(p).isAbsolute());
        assertThat(Commands.find("no-such-command-anywhere")).isEmpty();
    }
}
