package dev.portkeeper.httpclient5;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.portkeeper.ConnectionClosed;
import dev.portkeeper.ConnectionPool;
import dev.portkeeper.Endpoint;
import dev.portkeeper.PoolSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The stale-connection trap and how the pool avoids it: servers that close idle connections, a
 * connection closed under a request, a server's Keep-Alive timeout, and the last request of a
 * connection asking the server to close first.
 */
class StaleAndKeepAliveTest {
    private final ServerConnections server = new ServerConnections();
    private final Events events = new Events();
    private final AtomicLong clockOffset = new AtomicLong();
    private final AtomicLong advanceDuringNextRequest = new AtomicLong();
    private WireMockServer wireMock;
    private ConnectionPool pool;
    private CloseableHttpClient client;

    private void start(UnaryOperator<WireMockConfiguration> serverOptions, PoolSettings settings) {
        wireMock = new WireMockServer(serverOptions.apply(options().dynamicPort().bindAddress("127.0.0.1")
                .networkTrafficListener(server)));
        wireMock.start();
        pool = ConnectionPool.builder().name("stale").listener(events).settings(settings)
                .ticker(() -> System.nanoTime() + clockOffset.get()).build();
        // Runs after the connection is borrowed and before the request is written: time can pass mid-lease.
        client = PortkeeperHttpClients.custom(pool).addRequestInterceptorLast((request, entity, context) ->
                clockOffset.addAndGet(advanceDuringNextRequest.getAndSet(0))).build();
    }

    @AfterEach
    void stop() throws IOException {
        if (client != null) {
            client.close();
            pool.close();
            wireMock.stop();
        }
    }

    private String url(String path) {
        return "http://127.0.0.1:" + wireMock.port() + path;
    }

    private String call(HttpUriRequestBase request) throws IOException {
        return client.execute(request, r -> r.getCode() + " " + EntityUtils.toString(r.getEntity(), StandardCharsets.UTF_8));
    }

    /** Lets real time pass: the servers' timers are real. */
    private static void idle(Duration d) {
        long until = System.nanoTime() + d.toNanos();
        await().pollDelay(d).atMost(d.plusSeconds(5)).until(() -> System.nanoTime() - until >= 0);
    }

    @Test
    void aGetAfterTheServerClosedTheIdleConnectionSucceedsWithNoErrorReachingTheCaller() throws IOException {
        start(o -> o.jettyIdleTimeout(1000L), PoolSettings.ofDefaults());
        wireMock.stubFor(get(urlEqualTo("/a")).willReturn(aResponse().withBody("a")));
        assertThat(call(new HttpGet(url("/a")))).isEqualTo("200 a");

        await().atMost(Duration.ofSeconds(10)).until(() -> server.closed.get() == 1); // Jetty closed it after 1 s idle
        idle(Duration.ofSeconds(1));

        assertThat(call(new HttpGet(url("/a")))).isEqualTo("200 a");
        assertThat(server.opened).as("the stale connection was found closed on borrow; a new one served").hasValue(2);
        assertThat(events.closed).extracting(ConnectionClosed::reason).containsExactly(ConnectionClosed.Reason.PEER_CLOSED);
        assertThat(events.closedBy(ConnectionClosed.TimeWait.PEER)).as("the server closed first: TIME_WAIT there").isEqualTo(1);
    }

    @Test
    void aGetWhoseReusedConnectionIsClosedUnderItIsRetriedAtOnce() throws IOException {
        start(o -> o, PoolSettings.ofDefaults());
        wireMock.stubFor(get(urlEqualTo("/warm")).willReturn(aResponse().withBody("warm")));
        wireMock.stubFor(get(urlEqualTo("/item")).inScenario("race").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withFault(Fault.EMPTY_RESPONSE)).willSetStateTo("closed once"));
        wireMock.stubFor(get(urlEqualTo("/item")).inScenario("race").whenScenarioStateIs("closed once")
                .willReturn(aResponse().withBody("item")));
        assertThat(call(new HttpGet(url("/warm")))).isEqualTo("200 warm");

        long start = System.nanoTime();
        assertThat(call(new HttpGet(url("/item")))).isEqualTo("200 item");

