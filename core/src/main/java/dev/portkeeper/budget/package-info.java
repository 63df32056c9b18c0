/**
 * The ephemeral-port budget: per destination (local IP, remote IP, remote port), the sockets
 * that hold a local port of the ephemeral range, by state, against the range's capacity; the
 * close rate; a forecast of the time to exhaustion; and alerts before it happens.
 *
 * <p>{@link dev.portkeeper.budget.PortBudgetMonitor} is the entry point. It reads the kernel's
 * view through {@link dev.portkeeper.kernel.Procfs} and keeps a ledger of the pool's own opens
 * and closes (attach it to a pool with {@code ConnectionPool.Builder.portBudget(monitor)}),
 * so that it still knows the close rate where procfs is absent.
 */
package dev.portkeeper.budget;
