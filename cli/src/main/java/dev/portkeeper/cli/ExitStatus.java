package dev.portkeeper.cli;

import dev.portkeeper.budget.BudgetLevel;
import dev.portkeeper.budget.BudgetSnapshot;

/** Exit statuses as monitoring plugins use them (Nagios, Icinga, Sensu). */
final class ExitStatus {
    static final int OK = 0;
    static final int WARN = 1;
    static final int CRITICAL = 2;
    /** Could not tell: the kernel view is unavailable, or the command line or the run failed. */
    static final int UNKNOWN = 3;

    private ExitStatus() {
    }

    static int of(BudgetSnapshot snapshot) {
        if (!snapshot.kernelViewAvailable()) {
            return UNKNOWN;
        }
        return of(snapshot.level());
    }

    static int of(BudgetLevel level) {
        switch (level) {
            case OK:
                return OK;
            case WARN:
                return WARN;
            default:
                return CRITICAL;
        }
    }
}
