package dev.portkeeper.metrics;

import dev.portkeeper.AcquireTimeoutException;
import dev.portkeeper.ConnectFailedException;
import dev.portkeeper.PoolClosedException;
import dev.portkeeper.PortExhaustedException;
import dev.portkeeper.TooManyWaitersException;
import dev.portkeeper.resilience.CircuitOpenException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;

/** The bounded {@code cause} tag of a failure: one value per kind of failure the pool reports. */
final class Causes {
    private Causes() {
    }

    static String of(Throwable failure) {
        if (failure instanceof AcquireTimeoutException) {
            return "timeout";
        }
        if (failure instanceof TooManyWaitersException) {
            return "too_many_waiters";
        }
        if (failure instanceof PortExhaustedException) {
            return "port_exhausted";
        }
        if (failure instanceof CircuitOpenException) {
            return "circuit_open";
        }
        if (failure instanceof ConnectFailedException) {
            return "connect_failed";
        }
        if (failure instanceof PoolClosedException) {
            return "pool_closed";
        }
        if (failure instanceof InterruptedIOException && !(failure instanceof SocketTimeoutException)) {
            return "interrupted";
        }
        return "other";
    }
}