        wireMock.verify(2, getRequestedFor(urlEqualTo("/item")));
        assertThat(server.opened).hasValue(2);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("no 1 s back-off (HttpClient's default)")
                .isLessThan(Duration.ofSeconds(1));
    }

    @Test
    void aPostWhoseServerDiedMidRequestIsNotRetriedAndSaysItMayHaveBeenReceived() throws IOException {
        start(o -> o, PoolSettings.ofDefaults());
        wireMock.stubFor(get(urlEqualTo("/warm")).willReturn(aResponse().withBody("warm")));
        wireMock.stubFor(post(urlEqualTo("/orders")).willReturn(aResponse().withFault(Fault.EMPTY_RESPONSE)));
        assertThat(call(new HttpGet(url("/warm")))).isEqualTo("200 warm");
        HttpPost order = new HttpPost(url("/orders"));
        order.setEntity(new StringEntity("{\"order\":42}", ContentType.APPLICATION_JSON));

        Throwable thrown = catchThrowable(() -> call(order));

        assertThat(thrown).isInstanceOf(UnansweredRequestException.class)
                .hasMessageContaining("POST /orders").hasMessageContaining("reused connection")
                .hasMessageContaining("the server may have received and processed it");
        UnansweredRequestException e = (UnansweredRequestException) thrown;
        assertThat(e.mayHaveReachedServer()).isTrue();
        assertThat(e.reusedConnection()).isTrue();
        assertThat(e.method()).isEqualTo("POST");
        wireMock.verify(1, postRequestedFor(urlEqualTo("/orders")).withRequestBody(equalTo("{\"order\":42}")));
        assertThat(wireMock.getAllServeEvents()).as("what the server received: the GET and one POST").hasSize(2);
    }

    @Test
    void aPostMarkedIdempotentIsRetried() throws IOException {
        start(o -> o, PoolSettings.ofDefaults());
        wireMock.stubFor(get(urlEqualTo("/warm")).willReturn(aResponse().withBody("warm")));
        wireMock.stubFor(post(urlEqualTo("/put-like")).inScenario("race").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withFault(Fault.EMPTY_RESPONSE)).willSetStateTo("closed once"));
        wireMock.stubFor(post(urlEqualTo("/put-like")).inScenario("race").whenScenarioStateIs("closed once")
                .willReturn(aResponse().withBody("done")));
        assertThat(call(new HttpGet(url("/warm")))).isEqualTo("200 warm");
        HttpPost post = new HttpPost(url("/put-like"));
        post.setEntity(new StringEntity("key=7", ContentType.TEXT_PLAIN));
        org.apache.hc.client5.http.protocol.HttpClientContext context = org.apache.hc.client5.http.protocol.HttpClientContext.create();
        PortkeeperRetryStrategy.markIdempotent(context);

        String answer = client.execute(post, context, r -> r.getCode() + " " + EntityUtils.toString(r.getEntity()));

        assertThat(answer).isEqualTo("200 done");
        wireMock.verify(2, postRequestedFor(urlEqualTo("/put-like")));
    }

    @Test
    void noConnectionIsReusedPastTheServersKeepAliveTimeout() throws IOException {
        start(o -> o, PoolSettings.ofDefaults());
        wireMock.stubFor(get(urlEqualTo("/ka")).willReturn(aResponse().withBody("ka").withHeader("Keep-Alive", "timeout=1")));

        assertThat(call(new HttpGet(url("/ka")))).isEqualTo("200 ka");
        assertThat(call(new HttpGet(url("/ka")))).isEqualTo("200 ka");
        assertThat(server.opened).as("reused within the timeout").hasValue(1);

        idle(Duration.ofSeconds(1));
        assertThat(call(new HttpGet(url("/ka")))).isEqualTo("200 ka");

        assertThat(server.opened).as("not reused after 1 s of idleness").hasValue(2);
        assertThat(events.closed).extracting(ConnectionClosed::reason).containsExactly(ConnectionClosed.Reason.INVALIDATED);
    }

    @Test
    void theLastRequestOfAConnectionAsksTheServerToCloseSoTimeWaitLandsThere() throws IOException {
        start(o -> o, PoolSettings.custom().maxLifetime(Duration.ofMinutes(10)).lifetimeJitter(0).build());
        wireMock.stubFor(get(urlEqualTo("/x")).willReturn(aResponse().withBody("x")));
        assertThat(call(new HttpGet(url("/x")))).isEqualTo("200 x");
        wireMock.verify(getRequestedFor(urlEqualTo("/x")).withHeader("Connection", equalTo("keep-alive")));

        advanceDuringNextRequest.set(Duration.ofMinutes(11).toNanos()); // its lifetime ends while it is borrowed
        assertThat(call(new HttpGet(url("/x")))).isEqualTo("200 x");

        wireMock.verify(1, getRequestedFor(urlEqualTo("/x")).withHeader("Connection", equalTo("close")));
        await().atMost(Duration.ofSeconds(10)).until(() -> events.closed.size() == 1);
        ConnectionClosed closed = events.closed.get(0);
        assertThat(closed.timeWait()).as("the server closed first").isEqualTo(ConnectionClosed.TimeWait.PEER);
        assertThat(pool.closeStats().closedPeer()).isEqualTo(1);
        assertThat(pool.stats(Endpoint.of("127.0.0.1", wireMock.port())).total()).isZero();
    }
}
