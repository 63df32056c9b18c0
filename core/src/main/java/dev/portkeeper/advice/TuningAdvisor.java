package dev.portkeeper.advice;

import dev.portkeeper.budget.BudgetLevel;
import dev.portkeeper.budget.BudgetSnapshot;
import dev.portkeeper.budget.DestinationBudget;
import dev.portkeeper.budget.PortBudgetMonitor;
import dev.portkeeper.kernel.EphemeralRange;
import dev.portkeeper.kernel.KernelSysctls;
import dev.portkeeper.kernel.TcpState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Says what to change on a host (or in the code) so that it does not run out of ephemeral ports
 * or pile up CLOSE_WAIT, from one {@link BudgetSnapshot}. Each {@link Finding} carries what was
 * seen, the change, why, and the change's caveat. The advisor is a pure function of the snapshot:
 * it reads nothing and changes nothing.
 *
 * <p>Findings, by {@link Finding#id()}: {@code reuse-connections}, {@code peer-first-close},
 * {@code widen-port-range}, {@code tcp-tw-reuse}, {@code tcp-timestamps-off},
 * {@code tcp-tw-recycle-gone}, {@code tcp-max-tw-buckets}, {@code close-wait},
 * {@code reserve-listener-ports}, {@code fd-limit}, {@code keepalive-defaults}.
 */
public final class TuningAdvisor {
    /** A destination whose steady-state TIME_WAIT takes this share of its capacity is worth a remedy. */
    private static final double NOTABLE_SHARE = 0.1;
    private static final long KERNEL_DEFAULT_KEEPALIVE_SECONDS = 7200;

    private TuningAdvisor() {
    }

    /**
     * @param snapshot a port-budget snapshot, with the sysctls it read
     * @return the findings, most severe first; empty when there is nothing to say
     */
    public static List<Finding> advise(BudgetSnapshot snapshot) {
        List<Finding> out = new ArrayList<>();
        Optional<KernelSysctls> sysctls = snapshot.sysctls();
        Optional<DestinationBudget> churning = snapshot.destinations().stream()
                .filter(d -> d.closeRate() > 0)
                .max(Comparator.comparingDouble(DestinationBudget::steadyStateTimeWait));
        boolean pressure = snapshot.destinations().stream().anyMatch(d -> d.level() != BudgetLevel.OK);
        boolean notableChurn = churning.map(d -> d.steadyStateTimeWait() >= NOTABLE_SHARE * d.capacity()).orElse(false);

        if (churning.isPresent() && (notableChurn || churning.get().level() != BudgetLevel.OK)) {
            DestinationBudget d = churning.get();
            out.add(reuseConnections(d));
            out.add(peerFirst(d));
        }
        if (pressure || snapshot.range().size() < EphemeralRange.LINUX_DEFAULT.size()) {
            out.add(widenRange(snapshot, pressure));
        }
        sysctls.ifPresent(s -> {
            if (pressure || notableChurn) {
                twReuse(s).ifPresent(out::add);
            }
            if (s.tcpTimestamps().orElse(1) == 0) {
                out.add(timestampsOff());
            }
        });
        if (snapshot.totals().getOrDefault(TcpState.TIME_WAIT, 0) > 0 || pressure) {
            out.add(twRecycleGone());
        }
        twBuckets(snapshot).ifPresent(out::add);
        closeWait(snapshot).ifPresent(out::add);
        if (snapshot.listenersInRange() > 0) {
            out.add(reserveListeners(snapshot));
        }
        if (snapshot.host().fdLevel() != BudgetLevel.OK) {
            out.add(fdLimit(snapshot));
        }
        sysctls.flatMap(KernelSysctls::tcpKeepaliveTime)
                .filter(t -> t.getSeconds() >= KERNEL_DEFAULT_KEEPALIVE_SECONDS)
                .ifPresent(t -> out.add(keepalive(t, sysctls.get())));
        out.sort(Comparator.comparing(Finding::severity).reversed());
        return out;
    }

    private static Severity of(BudgetLevel level) {
        switch (level) {
            case EXHAUSTED:
            case CRITICAL:
                return Severity.CRITICAL;
            case WARN:
                return Severity.WARN;
            default:
                return Severity.INFO;
        }
    }

    private static String n(double v) {
        return String.format(Locale.ROOT, "%,.0f", v);
    }

    private static Finding reuseConnections(DestinationBudget d) {
        Severity severity = d.level() == BudgetLevel.OK ? Severity.WARN : of(d.level());
        return new Finding("reuse-connections", severity,
                String.format(Locale.ROOT, "This host closes %.1f connections/s to %s first: about %s TIME_WAIT sockets"
                        + " at steady state (rate x %d s) against %s ports for that destination (%s in use now).",
                        d.closeRate(), d.destination().remoteText(), n(d.steadyStateTimeWait()),
                        PortBudgetMonitor.TIME_WAIT_SECONDS, n(d.capacity()), n(d.used())),
                "Keep connections to it open and reuse them: a connection pool (Portkeeper's ConnectionPool), HTTP"
                        + " keep-alive, one client instance instead of one per request.",
                "Every connection this side closes first holds its local port in TIME_WAIT for 60 s; reused"
                        + " connections are not closed, so they hold nothing.",
                "A pooled connection can be closed by the server's idle timeout: keep the pool's idleTimeout below the"
                        + " server's and check connections on borrow (Portkeeper does both).");
    }

    private static Finding peerFirst(DestinationBudget d) {
        return new Finding("peer-first-close", Severity.INFO,
                String.format(Locale.ROOT, "TIME_WAIT for %s lands on this host because this side closes first (%s now).",
                        d.destination().remoteText(), n(d.count(TcpState.TIME_WAIT))),
                "Let the server close first where the protocol allows: memcached or Redis 'quit', HTTP"
                        + " 'Connection: close' on a connection's last request (Portkeeper's PEER_FIRST close strategy).",
                "The side that sends the first FIN keeps the TIME_WAIT; a server accepting on one port is not limited by"
                        + " ephemeral ports.",
                "The server then holds the TIME_WAIT sockets, and a close costs a round trip. SO_LINGER 0 (a reset)"
                        + " leaves no TIME_WAIT at all but discards unsent data and the peer logs 'connection reset':"
                        + " use it only on idle connections with nothing in flight (ABORT_WHEN_IDLE).");
    }

    private static Finding widenRange(BudgetSnapshot s, boolean pressure) {
        EphemeralRange r = s.range();
        return new Finding("widen-port-range", pressure ? Severity.WARN : Severity.INFO,
                String.format(Locale.ROOT, "net.ipv4.ip_local_port_range is %d-%d: %s ports, %s usable per destination"
                        + " after %s reserved and %s held by listeners.", r.low(), r.high(), n(r.size()),
                        n(s.capacity()), n(r.reservedInRange()), n(s.listenersInRange())),
                "sysctl -w net.ipv4.ip_local_port_range=\"15000 64999\" (persist it in /etc/sysctl.d/); in a"
                        + " container or pod, set it there (each network namespace has its own).",
                "Each destination gets that many more local ports before connect() fails with EADDRNOTAVAIL"
                        + " (java.net.BindException: Cannot assign requested address).",
                "A service that listens on a fixed port inside the new range can find it taken by an outgoing"
                        + " connection when it restarts: list such ports in net.ipv4.ip_local_reserved_ports. A wider"
                        + " range only postpones exhaustion if the close rate keeps growing.");
    }

    private static Optional<Finding> twReuse(KernelSysctls s) {
        OptionalInt reuse = s.tcpTwReuse();
        if (reuse.isEmpty() || reuse.getAsInt() == 1) {
            return Optional.empty();
        }
        String meaning = reuse.getAsInt() == 2 ? "2 (for loopback connections only)" : reuse.getAsInt() + " (off)";
        String delay = s.tcpTwReuseDelay().map(d -> d.toMillis() + " ms").orElse("1 s");
        boolean timestamps = s.tcpTimestamps().orElse(1) != 0;
        return Optional.of(new Finding("tcp-tw-reuse", Severity.WARN,
                "net.ipv4.tcp_tw_reuse is " + meaning + ".",
                "sysctl -w net.ipv4.tcp_tw_reuse=1",
                "connect() may then take over a TIME_WAIT four-tuple once it is older than tcp_tw_reuse_delay ("
                        + delay + "), so TIME_WAIT stops limiting outgoing connections.",
                "It needs TCP timestamps on both ends (tcp_timestamps is " + (timestamps ? "on" : "OFF") + " here):"
                        + " timestamps (PAWS) are what reject old duplicate segments. It applies to outgoing"
                        + " connections only, and does not help a server's TIME_WAIT."));
    }

    private static Finding timestampsOff() {
        return new Finding("tcp-timestamps-off", Severity.WARN, "net.ipv4.tcp_timestamps is 0.",
                "sysctl -w net.ipv4.tcp_timestamps=1",
                "Without timestamps tcp_tw_reuse cannot reuse a TIME_WAIT four-tuple safely, so it does nothing.",
                "Timestamps add 12 bytes to every segment.");
    }

    private static Finding twRecycleGone() {
        return new Finding("tcp-tw-recycle-gone", Severity.INFO,
                "Advice to set net.ipv4.tcp_tw_recycle is still common.",
                "Nothing: the setting was removed in Linux 4.12; use connection reuse and tcp_tw_reuse instead.",
                "tcp_tw_recycle dropped connections from clients behind NAT, whose timestamps from different hosts"
                        + " behind one address are not in order.",
                "On a kernel older than 4.12, leave it at 0 for the same reason.");
    }

    private static Optional<Finding> twBuckets(BudgetSnapshot s) {
        long max = s.host().maxTimeWaitBuckets().orElse(-1);
        long tw = s.host().timeWait().orElse(-1);
        long overflows = s.host().timeWaitOverflows().orElse(0);
        if (max < 0 || tw < 0) {
            return Optional.empty();
        }
        boolean over = s.host().timeWaitLevel() == BudgetLevel.EXHAUSTED;
        if (!over && s.host().timeWaitLevel() == BudgetLevel.OK && overflows == 0) {
            return Optional.empty();
        }
        return Optional.of(new Finding("tcp-max-tw-buckets", over ? Severity.CRITICAL : of(s.host().timeWaitLevel()),
                String.format(Locale.ROOT, "%s time-wait sockets against net.ipv4.tcp_max_tw_buckets %s;"
                        + " TCPTimeWaitOverflow is %s.", n(tw), n(max), n(overflows)),
                "Reduce the close rate (reuse connections); raise net.ipv4.tcp_max_tw_buckets if memory allows"
                        + " (each bucket is a few hundred bytes).",
                "Past the limit a closing socket skips TIME_WAIT and only the overflow counter grows.",
                "Lowering tcp_max_tw_buckets to get rid of TIME_WAIT removes its protection: a delayed segment of an"
                        + " old connection can then land in a new one on the same four-tuple."));
    }

    private static Optional<Finding> closeWait(BudgetSnapshot s) {
        int total = s.totals().getOrDefault(TcpState.CLOSE_WAIT, 0);
        if (total == 0) {
            return Optional.empty();
        }
        String worst = s.destinations().stream().filter(d -> d.count(TcpState.CLOSE_WAIT) > 0)
                .max(Comparator.comparingInt(d -> d.count(TcpState.CLOSE_WAIT)))
                .map(d -> " (" + d.count(TcpState.CLOSE_WAIT) + " toward " + d.destination().remoteText() + ")")
                .orElse("");
        return Optional.of(new Finding("close-wait", Severity.WARN,
                total + " sockets in CLOSE_WAIT" + worst + ": the peer closed and this side never called close().",
                "Close connections on end of stream and on error, and give pooled connections back in a finally"
                        + " block; a pool that checks idle connections (Portkeeper's) closes those whose peer left.",
                "CLOSE_WAIT never ends by itself: each one holds a port and a file descriptor until its process"
                        + " closes it.",
                "A CLOSE_WAIT socket of another process is that process's leak: 'ss -tanp state close-wait' names"
                        + " its owner."));
    }

    private static Finding reserveListeners(BudgetSnapshot s) {
        return new Finding("reserve-listener-ports", Severity.INFO,
                s.listenersInRange() + " listening ports lie inside the ephemeral range " + s.range().low() + "-"
                        + s.range().high() + ".",
                "Add them to net.ipv4.ip_local_reserved_ports (e.g. sysctl -w net.ipv4.ip_local_reserved_ports=PORT).",
                "An outgoing connection can take a service's port while the service is down, and it then fails to"
                        + " start; reserved ports are never picked by connect().",
                "Each reserved port is one port fewer for every destination.");
    }

    private static Finding fdLimit(BudgetSnapshot s) {
        return new Finding("fd-limit", of(s.host().fdLevel()),
                String.format(Locale.ROOT, "%s of %s file descriptors are open in this process.",
                        n(s.host().fds().orElse(0)), n(s.host().fdLimit().orElse(0))),
                "Find connections that are never closed (CLOSE_WAIT, leak reports); raise the limit (ulimit -n,"
                        + " LimitNOFILE=) if the load is real.",
                "Every socket is a file descriptor; past the limit accept() and connect() fail with 'Too many open"
                        + " files'.",
                "A higher limit hides a leak for longer.");
    }

    private static Finding keepalive(Duration time, KernelSysctls s) {
        long interval = s.tcpKeepaliveInterval().map(Duration::getSeconds).orElse(75L);
        int probes = s.tcpKeepaliveProbes().orElse(9);
        long total = time.getSeconds() + interval * probes;
        return new Finding("keepalive-defaults", Severity.INFO,
                String.format(Locale.ROOT, "The kernel's keepalive detects a dead peer after %d s (%d s idle + %d probes"
                        + " x %d s).", total, time.getSeconds(), probes, interval),
                "Set keepalive per socket (Portkeeper's SocketPolicy does: 60 s idle, 10 s interval, 6 probes, 2 min).",
                "A peer that vanished without a FIN or reset (a crashed host, a dropped NAT entry) otherwise holds a"
                        + " pooled connection, and its port, for hours.",
                "Probes are a few bytes per idle connection; a NAT or firewall idle timeout shorter than the probe"
                        + " idle time still drops the connection.");
    }
}
