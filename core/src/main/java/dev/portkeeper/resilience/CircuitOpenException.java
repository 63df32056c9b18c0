package dev.portkeeper.resilience;

import dev.portkeeper.Endpoint;
import dev.portkeeper.PortkeeperException;

/**
 * A borrow needed a new connection to an endpoint whose circuit breaker does not permit connects:
 * connects to it failed repeatedly, so the pool fails fast instead of trying again. Thrown by
 * {@link EndpointCircuitBreakers} from the pool's connect, so {@code borrow} throws it at once.
 * Connections to the endpoint that are already open are still lent: the breaker guards connects
 * only, not the caller's calls.
 *
 * <p>Its fields need no Resilience4j: the state is the breaker's state's name.
 */
public final class CircuitOpenException extends PortkeeperException {
    private static final long serialVersionUID = 1L;

    /** The breaker's state when it refused, by name. */
    private final String state;
    /** The breaker's failure rate in percent when it refused, or -1. */
    private final float failureRate;

    CircuitOpenException(Endpoint endpoint, String state, float failureRate, int failedCalls, int calls,
            long waitMillis) {
        super(endpoint, message(endpoint, state, failureRate, failedCalls, calls, waitMillis), null);
        this.state = state;
        this.failureRate = failureRate;
    }

    private static String message(Endpoint endpoint, String state, float failureRate, int failedCalls, int calls,
            long waitMillis) {
        StringBuilder sb = new StringBuilder("Circuit breaker for ").append(endpoint).append(" is ").append(state)
                .append(": no connect to it is tried");
        if (calls > 0) {
            sb.append(" (").append(failedCalls).append(" of the last ").append(calls).append(" connects failed")
                    .append(failureRate >= 0 ? String.format(java.util.Locale.ROOT, ", %.0f %%", failureRate) : "")
                    .append(')');
        }
        if ("OPEN".equals(state) && waitMillis >= 0) {
            sb.append("; it lets a trial connect through after ").append(waitMillis).append(" ms open");
        } else if ("HALF_OPEN".equals(state)) {
            sb.append("; its trial connects are already in flight");
        }
        return sb.append(". Check that the endpoint is up and reachable; port exhaustion on this host is not"
                + " counted against it.").toString();
    }

    /** @return the breaker's state when it refused: {@code OPEN}, {@code HALF_OPEN}, {@code FORCED_OPEN}, ... */
    public String state() {
        return state;
    }

    /** @return the breaker's failure rate in percent when it refused, or -1 before enough connects were seen */
    public float failureRate() {
        return failureRate;
    }
}
