package dev.portkeeper.cli;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The exit statuses of every command, in one table. 0 to 3 are a monitoring plugin's (Nagios,
 * Icinga, Sensu) so that doctor and watch can be used as checks; a usage error has a status of its
 * own, {@code EX_USAGE} from sysexits.h, so that a script can tell a typo from a verdict (a
 * monitoring system reports any status past 3 as UNKNOWN).
 */
final class ExitStatus {
    static final int OK = 0;
    /** doctor, watch: a WARN verdict; demo: some requests failed. */
    static final int WARN = 1;
    static final int CRITICAL = 2;
    /** Could not tell: the kernel view is unavailable, or the run failed. */
    static final int UNKNOWN = 3;
    /** A bad option, a bad value, an unknown or missing subcommand. */
    static final int USAGE = 64;
    /** watch stopped by Ctrl-C (SIGINT): 128 + 2, as a shell reports it. */
    static final int INTERRUPTED = 130;

    /** The table printed at the end of every {@code --help}; a {@code %} is written {@code %%} (picocli formats it). */
    static final Map<String, String> TABLE = table();

    private ExitStatus() {
    }

    private static Map<String, String> table() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(" " + OK, "OK: doctor/watch verdict OK; demo: no request failed; --help and --version");
        m.put(" " + WARN, "WARN: a port budget at 60 %% or forecast to run out within 5 min, or an advisor finding"
                + " of severity WARN (doctor, watch); some requests failed (demo)");
        m.put(" " + CRITICAL, "CRITICAL: a port budget at 85 %%, forecast to run out within 60 s or exhausted, or a"
                + " CRITICAL finding (doctor, watch)");
        m.put(" " + UNKNOWN, "UNKNOWN: the kernel's socket tables cannot be read or are doubtful (over 1 %% of their"
                + " lines malformed), the command failed, or demo --netns could not make a network namespace");
        m.put(Integer.toString(USAGE), "usage error: an unknown option or subcommand, a bad value, no subcommand");
        m.put(Integer.toString(INTERRUPTED), "watch stopped by Ctrl-C");
        return m;
    }
}
