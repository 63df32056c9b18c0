package dev.portkeeper;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Lifetime, idle timeout and leak detection, driven by a fake ticker: the background task is
 * pushed out of the way (an eviction interval of an hour) and each pass is run by hand.
 */
class PoolTimeTest {
    private static final Duration NEVER = Duration.ofHours(1);

    private final FakeTicker ticker = new FakeTicker();
    private final RecordingListener events = new RecordingListener();
    private LoopbackServer server;
    private ConnectionPool pool;

    @BeforeEach
    void start() throws IOException {
        server = LoopbackServer.echo();
    }

    @AfterEach
    void stop() throws IOException {
        if (pool != null) {
            pool.close();
        }
        server.close();
    }

    private ConnectionPool pool(PoolSettings.Builder settings) {
        pool = ConnectionPool.builder().name("time").ticker(ticker).listener(events)
                .settings(settings.evictionInterval(NEVER).build()).build();
        return pool;
    }

    private void openIdle(int n) throws IOException {
        List<PooledConnection> held = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            held.add(pool.borrow(server.endpoint()));
        }
        for (PooledConnection c : held) {
            Wire.request(c, "warm");
            c.close();
        }
    }

    @Test
    void lifetimesAreSpreadByJitterSoConnectionsDoNotExpireTogether() throws IOException {
        pool(PoolSettings.custom().maxPerEndpoint(20).maxLifetime(Duration.ofSeconds(100)).lifetimeJitter(0.5)
                .idleTimeout(Duration.ZERO));
        openIdle(20);

        ticker.advance(Duration.ofSeconds(49));
        pool.engine().evictNow();
        assertThat(pool.stats().idle()).as("none expires before max × (1 - jitter)").isEqualTo(20);

        ticker.advance(Duration.ofSeconds(26));
        pool.engine().evictNow();
        int leftAt75 = pool.stats().idle();
        // Lifetimes are uniform over [50 s, 100 s]: all 20 on one side of 75 s has odds of 2 in a million.
        assertThat(leftAt75).as("some, not all, expired at 75 s").isBetween(1, 19);

        ticker.advance(Duration.ofSeconds(25));
        pool.engine().evictNow();
        assertThat(pool.stats().idle()).as("all expired at max").isZero();
        assertThat(events.closedWith(ConnectionClosed.Reason.EXPIRED)).isEqualTo(20);
        assertThat(events.closed).allSatisfy(c -> assertThat(c.closedBy).isEqualTo(ConnectionClosed.TimeWait.LOCAL));
    }

    @Test
    void aConnectionPastItsLifetimeIsClosedWhenGivenBackAndNotLentAgain() throws IOException {
        pool(PoolSettings.custom().maxLifetime(Duration.ofSeconds(10)).lifetimeJitter(0));
        PooledConnection c = pool.borrow(server.endpoint());
        Wire.request(c, "x");
        ticker.advance(Duration.ofSeconds(11));
        assertThat(c.age()).isEqualTo(Duration.ofSeconds(11));
        c.close();
        assertThat(events.closedWith(ConnectionClosed.Reason.EXPIRED)).isEqualTo(1);
        assertThat(pool.stats().total()).isZero();

        openIdle(1);
        ticker.advance(Duration.ofSeconds(11));
        try (PooledConnection fresh = pool.borrow(server.endpoint())) {
            assertThat(fresh.useCount()).as("the expired idle one was replaced on borrow").isEqualTo(1);
        }
        assertThat(events.closedWith(ConnectionClosed.Reason.EXPIRED)).isEqualTo(2);
    }

    @Test
    void idleConnectionsAreClosedAfterTheIdleTimeoutDownToMinIdle() throws IOException {
        pool(PoolSettings.custom().maxPerEndpoint(4).idleTimeout(Duration.ofSeconds(10)).minIdlePerEndpoint(1));
        openIdle(3);

        ticker.advance(Duration.ofSeconds(9));
        pool.engine().evictNow();
        assertThat(pool.stats().idle()).isEqualTo(3);

        ticker.advance(Duration.ofSeconds(2));
        pool.engine().evictNow();
        assertThat(pool.stats().idle()).as("minIdlePerEndpoint keeps one").isEqualTo(1);
        assertThat(events.closedWith(ConnectionClosed.Reason.IDLE)).isEqualTo(2);
    }

    @Test
    void idleTimeIsCountedFromTheLastReturn() throws IOException {
        pool(PoolSettings.custom().idleTimeout(Duration.ofSeconds(10)));
        openIdle(1);
        ticker.advance(Duration.ofSeconds(8));
        try (PooledConnection c = pool.borrow(server.endpoint())) {
            Wire.request(c, "still in use");
        }
        ticker.advance(Duration.ofSeconds(8));
        pool.engine().evictNow();
        assertThat(pool.stats().idle()).isEqualTo(1);
        ticker.advance(Duration.ofSeconds(3));
        pool.engine().evictNow();
        assertThat(pool.stats().idle()).isZero();
    }

    @Test
    void aLeakIsReportedOnceWithTheStackOfItsBorrow() throws IOException {
        pool(PoolSettings.custom().leakDetectionThreshold(Duration.ofSeconds(30)));
        PooledConnection leaked = borrowAndForget();

        // The pool's own periodic check reads the same fake ticker, so count reports, not return values.
        ticker.advance(Duration.ofSeconds(29));
        pool.engine().checkLeaksNow();
        assertThat(events.leaks).isEmpty();

        ticker.advance(Duration.ofSeconds(2));
        pool.engine().checkLeaksNow();
        pool.engine().checkLeaksNow();
        assertThat(events.leaks).as("reported once").hasSize(1);

        assertThat(events.leaks).singleElement().satisfies(report -> {
            assertThat(report.heldFor()).isEqualTo(Duration.ofSeconds(31));
            assertThat(report.threadName()).isEqualTo(Thread.currentThread().getName());
            assertThat(report.connection().endpoint()).isEqualTo(server.endpoint());
            StringWriter stack = new StringWriter();
            report.borrowSite().printStackTrace(new PrintWriter(stack));
            assertThat(stack.toString()).contains("borrowAndForget").contains("PoolTimeTest");
        });

        leaked.close();
        ticker.advance(Duration.ofSeconds(60));
        pool.engine().checkLeaksNow();
        assertThat(events.leaks).as("a returned connection is no leak").hasSize(1);
    }

    @Test
    void aConnectionGivenBackInTimeIsNoLeak() throws IOException {
        pool(PoolSettings.custom().leakDetectionThreshold(Duration.ofSeconds(30)));
        try (PooledConnection c = pool.borrow(server.endpoint())) {
            ticker.advance(Duration.ofSeconds(20));
        }
        ticker.advance(Duration.ofSeconds(20));
        pool.engine().checkLeaksNow();
        assertThat(events.leaks).isEmpty();
    }

    private PooledConnection borrowAndForget() throws IOException {
        return pool.borrow(server.endpoint());
    }
}
