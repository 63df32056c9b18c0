package dev.portkeeper.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every numeric option at and past its bounds (0, negative, huge, below a unit's resolution): a
 * usage error (exit status 64) before anything runs, whose message names the option and, where
 * the value parsed, its allowed range. In-process: the checks come before any work.
 */
class NumericOptionsTest {

    @ParameterizedTest(name = "{0} {1} {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "doctor | --top | -1 | --top must be 0 (all) or more: -1",
        "doctor | --top | 99999999999 | '99999999999'",
        "watch | --top | -5 | --top must be 0 (all) or more: -5",
        "watch | --interval | 0s | --interval must be between 100ms and 1h: 0s",
        "watch | --interval | 99ms | --interval must be between 100ms and 1h: 99ms",
        "watch | --interval | 1.0001h | --interval must be between 100ms and 1h: 1.0001h",
        "watch | --interval | -1s | '-1s' is not a duration",
        "watch | --interval | 99999999999999999999h | '99999999999999999999h' is too long",
        "watch | --interval | 5 | '5' has no unit",
        "watch | --duration | 0ms | --duration must be between 1ms and 8760h (a year): 0ms",
        "watch | --duration | 0.4ms | --duration must be between 1ms and 8760h (a year): 0.4ms",
        "watch | --duration | -1h | '-1h' is not a duration",
        "watch | --duration | 8761h | --duration must be between 1ms and 8760h (a year): 8761h",
        "watch | --duration | 3000000h | --duration must be between 1ms and 8760h (a year): 3000000h",
        "demo | --requests | 0 | --requests must be between 1 and 1000000: 0",
        "demo | --requests | -1 | --requests must be between 1 and 1000000: -1",
        "demo | --requests | 1000001 | --requests must be between 1 and 1000000: 1000001",
        "demo | --requests | 2147483648 | '2147483648'",
        "demo | --concurrency | 0 | --concurrency must be between 1 and 256: 0",
        "demo | --concurrency | 257 | --concurrency must be between 1 and 256: 257",
    })
    void refusedAsAUsageError(String command, String option, String value, String message) {
        StringWriter err = new StringWriter();
        StringWriter out = new StringWriter();
        int status = PortkeeperCommand.commandLine().setErr(new PrintWriter(err)).setOut(new PrintWriter(out))
                .execute(command, option, value);
        assertThat(status).as("%s %s %s: %s", command, option, value, err).isEqualTo(ExitStatus.USAGE);
        assertThat(err.toString()).contains(message).contains(option);
        assertThat(out.toString()).isEmpty();
    }
}
