package dev.portkeeper.cli;

import dev.portkeeper.ConnectionInfo;
import dev.portkeeper.ConnectionPool;
import dev.portkeeper.Endpoint;
import dev.portkeeper.PoolListener;
import dev.portkeeper.PoolSettings;
import dev.portkeeper.PooledConnection;
import dev.portkeeper.budget.BudgetAlert;
import dev.portkeeper.budget.BudgetSettings;
import dev.portkeeper.budget.PortBudgetMonitor;
import dev.portkeeper.kernel.Procfs;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code portkeeper demo}: the same workload twice against an embedded loopback server, first
 * with a new connection per request, then through the pool, and what each left in the kernel.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, versionProvider = Version.class, sortOptions = false,
        description = {"Runs N requests to an embedded loopback echo server twice: one short connection per"
                + " request, then through a Portkeeper pool; prints the TIME_WAIT sockets each phase left and the"
                + " local ports it held at its peak, counted from /proc/net/tcp and tcp6, and what that close rate"
                + " means for the default port range.", "",
        "It exits with 0 when no request failed (with --netns: no pooled request failed), 1 when some did, 3 when"
                + " --netns could not make a private network namespace.", ""})
final class DemoCommand implements Callable<Integer> {
    private static final Duration MONITOR_INTERVAL = Duration.ofMillis(100);

    @Option(names = "--requests", defaultValue = "2000", description = "Requests per phase (default: ${DEFAULT-VALUE}).")
    int requests;

    @Option(names = "--concurrency", defaultValue = "4",
            description = "Client threads, and the pool's connections (default: ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--json", description = "Print one JSON object instead of the table.")
    boolean json;

    @Option(names = "--netns", description = {"Run in a private network namespace (Linux; root, or unprivileged"
            + " user namespaces) with loopback only, ip_local_port_range " + PrivateNetns.LOW_PORT + " "
            + PrivateNetns.HIGH_PORT + " and tcp_tw_reuse 0, set in that namespace only: the short phase runs"
            + " out of local ports, the pooled phase does not."})
    boolean netns;

    /** Set by {@link NetnsLauncher} on the demo it starts under unshare: the parent's namespace, to check against. */
    @Option(names = "--netns-child", hidden = true)
    String netnsChild;

    @Spec
    CommandSpec spec;

    private final PrintStream out = System.out;

    @Override
    public Integer call() throws Exception {
        if (requests < 1 || requests > 1_000_000) {
            throw new ParameterException(spec.commandLine(), "--requests must be between 1 and 1000000: " + requests);
        }
        if (concurrency < 1 || concurrency > 256) {
            throw new ParameterException(spec.commandLine(), "--concurrency must be between 1 and 256: " + concurrency);
        }
        if (netns && netnsChild == null) {
            List<String> args = new ArrayList<>(List.of("--requests", Integer.toString(requests), "--concurrency",
                    Integer.toString(concurrency)));
            if (json) {
                args.add("--json");
            }
            return NetnsLauncher.relaunch(args, System.err);
        }
        String namespace = null;
        if (netnsChild != null) {
            try {
                namespace = PrivateNetns.enter(netnsChild);
            } catch (SecurityException | IllegalStateException e) {
                System.err.println("demo --netns: " + e.getMessage());
                return ExitStatus.UNKNOWN;
            }
        }
        Procfs procfs = Procfs.system();
        KernelCounts kernel = new KernelCounts(procfs);
        boolean progress = !json && System.console() != null;
        List<BudgetAlert> alerts = new CopyOnWriteArrayList<>();
        DemoPhase shortPhase;
        DemoPhase pooledPhase;
        // Both servers listen before the short phase can use up the range: a listener needs a port too.
        try (EchoServer shortServer = new EchoServer(); EchoServer pooledServer = new EchoServer()) {
            Set<Integer> ports = Set.of(shortServer.address().getPort(), pooledServer.address().getPort());
            try (PortBudgetMonitor monitor = PortBudgetMonitor.builder().procfs(procfs)
                    .settings(BudgetSettings.custom().sampleInterval(MONITOR_INTERVAL).build())
                    .alertListener(a -> {
                        if (a.destination().filter(d -> ports.contains(d.remotePort())).isPresent()) {
                            alerts.add(a);
                        }
                    }).build().start()) {
                shortPhase = runShort(kernel, shortServer, monitor, progress);
                pooledPhase = runPooled(kernel, pooledServer, monitor, progress);
            }
        }
        DemoReport report = new DemoReport(shortPhase, pooledPhase, alerts, kernel.unavailableReason(), kernel.range(),
                namespace);
        out.print(json ? report.json() + System.lineSeparator() : report.text());
        out.flush();
        boolean ok = pooledPhase.failures == 0 && (namespace != null || shortPhase.failures == 0);
        return ok ? ExitStatus.OK : ExitStatus.WARN;
    }

