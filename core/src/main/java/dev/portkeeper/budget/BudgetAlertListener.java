package dev.portkeeper.budget;

/**
 * Hears a monitor's level changes. Called on the monitor's sampling thread: be fast, do not
 * block, do not call back into the monitor. A listener that throws (an exception or an
 * {@link Error}, all but a {@link VirtualMachineError}) is logged once, with its stack, and then
 * only counted; the other listeners are still told and sampling goes on.
 */
@FunctionalInterface
public interface BudgetAlertListener {
    /** @param alert the change */
    void onAlert(BudgetAlert alert);
}
