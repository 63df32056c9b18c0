package dev.portkeeper.cli;

import dev.portkeeper.advice.Finding;
import dev.portkeeper.advice.Severity;
import dev.portkeeper.budget.BudgetLevel;
import dev.portkeeper.budget.BudgetSnapshot;
import java.util.List;

/**
 * The overall verdict of doctor and watch: the worst of the port budget's level (every destination,
 * TIME_WAIT buckets, file descriptors) and the advisor's findings (INFO counts as OK), or UNKNOWN
 * when the kernel's socket tables cannot be read or are doubtful (more than 1 % of their lines
 * malformed: sockets may be missing from every count). It is also the exit status.
 */
enum Verdict {
    OK(ExitStatus.OK),
    WARN(ExitStatus.WARN),
    CRITICAL(ExitStatus.CRITICAL),
    UNKNOWN(ExitStatus.UNKNOWN);

    private final int exitStatus;

    Verdict(int exitStatus) {
        this.exitStatus = exitStatus;
    }

    int exitStatus() {
        return exitStatus;
    }

    static Verdict of(BudgetSnapshot snapshot, List<Finding> findings) {
        if (!snapshot.kernelViewAvailable() || snapshot.kernelViewDoubtful()) {
            return UNKNOWN;
        }
        Verdict worst = of(snapshot.level());
        Verdict advice = of(findings);
        return advice.compareTo(worst) > 0 ? advice : worst;
    }

    /** EXHAUSTED is CRITICAL: a monitoring plugin has no worse state. */
    static Verdict of(BudgetLevel level) {
        switch (level) {
            case OK:
                return OK;
            case WARN:
                return WARN;
            default:
                return CRITICAL;
        }
    }

    /** The worst finding: INFO is OK. */
    static Verdict of(List<Finding> findings) {
        Verdict worst = OK;
        for (Finding f : findings) {
            Verdict v = f.severity() == Severity.CRITICAL ? CRITICAL : f.severity() == Severity.WARN ? WARN : OK;
            if (v.compareTo(worst) > 0) {
                worst = v;
            }
        }
        return worst;
    }
}
