package dev.portkeeper.budget;

/**
 * Hears a monitor's level changes. Called on the monitor's sampling thread: be fast, do not
 * block, do not call back into the monitor. A listener that throws is logged and ignored.
 */
@FunctionalInterface
public interface BudgetAlertListener {
    /** @param alert the change */
    void onAlert(BudgetAlert alert);
}
