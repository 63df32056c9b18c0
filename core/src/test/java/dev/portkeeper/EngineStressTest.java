package dev.portkeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portkeeper.kernel.ProcessFds;
import dev.portkeeper.kernel.Procfs;
import dev.portkeeper.kernel.TcpSocket;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * 16 threads x 5,000 borrows against two endpoints under a tight total limit, a server that is
 * sometimes slow, and a chaos thread that invalidates borrowed connections from outside: the
 * limits hold (by the pool's count and by the kernel's count of this process's sockets), nothing
 * deadlocks, every connection opened is closed or still open, and close() leaves no socket and no
 * thread behind.
 */
class EngineStressTest {
    private static final int THREADS = 16;
    private static final int PER_THREAD = 5_000;
    private static final int PER_ENDPOINT = 4;
    private static final int TOTAL = 6;

    @Test
    void limitsHoldAndNothingLeaksUnderContentionInvalidationsAndASlowServer() throws Exception {
        LoopbackServer.Behaviour sometimesSlow = line -> {
            if (ThreadLocalRandom.current().nextInt(100) == 0) {
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return line + "\n";
        };
        EnginePromisesTest.Counting counting = new EnginePromisesTest.Counting();
        AtomicInteger opened = counting.opened;
        AtomicInteger closed = counting.closed;
        AtomicInteger peakOpen = counting.peakOpen;
        AtomicInteger open = counting.open;
        Procfs procfs = Procfs.system();
        ExecutorService threads = Executors.newCachedThreadPool();
        try (LoopbackServer a = LoopbackServer.start(sometimesSlow); LoopbackServer b = LoopbackServer.start(sometimesSlow)) {
            List<Endpoint> endpoints = List.of(a.endpoint(), b.endpoint());
            ConnectionPool pool = ConnectionPool.builder().name("stress").listener(counting)
                    .settings(PoolSettings.custom().maxPerEndpoint(PER_ENDPOINT).maxTotal(TOTAL)
                            .acquireTimeout(Duration.ofSeconds(20)).maxWaiters(THREADS).build())
                    .build();
            Set<PooledConnection> live = ConcurrentHashMap.newKeySet();
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicInteger overLimit = new AtomicInteger();
            AtomicInteger kernelOverLimit = new AtomicInteger();
            AtomicInteger requestFailures = new AtomicInteger();
            AtomicReference<Throwable> unexpected = new AtomicReference<>();
            Future<?> chaos = threads.submit(() -> {
                for (int i = 0; i < 100_000 && running.get(); i++) {
                    for (PooledConnection c : live) {
                        if (ThreadLocalRandom.current().nextInt(50) == 0) {
                            c.invalidate(); // from another thread: aborts whatever the borrower is doing
                        }
                    }
                    PoolStats s = pool.stats();
                    if (s.total() > TOTAL || pool.stats(a.endpoint()).total() > PER_ENDPOINT
                            || pool.stats(b.endpoint()).total() > PER_ENDPOINT) {
                        overLimit.incrementAndGet();
                    }
                    if (procfs.isAvailable() && i % 20 == 0 && ownedSocketsTo(procfs, a.port(), b.port()) > TOTAL) {
                        kernelOverLimit.incrementAndGet();
                    }
                    Thread.sleep(1);
                }
                return null;
            });
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                workers.add(threads.submit(() -> {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    for (int i = 0; i < PER_THREAD; i++) {
                        Endpoint e = endpoints.get(random.nextInt(2));
                        PooledConnection c;
                        try {
                            c = pool.borrow(e);
                        } catch (IOException ex) {
                            unexpected.compareAndSet(null, ex);
                            continue;
                        }
                        live.add(c);
                        try {
                            String line = "r" + i;
                            if (!line.equals(Wire.request(c, line))) {
                                unexpected.compareAndSet(null, new AssertionError("out of step on " + c));
                            }
                        } catch (IOException | IllegalStateException ex) {
                            requestFailures.incrementAndGet(); // invalidated under us: expected, and discarded
                        } finally {
                            live.remove(c);
                            if (random.nextInt(20) == 0) {
                                c.invalidate();
                            } else {
                                c.close();
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> w : workers) {
                w.get(180, TimeUnit.SECONDS); // a deadlock fails here
            }
            running.set(false);
            chaos.get(30, TimeUnit.SECONDS);
            assertThat(unexpected.get()).isNull();
            assertThat(overLimit.get()).as("pool over its limits").isZero();
            assertThat(kernelOverLimit.get()).as("sockets of this process over maxTotal").isZero();
            assertThat(peakOpen.get()).isLessThanOrEqualTo(TOTAL);
            PoolStats before = pool.stats();
            assertThat(opened.get()).as("opened = closed + live").isEqualTo(closed.get() + before.total());
            System.out.println("stress: " + opened.get() + " opened, " + closed.get() + " closed, "
                    + requestFailures.get() + " requests cut by invalidation, " + pool.closeStats());

            pool.close();
            assertThat(open.get()).isZero();
            assertThat(opened.get()).isEqualTo(closed.get());
            if (procfs.isAvailable()) {
                assertThat(ownedSocketsTo(procfs, a.port(), b.port())).isZero();
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> Thread.getAllStackTraces().keySet().stream()
                    .noneMatch(t -> t.getName().startsWith("portkeeper-stress")));
        } finally {
            threads.shutdownNow();
        }
    }

    /** Open sockets of this process toward either server, by inode. */
    private static int ownedSocketsTo(Procfs procfs, int portA, int portB) {
        ProcessFds fds = procfs.processFds().get();
        int n = 0;
        for (TcpSocket s : procfs.tcpTable().get().sockets()) {
            if ((s.remotePort() == portA || s.remotePort() == portB) && s.inode() != 0 && fds.ownsSocket(s.inode())) {
                n++;
            }
        }
        return n;
    }
}
