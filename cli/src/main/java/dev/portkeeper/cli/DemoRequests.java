package dev.portkeeper.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/** Runs a phase's requests on a fixed number of threads, and counts what succeeded and what failed. */
final class DemoRequests {
    private static final byte[] REQUEST = "ping\n".getBytes(StandardCharsets.US_ASCII);

    /** One request, on whatever connection the phase uses. */
    @FunctionalInterface
    interface Request {
        void run() throws IOException;
    }

    /** What a phase's requests did. */
    record Outcome(double seconds, int failures, String firstFailure) {
    }

    private final int requests;
    private final int concurrency;
    private final AtomicInteger done = new AtomicInteger();

    DemoRequests(int requests, int concurrency) {
        this.requests = requests;
        this.concurrency = concurrency;
    }

    /** @return requests finished so far, failed ones included */
    int done() {
        return done.get();
    }

    Outcome run(Request request) throws InterruptedException {
        ExecutorService threads = Executors.newFixedThreadPool(concurrency);
        AtomicInteger next = new AtomicInteger();
        AtomicInteger failures = new AtomicInteger();
        AtomicReference<String> first = new AtomicReference<>();
        List<Future<?>> running = new ArrayList<>();
        long start = System.nanoTime();
        try {
            for (int t = 0; t < concurrency; t++) {
                running.add(threads.submit(() -> {
                    while (next.getAndIncrement() < requests) {
                        try {
                            request.run();
                        } catch (IOException e) {
                            failures.incrementAndGet();
                            first.compareAndSet(null, e.toString());
                        } finally {
                            done.incrementAndGet();
                        }
                    }
                }));
            }
            for (Future<?> f : running) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    throw new IllegalStateException("a demo request failed unexpectedly", e.getCause());
                }
            }
        } finally {
            threads.shutdownNow();
        }
        return new Outcome((System.nanoTime() - start) / 1e9, failures.get(), first.get());
    }

    /** Writes the request and reads its echo. */
    static void exchange(InputStream in, OutputStream out) throws IOException {
        out.write(REQUEST);
        out.flush();
        for (int got = 0; got < REQUEST.length; got++) {
            if (in.read() < 0) {
                throw new IOException("the server closed the connection mid-answer");
            }
        }
    }
}
