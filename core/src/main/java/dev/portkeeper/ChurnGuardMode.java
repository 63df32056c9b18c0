package dev.portkeeper;

/**
 * What a pool does when the port budget toward an endpoint is under pressure (WARN or worse).
 * Each connection this side closes holds its port for 60 s in TIME_WAIT, so the guard spends
 * ports no faster than they come back. It needs a budget:
 * {@link ConnectionPool.Builder#portBudget(PortBudgetSignal)}.
 */
public enum ChurnGuardMode {
    /** No guard: the pool opens and retires connections as its settings say. */
    OFF,
    /** Log, once a minute per endpoint, what the guard would have held back; change nothing. */
    LOG_ONLY,
    /**
     * The default. Under pressure: open new connections no faster than the budget sustains (free
     * ports / 60 s), a borrow that would open one waits (within its acquire timeout) for a
     * connection given back instead; connections past their lifetime are retired no faster than
     * that either, and idle ones are not closed for idleness, so the pool keeps what recent demand
     * needed.
     */
    ON
}
