package dev.portkeeper.httpclient5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portkeeper.ConnectionPool;
import dev.portkeeper.PoolSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.junit.jupiter.api.Test;

/**
 * A server restarted under load, through HttpClient: 8 threads send GETs (four of them) and POSTs
 * (the other four), each with an id the server counts. The old server stops answering (so that
 * every thread has a request in flight), a new one takes the port, then the old one exits, closing
 * its connections. GETs never fail (the stale connections are retried on the new server); each
 * POST that was in flight fails with an exception that says it may have reached the server, and no
 * POST's id ever arrives twice (a GET the old server swallowed arrives twice: its retry is the
 * point).
 */
class HttpServerRestartTest {
    private static final int THREADS = 8;
    private static final int BEFORE = 25;
    private static final int AFTER = 50;

    /** One request's outcome as the caller saw it. */
    record Outcome(String id, String method, boolean ok, Throwable failure) {
    }

    @Test
    void idempotentRequestsSurviveAndNothingIsSentTwice() throws Exception {
        Map<String, AtomicInteger> received = new ConcurrentHashMap<>();
        CountingHttpServer old = CountingHttpServer.start(received, 0);
        int port = old.port();
        CountingHttpServer fresh = null;
        List<Outcome> outcomes = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean restarted = new AtomicBoolean();
        ExecutorService callers = Executors.newFixedThreadPool(THREADS);
        try (ConnectionPool pool = ConnectionPool.builder().name("restart")
                .settings(PoolSettings.custom().maxPerEndpoint(THREADS).maxTotal(THREADS).build()).build();
                CloseableHttpClient client = PortkeeperHttpClients.custom(pool).build()) {
            String url = "http://127.0.0.1:" + port + "/items";
            CountDownLatch warm = new CountDownLatch(THREADS);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                done.add(callers.submit(() -> {
                    int after = 0;
                    for (int i = 0; i < 10_000 && after < AFTER; i++) {
                        if (i == BEFORE) {
                            warm.countDown();
                        }
                        boolean wasRestarted = restarted.get();
                        String id = thread + "-" + i;
                        // Half the threads send GETs, half POSTs: each has its next request swallowed
                        // when the old server stops answering, so both kinds are in flight at the restart.
                        HttpUriRequestBase request = thread % 2 == 0 ? new HttpGet(url) : new HttpPost(url);
                        if (request instanceof HttpPost) {
                            request.setEntity(new StringEntity("order " + id, ContentType.TEXT_PLAIN));
                        }
                        request.setHeader(CountingHttpServer.ID, id);
                        try {
                            String body = client.execute(request,
                                    r -> EntityUtils.toString(r.getEntity(), StandardCharsets.US_ASCII));
                            assertThat(body).isEqualTo("ok " + id);
                            outcomes.add(new Outcome(id, request.getMethod(), true, null));
                        } catch (IOException | RuntimeException e) {
                            outcomes.add(new Outcome(id, request.getMethod(), false, e));
                        }
                        if (wasRestarted) {
                            after++;
                        }
                    }
                    return null;
                }));
            }
            assertThat(warm.await(30, TimeUnit.SECONDS)).as("every thread sent %d requests", BEFORE).isTrue();

            old.stopAnswering();
            await().atMost(Duration.ofSeconds(10)).until(() -> old.swallowed() == THREADS);
            old.closeListener();
            // closeListener() returns once the kernel has let go of the listening socket; should
            // anything else still hold the port for a moment, the bind is tried again, as a
            // restarting service would
            java.util.concurrent.atomic.AtomicReference<CountingHttpServer> started = new java.util.concurrent.atomic.AtomicReference<>();
            await().atMost(Duration.ofSeconds(10)).ignoreException(java.net.BindException.class)
                    .until(() -> started.compareAndSet(null, CountingHttpServer.start(received, port)));
            fresh = started.get();
            restarted.set(true);
            old.close();

            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            callers.shutdownNow();
            old.close();
            if (fresh != null) {
                fresh.close();
            }
        }

        Map<String, String> methods = new java.util.HashMap<>();
        outcomes.forEach(o -> methods.put(o.id(), o.method()));
        assertThat(received.entrySet()).as("no POST arrived twice").filteredOn(e -> e.getValue().get() != 1)
                .allSatisfy(e -> assertThat(methods.get(e.getKey())).as(e.getKey()).isEqualTo("GET"));
        assertThat(received.values().stream().filter(n -> n.get() > 1))
                .as("GETs sent again: only those the old server swallowed, each once more")
                .hasSizeLessThanOrEqualTo(THREADS).allSatisfy(n -> assertThat(n.get()).isEqualTo(2));
        List<Outcome> failed = outcomes.stream().filter(o -> !o.ok()).toList();
        assertThat(failed).as("GETs: every error was retried away").noneMatch(o -> o.method().equals("GET"));
        assertThat(failed).as("only the POSTs in flight at the restart, one per POST thread")
                .hasSize(THREADS / 2);
        for (Outcome o : failed) {
            assertThat(o.failure()).as("%s", o.id()).isInstanceOf(UnansweredRequestException.class);
            UnansweredRequestException e = (UnansweredRequestException) o.failure();
            assertThat(e.mayHaveReachedServer()).as("%s: %s", o.id(), e.getMessage()).isTrue();
            assertThat(e.getMessage()).contains("may have received");
            assertThat(received).as("it did reach the server, once").containsKey(o.id());
        }
        for (Outcome o : outcomes) {
            if (o.ok() && o.method().equals("POST")) {
                assertThat(received.get(o.id())).as("%s answered: received once", o.id()).hasValue(1);
            }
        }
        assertThat(outcomes.stream().filter(Outcome::ok).count()).isGreaterThanOrEqualTo(THREADS * (BEFORE + AFTER) - THREADS);
    }
}
