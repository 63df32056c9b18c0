package dev.portkeeper.budget;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the log and the listeners of level changes. A listener that throws, an exception or an
 * {@link Error} (as the pool's listeners, all but a {@link VirtualMachineError}), is contained:
 * the others are still told, the sampler goes on, and the failure is logged once per listener
 * (with its stack), then only counted. Thread-safe.
 */
final class AlertDispatcher {
    private static final Logger LOG = LoggerFactory.getLogger(PortBudgetMonitor.class);

    private final List<BudgetAlertListener> listeners = new CopyOnWriteArrayList<>();
    private final Map<BudgetAlertListener, AtomicLong> failures = new ConcurrentHashMap<>();

    AlertDispatcher(Collection<BudgetAlertListener> initial) {
        listeners.addAll(initial);
    }

    void add(BudgetAlertListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** @return how many times {@code listener} threw */
    long failures(BudgetAlertListener listener) {
        AtomicLong n = failures.get(listener);
        return n == null ? 0 : n.get();
    }

    /** An alert found during a sample, published once the snapshot is complete. */
    record Pending(String subject, Destination destination, BudgetLevel from, BudgetLevel to, String message,
            boolean logged) {
        BudgetAlert toAlert(Instant time) {
            return new BudgetAlert(time, subject, java.util.Optional.ofNullable(destination), from, to, message);
        }
    }

    /**
     * The alerts for a level change. A jump up (OK to CRITICAL, as a steady load gives) raises every
     * level crossed, so that a listener waiting for WARN hears it; the log shows the last one only.
     */
    static void transitions(List<Pending> out, String subject, Destination destination, BudgetLevel before,
            BudgetLevel after, BiFunction<BudgetLevel, BudgetLevel, String> message) {
        if (after.compareTo(before) > 0) {
            for (BudgetLevel from = before; from != after; ) {
                BudgetLevel to = BudgetLevel.values()[from.ordinal() + 1];
                out.add(new Pending(subject, destination, from, to, message.apply(from, to), to == after));
                from = to;
            }
        } else if (after != before) {
            out.add(new Pending(subject, destination, before, after, message.apply(before, after), true));
        }
    }

    void publish(List<Pending> pending, Instant time) {
        for (Pending p : pending) {
            publish(p.toAlert(time), p.logged());
        }
    }

    private void publish(BudgetAlert alert, boolean log) {
        if (log && alert.isRaised()) {
            LOG.warn(alert.message());
        } else if (log) {
            LOG.info(alert.message());
        }
        for (BudgetAlertListener l : listeners) {
            try {
                l.onAlert(alert);
            } catch (VirtualMachineError e) {
                throw e; // out of memory or stack: nothing to contain; the sampler logs it and goes on
            } catch (Throwable t) { // NOPMD: a listener's bug must not stop the sampler or the others
                long n = failures.computeIfAbsent(l, k -> new AtomicLong()).incrementAndGet();
                if (n == 1) {
                    LOG.warn("Port budget alert listener {} threw; ignored, and its next failures are only counted",
                            l, t);
                } else {
                    LOG.debug("Port budget alert listener {} threw again ({} times): {}", l, n, t.toString());
                }
            }
        }
    }
}
