package dev.portkeeper.cli;

import dev.portkeeper.budget.BudgetSnapshot;
import dev.portkeeper.budget.DestinationBudget;
import dev.portkeeper.budget.HostBudget;
import dev.portkeeper.kernel.TcpState;
import dev.portkeeper.metrics.PortkeeperMeter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;

/**
 * {@code doctor --format prometheus}: the namespace's port budget in Prometheus's text exposition
 * format, under the names of {@link PortkeeperMeter} (what {@code PortBudgetMetrics} publishes
 * from inside a JVM), for node_exporter's textfile collector or a sidecar on hosts whose services
 * are not in Java. Destinations are summed per remote {@code host:port}, the {@code top} most
 * pressed kept and the rest summed as {@code other}, as the binder does. What only makes sense
 * inside the process being watched ({@code portkeeper_close_wait_sockets},
 * {@code portkeeper_fds_*}) is left out: these are the CLI's own.
 */
final class PrometheusFormat {
    private static final String[] STATES = {"established", "time_wait", "close_wait", "other"};

    private final int top;

    PrometheusFormat(int top) {
        this.top = top <= 0 ? Integer.MAX_VALUE : top;
    }

    /** One destination's values, summed over local addresses. */
    private static final class Row {
        final String destination;
        final double[] used = new double[STATES.length];
        double capacity;
        double closeRate;
        double eta = Double.POSITIVE_INFINITY;
        int level;
        double usedRatio;

        Row(String destination) {
            this.destination = destination;
        }

        double usedTotal() {
            double sum = 0;
            for (double u : used) {
                sum += u;
            }
            return sum;
        }

        void add(Row o, boolean keepCapacity) {
            for (int i = 0; i < used.length; i++) {
                used[i] += o.used[i];
            }
            capacity = keepCapacity ? capacity + o.capacity : Double.NaN;
            closeRate += o.closeRate;
            eta = Math.min(eta, o.eta);
            level = Math.max(level, o.level);
            usedRatio = Math.max(usedRatio, o.usedRatio);
        }
    }

    String render(BudgetSnapshot snapshot) {
        Map<String, Row> byRemote = new LinkedHashMap<>();
        for (DestinationBudget d : snapshot.destinations()) {
            Row r = new Row(d.destination().remoteText());
            for (Map.Entry<TcpState, Integer> e : d.states().entrySet()) {
                r.used[stateIndex(e.getKey())] += e.getValue();
            }
            r.capacity = d.capacity();
            r.closeRate = d.closeRate();
            r.eta = d.secondsToExhaustion().orElse(Double.POSITIVE_INFINITY);
            r.level = d.level().ordinal();
            r.usedRatio = d.usedRatio();
            Row existing = byRemote.putIfAbsent(r.destination, r);
            if (existing != null) {
                existing.add(r, true);
            }
        }
        List<Row> rows = new ArrayList<>(byRemote.values());
        rows.sort(Comparator.comparingInt((Row r) -> r.level).reversed()
                .thenComparing(Comparator.comparingDouble((Row r) -> r.usedRatio).reversed())
                .thenComparing(Comparator.comparingDouble(Row::usedTotal).reversed())
                .thenComparing(r -> r.destination));
        List<Row> kept = new ArrayList<>();
        Row other = null;
        for (Row r : rows) {
            if (kept.size() < top && !r.destination.equals("other")) {
                kept.add(r);
            } else {
                if (other == null) {
                    other = new Row("other");
                }
                other.add(r, false);
            }
        }
        if (other != null) {
            kept.add(other);
        }

        StringBuilder sb = new StringBuilder();
        family(sb, PortkeeperMeter.PORTS_USED);
        for (Row r : kept) {
            for (int i = 0; i < STATES.length; i++) {
                sample(sb, PortkeeperMeter.PORTS_USED, "destination=\"" + escape(r.destination) + "\",state=\""
                        + STATES[i] + "\"", r.used[i]);
            }
        }
        destinationFamily(sb, PortkeeperMeter.PORTS_CAPACITY, kept, r -> r.capacity);
        destinationFamily(sb, PortkeeperMeter.PORTS_CLOSE_RATE, kept, r -> r.closeRate);
        destinationFamily(sb, PortkeeperMeter.PORTS_EXHAUSTION_ETA, kept, r -> r.eta);
        destinationFamily(sb, PortkeeperMeter.PORTS_LEVEL, kept, r -> r.level);
        HostBudget h = snapshot.host();
        hostFamily(sb, PortkeeperMeter.PORTS_KERNEL_VIEW, snapshot.kernelViewAvailable() ? 1 : 0);
        hostFamily(sb, PortkeeperMeter.TIME_WAIT, nan(h.timeWait()));
        hostFamily(sb, PortkeeperMeter.TIME_WAIT_MAX, nan(h.maxTimeWaitBuckets()));
        hostFamily(sb, PortkeeperMeter.TIME_WAIT_OVERFLOWS, nan(h.timeWaitOverflows()));
        return sb.toString();
    }

    private static int stateIndex(TcpState state) {
        return switch (state) {
            case ESTABLISHED -> 0;
            case TIME_WAIT -> 1;
            case CLOSE_WAIT -> 2;
            default -> 3;
        };
    }

    private interface Value {
        double of(Row r);
    }

    private static void destinationFamily(StringBuilder sb, PortkeeperMeter meter, List<Row> rows, Value value) {
        family(sb, meter);
        for (Row r : rows) {
            sample(sb, meter, "destination=\"" + escape(r.destination) + "\"", value.of(r));
        }
    }

    private static void hostFamily(StringBuilder sb, PortkeeperMeter meter, double value) {
        family(sb, meter);
        sample(sb, meter, null, value);
    }

    private static void family(StringBuilder sb, PortkeeperMeter meter) {
        String type = meter.type() == PortkeeperMeter.Type.COUNTER ? "counter" : "gauge";
        sb.append("# HELP ").append(meter.prometheusName()).append(' ')
                .append(meter.description().replace("\\", "\\\\").replace("\n", "\\n")).append('\n');
        sb.append("# TYPE ").append(meter.prometheusName()).append(' ').append(type).append('\n');
    }

    private static void sample(StringBuilder sb, PortkeeperMeter meter, String labels, double value) {
        sb.append(meter.prometheusName());
        if (labels != null) {
            sb.append('{').append(labels).append('}');
        }
        sb.append(' ').append(number(value)).append('\n');
    }

    static String number(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return String.format(Locale.ROOT, "%s", v);
    }

    private static String escape(String labelValue) {
        return labelValue.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    private static double nan(OptionalLong v) {
        return v.isPresent() ? v.getAsLong() : Double.NaN;
    }
}
