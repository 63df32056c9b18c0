package dev.portkeeper.cli;

import dev.portkeeper.budget.PortBudgetMonitor;
import dev.portkeeper.kernel.Procfs;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code portkeeper doctor}: one look at the port budget of the network namespace it runs in,
 * and what to change. Reads only; exits as a monitoring plugin does.
 */
@Command(name = "doctor", mixinStandardHelpOptions = true, versionProvider = Version.class, sortOptions = false,
        description = {
            "Takes one snapshot of the ephemeral-port budget of this network namespace (a container or pod has its"
                    + " own): the range and its capacity, reserved ports, the sysctls that matter, TIME_WAIT /"
                    + " CLOSE_WAIT / ESTABLISHED per destination most pressed first, the processes holding CLOSE_WAIT"
                    + " sockets where /proc lets it see them, TIME_WAIT buckets and file descriptors, and the tuning"
                    + " advisor's findings. It changes nothing.",
            "",
            "Its verdict, and its exit status, is the worst of the port budget's level (every destination,"
                    + " TIME_WAIT buckets, file descriptors) and the advisor's findings (a WARN finding makes it WARN;"
                    + " INFO ones do not count).",
            ""})
final class DoctorCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    KernelSource source;

    @Option(names = "--json", description = "Print one JSON object instead of the tables (the same as --format json).")
    boolean json;

    /** What doctor prints. */
    enum Format { text, json, prometheus }

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "text",
            description = "text (default), json, or prometheus: the port budget in Prometheus's text exposition format,"
                    + " under the metric names of the library's Micrometer binder (portkeeper_ports_*,"
                    + " portkeeper_time_wait_*), for node_exporter's textfile collector or a sidecar; --top bounds the"
                    + " destinations, the rest are summed as destination=\"other\".")
    Format format;

    @Option(names = "--no-color", description = "No colour, even on a terminal (also: the NO_COLOR environment variable).")
    boolean noColor;

    @Option(names = "--top", paramLabel = "N", defaultValue = "20",
            description = "Destinations to list in the table, most pressed first; 0 for all (default: ${DEFAULT-VALUE})."
                    + " --json lists all.")
    int top;

    private final PrintStream out = System.out;

    @Override
    public Integer call() {
        if (top < 0) {
            throw new ParameterException(spec.commandLine(), "--top must be 0 (all) or more: " + top);
        }
        if (json && format == Format.prometheus) {
            throw new ParameterException(spec.commandLine(), "--json and --format prometheus: choose one");
        }
        Procfs procfs = source.procfs();
        HostReport report;
        try (PortBudgetMonitor monitor = PortBudgetMonitor.builder().procfs(procfs).build()) {
            report = HostReport.inspect(monitor, procfs, source, true);
        }
        if (format == Format.prometheus) {
            out.print(new PrometheusFormat(top).render(report.snapshot()));
        } else if (json || format == Format.json) {
            out.println(ReportJson.doctor(report));
        } else {
            out.print(new DoctorText(Style.forTerminal(noColor), top).render(report));
        }
        out.flush();
        return report.verdict().exitStatus();
    }
}
