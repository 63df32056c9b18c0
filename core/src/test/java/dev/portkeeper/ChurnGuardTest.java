package dev.portkeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The churn guard on loopback, with a port budget whose answer the test sets: under pressure a
 * borrow waits for a returned connection instead of opening one, expired connections serve on
 * unless a token pays for their retirement, and idle ones are not closed for idleness.
 */
class ChurnGuardTest {
    /** A budget whose sustainable open rate the test sets; negative means no pressure. */
    static final class FixedBudget implements PortBudget {
        volatile double rate = -1;
        final RecordingListener ledger = new RecordingListener();

        @Override
        public double sustainableOpenRate(Endpoint endpoint) {
            return rate;
        }

        @Override
        public void connectionOpened(ConnectionInfo connection) {
            ledger.connectionOpened(connection);
        }

        @Override
        public void connectionClosed(ConnectionClosed event) {
            ledger.connectionClosed(event);
        }
    }

    private final FixedBudget budget = new FixedBudget();
    private final FakeTicker ticker = new FakeTicker();
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
        pool = ConnectionPool.builder().name("guard").portBudget(budget)
                .settings(settings.evictionInterval(Duration.ofHours(1)).build()).build();
        return pool;
    }

    /** A pool on the fake ticker: only for cases where the guard never has to wait for a token. */
    private ConnectionPool poolOnFakeTime(PoolSettings.Builder settings) {
        pool = ConnectionPool.builder().name("guard").portBudget(budget).ticker(ticker)
                .settings(settings.evictionInterval(Duration.ofHours(1)).build()).build();
        return pool;
    }

    private void request() throws IOException {
        try (PooledConnection c = pool.borrow(server.endpoint())) {
            assertThat(Wire.request(c, "x")).isEqualTo("x");
        }
    }

    @Test
    void underPressureExpiredConnectionsServeOnInsteadOfSpendingPorts() throws IOException {
        poolOnFakeTime(PoolSettings.custom().maxLifetime(Duration.ofSeconds(1)).lifetimeJitter(0));
        request();
        budget.rate = 0;
        for (int i = 0; i < 20; i++) {
            request();
            ticker.advance(Duration.ofSeconds(2));
        }
        assertThat(server.accepted()).as("one connection, reused past its lifetime").isEqualTo(1);
        assertThat(budget.ledger.opened).hasSize(1);

        budget.rate = -1;
        for (int i = 0; i < 5; i++) {
            request();
            ticker.advance(Duration.ofSeconds(2));
        }
        assertThat(server.accepted()).as("without pressure, lifetime churns as configured").isEqualTo(6);
        assertThat(budget.ledger.closedWith(ConnectionClosed.Reason.EXPIRED)).isEqualTo(5);
    }

    @Test
    void aBorrowThatWouldOpenWaitsAndTakesTheConnectionGivenBack() throws Exception {
        pool(PoolSettings.custom().maxPerEndpoint(2).acquireTimeout(Duration.ofSeconds(30)));
        PooledConnection held = pool.borrow(server.endpoint());
        budget.rate = 0;
        ExecutorService other = Executors.newSingleThreadExecutor();
        try {
            Future<Long> waiter = other.submit(() -> {
                try (PooledConnection c = pool.borrow(server.endpoint())) {
                    Wire.request(c, "y");
                    return c.useCount();
                }
            });
            // The guard holds the second borrower inside the factory: no second connection is opened.
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> server.accepted() == 1);
            assertThat(waiter.isDone()).isFalse();
            held.close();
            assertThat(waiter.get(10, TimeUnit.SECONDS)).as("the returned connection, lent a second time").isEqualTo(2);
            assertThat(server.accepted()).isEqualTo(1);
        } finally {
            other.shutdownNow();
        }
    }

    @Test
    void withNoPortToSpendABorrowThatWouldOpenTimesOut() throws IOException {
        pool(PoolSettings.custom());
        budget.rate = 0;
        assertThatThrownBy(() -> pool.borrow(server.endpoint(), Duration.ofMillis(200)))
                .isInstanceOf(AcquireTimeoutException.class)
                .hasMessageContaining("Connection to " + server.endpoint() + " is not available");
        assertThat(server.accepted()).isZero();
        budget.rate = 5;
        request();
        assertThat(server.accepted()).as("one token: one connection").isEqualTo(1);
    }

    @Test
    void idleConnectionsAreNotClosedForIdlenessUnderPressure() throws IOException {
        pool(PoolSettings.custom().idleTimeout(Duration.ofMillis(1)));
        request();
        budget.rate = 1;
        await().pollDelay(Duration.ofMillis(5)).atMost(Duration.ofSeconds(5)).until(() -> {
            pool.engine().evictNow();
            return true;
        });
        assertThat(pool.stats().idle()).isEqualTo(1);
        budget.rate = -1;
        pool.engine().evictNow();
        assertThat(pool.stats().idle()).isZero();
        assertThat(budget.ledger.closedWith(ConnectionClosed.Reason.IDLE)).isEqualTo(1);
    }

    @Test
    void logOnlyChangesNothing() throws IOException {
        poolOnFakeTime(PoolSettings.custom().maxLifetime(Duration.ofSeconds(1)).lifetimeJitter(0)
                .churnGuard(PoolSettings.ChurnGuard.LOG_ONLY));
        budget.rate = 0;
        for (int i = 0; i < 5; i++) {
            request();
            ticker.advance(Duration.ofSeconds(2));
        }
        assertThat(server.accepted()).isEqualTo(5);
    }

    @Test
    void offIgnoresTheBudget() throws IOException {
        pool(PoolSettings.custom().churnGuard(PoolSettings.ChurnGuard.OFF));
        budget.rate = 0;
        request();
        assertThat(server.accepted()).isEqualTo(1);
        assertThat(budget.ledger.opened).as("the budget's ledger still hears the pool").hasSize(1);
    }
}
