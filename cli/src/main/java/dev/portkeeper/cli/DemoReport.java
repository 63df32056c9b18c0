package dev.portkeeper.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portkeeper.budget.BudgetAlert;
import dev.portkeeper.budget.BudgetLevel;
import dev.portkeeper.kernel.EphemeralRange;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** What the demo prints: the table and what it means, or one JSON object. */
final class DemoReport {
    /** The default ephemeral range, 32768-60999. */
    static final int DEFAULT_RANGE = EphemeralRange.LINUX_DEFAULT.capacity();
    private static final int TIME_WAIT_SECONDS = 60;
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss.SSS")
            .withZone(ZoneId.systemDefault());

    private final DemoPhase shortPhase;
    private final DemoPhase pooledPhase;
    private final List<BudgetAlert> alerts;
    private final Optional<String> kernelUnavailable;
    private final EphemeralRange range;
    private final String namespace;

    /** @param namespace the private network namespace the demo ran in, or null for this host's */
    DemoReport(DemoPhase shortPhase, DemoPhase pooledPhase, List<BudgetAlert> alerts,
            Optional<String> kernelUnavailable, EphemeralRange range, String namespace) {
        this.shortPhase = shortPhase;
        this.pooledPhase = pooledPhase;
        this.alerts = List.copyOf(alerts);
        this.kernelUnavailable = kernelUnavailable;
        this.range = range;
        this.namespace = namespace;
    }

    String json() {
        ObjectNode m = ReportJson.MAPPER.createObjectNode();
        m.set("short", shortPhase.toJson());
        m.set("pooled", pooledPhase.toJson());
        m.put("kernelView", kernelUnavailable.map(r -> "unavailable: " + r).orElse("available"));
        ObjectNode r = m.putObject("ephemeralRange");
        r.put("low", range.low());
        r.put("high", range.high());
        r.put("capacity", range.capacity());
        m.put("netns", namespace);
        ArrayNode list = m.putArray("alerts");
        for (BudgetAlert a : alerts) {
            list.add(ReportJson.alert(a));
        }
        return ReportJson.write(m);
    }

    String text() {
        StringBuilder sb = new StringBuilder();
        if (namespace != null) {
            sb.append(String.format(Locale.ROOT, "In a private network namespace (%s): loopback only,"
                    + " ip_local_port_range %d %d (%,d ports), tcp_tw_reuse 0.%n%n", namespace, range.low(), range.high(),
                    range.capacity()));
        }
        sb.append(String.format(Locale.ROOT, "%-8s %9s %9s %11s %10s %12s %10s %14s%n", "phase", "requests",
                "seconds", "requests/s", "failures", "connections", "TIME_WAIT", "ports at peak"));
        for (DemoPhase p : List.of(shortPhase, pooledPhase)) {
            sb.append(String.format(Locale.ROOT, "%-8s %,9d %9.2f %,11.0f %,10d %,12d %10s %14s%n", p.name,
                    p.requests, p.seconds, p.throughput(), p.failures, p.connectionsOpened, known(p.timeWaitCreated),
                    known(p.peakPortsInUse)));
        }
        sb.append('\n');
        if (kernelUnavailable.isPresent()) {
            sb.append("TIME_WAIT not counted: the kernel view is unavailable (").append(kernelUnavailable.get())
                    .append(").\n");
        } else {
            sb.append(String.format(Locale.ROOT, "Short connections left %,d sockets in TIME_WAIT on this side, each"
                    + " holding a local port for %d s; the pool left %,d.%n", shortPhase.timeWaitCreated,
                    TIME_WAIT_SECONDS, pooledPhase.timeWaitCreated));
            double rate = shortPhase.closeRate();
            if (rate > 0) {
                double steady = rate * TIME_WAIT_SECONDS;
                sb.append(String.format(Locale.ROOT, "At %,.0f short connections/s, TIME_WAIT alone holds %,.0f ports"
                        + " at steady state (rate x 60 s)", rate, steady));
                if (steady > DEFAULT_RANGE) {
                    sb.append(String.format(Locale.ROOT, ": at this rate one upstream exhausts the default range of"
                            + " %,d ports in %.0f s, and connect() fails with \"Cannot assign requested address\".%n",
                            DEFAULT_RANGE, DEFAULT_RANGE / rate));
                } else {
                    sb.append(String.format(Locale.ROOT, ", %.0f%% of the default range of %,d ports per upstream.%n",
                            100 * steady / DEFAULT_RANGE, DEFAULT_RANGE));
                }
            }
        }
        failures(sb);
        alerts(sb);
        return sb.toString();
    }

    /** A failure's text ending with one full stop, whether or not its message brought one. */
    private static String sentence(String failure) {
        return failure.endsWith(".") ? failure : failure + ".";
    }

    private void failures(StringBuilder sb) {
        if (shortPhase.failures > 0) {
            sb.append(String.format(Locale.ROOT, "%nThe short connections %s: %,d of %,d requests failed, the first"
                    + " with %s%n", namespace != null ? "ran out of local ports" : "failed",
                    shortPhase.failures, shortPhase.requests, sentence(shortPhase.firstFailure)));
        } else if (namespace != null) {
            sb.append(String.format(Locale.ROOT, "%nThe short connections did not run out of ports: %,d requests are"
                    + " too few for the namespace's %,d ports (try --requests 2000).%n", shortPhase.requests,
                    range.capacity()));
        }
        if (pooledPhase.failures > 0) {
            sb.append(String.format(Locale.ROOT, "%,d of %,d pooled requests failed, the first with %s%n",
                    pooledPhase.failures, pooledPhase.requests, sentence(pooledPhase.firstFailure)));
        } else if (namespace != null || shortPhase.failures > 0) {
            sb.append(String.format(Locale.ROOT, "The pool served all %,d requests on %,d connections, without a"
                    + " failure.%n", pooledPhase.requests, pooledPhase.connectionsOpened));
        }
    }

    private void alerts(StringBuilder sb) {
        if (alerts.isEmpty()) {
            if (namespace != null) {
                sb.append("\nThe port budget monitor raised no alert.\n");
            }
            return;
        }
        sb.append("\nThe port budget monitor's alerts:\n");
        for (BudgetAlert a : alerts) {
            sb.append(String.format(Locale.ROOT, "  %s  %-21s %s%n", CLOCK.format(a.time()), a.from() + " -> " + a.to(),
                    Texts.firstSentence(a.message())));
        }
        BudgetAlert worst = alerts.stream().filter(BudgetAlert::isRaised)
                .max((x, y) -> x.to().compareTo(y.to())).orElse(null);
        if (worst != null && worst.to().compareTo(BudgetLevel.WARN) > 0) {
            sb.append(Texts.wrap("What it advises: " + worst.message().substring(Texts.firstSentence(
                    worst.message()).length()).trim(), DoctorText.WIDTH, "  ", "  "));
        }
    }

    private static String known(int n) {
        return n < 0 ? "n/a" : String.format(Locale.ROOT, "%,d", n);
    }
}