    private DemoPhase runShort(KernelCounts kernel, EchoServer server, PortBudgetMonitor monitor, boolean progress)
            throws InterruptedException {
        InetSocketAddress address = server.address();
        DemoRequests phase = new DemoRequests(requests, concurrency);
        PhaseSampler sampler = new PhaseSampler(kernel, address, phase::done,
                progress ? new ProgressBar(out, "short", requests) : null);
        DemoRequests.Outcome outcome;
        try (ShortConnectionClient client = new ShortConnectionClient(address, concurrency)) {
            outcome = phase.run(client);
        } finally {
            sampler.stop();
        }
        monitor.snapshot(); // so that the monitor sees the phase's end, however short the phase
        int timeWait = kernel.settledTimeWait(address);
        return new DemoPhase("short", requests, outcome.seconds(), outcome.failures(), outcome.firstFailure(),
                server.accepted(), timeWait, peak(sampler, timeWait));
    }

    private DemoPhase runPooled(KernelCounts kernel, EchoServer server, PortBudgetMonitor monitor, boolean progress)
            throws InterruptedException {
        InetSocketAddress address = server.address();
        Endpoint endpoint = Endpoint.of(address);
        AtomicInteger opened = new AtomicInteger();
        DemoRequests phase = new DemoRequests(requests, concurrency);
        PhaseSampler sampler = new PhaseSampler(kernel, address, phase::done,
                progress ? new ProgressBar(out, "pooled", requests) : null);
        DemoRequests.Outcome outcome;
        try (ConnectionPool pool = ConnectionPool.builder().name("demo")
                // The ledger only: after the short phase the range may be full, and the guard would hold back
                // even the pool's first connections; the demo shows the pool, not the guard.
                .settings(PoolSettings.custom().maxPerEndpoint(concurrency).maxTotal(concurrency)
                        .churnGuard(PoolSettings.ChurnGuard.OFF).build())
                .portBudget(monitor)
                .listener(new PoolListener() {
                    @Override
                    public void connectionOpened(ConnectionInfo connection) {
                        opened.incrementAndGet();
                    }
                }).build()) {
            outcome = phase.run(() -> {
                try (PooledConnection c = pool.borrow(endpoint)) {
                    DemoRequests.exchange(c.input(), c.output());
                }
            });
        } finally {
            sampler.stop();
        }
        monitor.snapshot();
        // The pool is closed, so its connections are closed too: whatever TIME_WAIT they left is counted.
        int timeWait = kernel.settledTimeWait(address);
        return new DemoPhase("pooled", requests, outcome.seconds(), outcome.failures(), outcome.firstFailure(),
                opened.get(), timeWait, peak(sampler, timeWait));
    }

    /** The sampled peak, or the TIME_WAIT left at the end if that is more (a phase faster than the sampler). */
    private static int peak(PhaseSampler sampler, int timeWait) {
        return sampler.peak() < 0 ? -1 : Math.max(sampler.peak(), timeWait);
    }
}
