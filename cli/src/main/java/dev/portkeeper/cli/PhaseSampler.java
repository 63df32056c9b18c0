package dev.portkeeper.cli;

import java.net.InetSocketAddress;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * Watches one demo phase while it runs: every 25 ms it counts the local ports held toward the
 * phase's server (the peak is what the phase cost at worst), and every 100 ms it redraws the
 * progress bar, if there is one, until {@link #stop()}.
 */
final class PhaseSampler {
    private static final long SAMPLE_MILLIS = 25;
    private static final int SAMPLES_PER_DRAW = 4;

    private final KernelCounts kernel;
    private final InetSocketAddress server;
    private final IntSupplier done;
    private final ProgressBar bar;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "demo-sampler");
        t.setDaemon(true);
        return t;
    });
    private int peak = -1;
    private long ticks;

    /** @param bar the progress bar, or null for none */
    PhaseSampler(KernelCounts kernel, InetSocketAddress server, IntSupplier done, ProgressBar bar) {
        this.kernel = kernel;
        this.server = server;
        this.done = done;
        this.bar = bar;
        thread.scheduleWithFixedDelay(this::tick, 0, SAMPLE_MILLIS, TimeUnit.MILLISECONDS);
    }

    private synchronized void tick() {
        sample();
        if (bar != null && ticks++ % SAMPLES_PER_DRAW == 0) {
            bar.draw(done.getAsInt());
        }
    }

    /** Counts the ports in use now; the peak keeps the highest count. */
    synchronized void sample() {
        peak = Math.max(peak, kernel.portsInUse(server));
    }

    /** @return the most ports held toward the server at once, or -1 when the kernel's tables are unavailable */
    synchronized int peak() {
        return peak;
    }

    /** Stops sampling, takes a last sample, and erases the progress bar. */
    void stop() throws InterruptedException {
        thread.shutdownNow();
        thread.awaitTermination(1, TimeUnit.SECONDS);
        sample();
        if (bar != null) {
            bar.draw(done.getAsInt());
            bar.clear();
        }
    }
}
