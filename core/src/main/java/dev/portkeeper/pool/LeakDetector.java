package dev.portkeeper.pool;

import dev.portkeeper.LeakReport;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds leases held longer than the threshold. {@link #check(long)} is a pure function of the
 * time it is given, so that tests drive it with a fake clock; the pool runs it periodically.
 * Each lease is reported once, and once more, at INFO, if it comes back after all.
 */
final class LeakDetector {
    private static final Logger LOG = LoggerFactory.getLogger(LeakDetector.class);

    private final String poolName;
    private final long thresholdNanos;
    private final ListenerChain listeners;
    private final Set<Lease> leases = ConcurrentHashMap.newKeySet();

    LeakDetector(String poolName, Duration threshold, ListenerChain listeners) {
        this.poolName = poolName;
        this.thresholdNanos = threshold.toNanos();
        this.listeners = listeners;
    }

    void track(Lease lease) {
        leases.add(lease);
    }

    void untrack(Lease lease, long now) {
        if (leases.remove(lease) && lease.leakReported()) {
            LOG.info("Pool {}: {}, reported as a possible leak, was given back after {} ms", poolName,
                    lease.connection(), Duration.ofNanos(now - lease.borrowedAt()).toMillis());
        }
    }

    /**
     * Reports every lease held at least the threshold at {@code now} and not reported yet.
     *
     * @param now the ticker's reading
     * @return how many leases were reported by this call
     */
    int check(long now) {
        int reported = 0;
        for (Lease lease : leases) {
            long held = now - lease.borrowedAt();
            if (held >= thresholdNanos && !lease.leakReported() && !lease.ended()) {
                lease.markLeakReported();
                reported++;
                LeakReport report = new LeakReport(lease.connection().info(poolName, now), Duration.ofNanos(held),
                        lease.threadName(), lease.borrowSite());
                LOG.warn("Pool {}: {} has been borrowed for {} ms by thread '{}' without being given back;"
                        + " it may be a leak (a borrow without close()). It was borrowed here:", poolName,
                        lease.connection(), report.heldFor().toMillis(), lease.threadName(), lease.borrowSite());
                listeners.leakSuspected(report);
            }
        }
        return reported;
    }
}
