package dev.portkeeper.httpclient5;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.http.Fault;
import dev.portkeeper.ConnectionPool;
import dev.portkeeper.Endpoint;
import dev.portkeeper.PoolSettings;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.hc.client5.http.classic.methods.HttpDelete;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.classic.methods.HttpHead;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.classic.methods.HttpPut;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.util.Timeout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** HttpClient over the Portkeeper pool against WireMock: the usual exchanges, reuse, faults, timeouts. */
class WireMockExchangeTest {
    private final ServerConnections server = new ServerConnections();
    private final Events events = new Events();
    private WireMockServer wireMock;
    private ConnectionPool pool;
    private CloseableHttpClient client;
    private Endpoint endpoint;

    @BeforeEach
    void start() {
        wireMock = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1").networkTrafficListener(server));
        wireMock.start();
        endpoint = Endpoint.of("127.0.0.1", wireMock.port());
        pool = ConnectionPool.builder().name("wiremock").listener(events)
                .settings(PoolSettings.custom().maxPerEndpoint(4).build()).build();
        client = PortkeeperHttpClients.custom(pool).build();
    }

    @AfterEach
    void stop() throws IOException {
        client.close();
        pool.close();
        wireMock.stop();
    }

    private String url(String path) {
        return "http://127.0.0.1:" + wireMock.port() + path;
    }

    private Answer call(HttpUriRequestBase request) throws IOException {
        return client.execute(request, response -> new Answer(response.getCode(),
                response.getEntity() == null ? null : EntityUtils.toString(response.getEntity(), StandardCharsets.UTF_8),
                response.getEntity() != null && response.getEntity().isChunked()));
    }

    record Answer(int code, String body, boolean chunked) {
        String status() {
            return code + " " + body;
        }
    }

    @Test
    void getPostPutDeleteWithBodiesShareOneConnection() throws IOException {
        wireMock.stubFor(get(urlEqualTo("/items/1")).willReturn(aResponse().withStatus(200).withBody("one")));
        wireMock.stubFor(post(urlEqualTo("/items")).willReturn(aResponse().withStatus(201).withBody("created")));
        wireMock.stubFor(put(urlEqualTo("/items/1")).willReturn(aResponse().withStatus(200).withBody("replaced")));
        wireMock.stubFor(delete(urlEqualTo("/items/1")).willReturn(aResponse().withStatus(200).withBody("gone")));

        HttpPost post = new HttpPost(url("/items"));
        post.setEntity(new StringEntity("{\"name\":\"one\"}", ContentType.APPLICATION_JSON));
        HttpPut putRequest = new HttpPut(url("/items/1"));
        putRequest.setEntity(new StringEntity("{\"name\":\"uno\"}", ContentType.APPLICATION_JSON));

        assertThat(call(post).status()).isEqualTo("201 created");
        assertThat(call(new HttpGet(url("/items/1"))).status()).isEqualTo("200 one");
        assertThat(call(putRequest).status()).isEqualTo("200 replaced");
        assertThat(call(new HttpDelete(url("/items/1"))).status()).isEqualTo("200 gone");

        wireMock.verify(postRequestedFor(urlEqualTo("/items")).withRequestBody(equalTo("{\"name\":\"one\"}")));
        wireMock.verify(putRequestedFor(urlEqualTo("/items/1")).withRequestBody(equalTo("{\"name\":\"uno\"}")));
        assertThat(server.opened).as("connections WireMock accepted").hasValue(1);
        assertThat(events.opened).hasSize(1);
    }

    @Test
    void chunkedAndFixedLengthResponsesAndAChunkedRequest() throws IOException {
        String big = "x".repeat(20_000);
        wireMock.stubFor(get(urlEqualTo("/fixed")).willReturn(aResponse().withBody(big)
                .withHeader("Content-Length", Integer.toString(big.length()))));
        wireMock.stubFor(get(urlEqualTo("/chunked")).willReturn(aResponse().withBody(big)
                .withChunkedDribbleDelay(5, 50)));
        wireMock.stubFor(post(urlEqualTo("/upload")).willReturn(aResponse().withStatus(200).withBody("ok")));

        Answer fixed = call(new HttpGet(url("/fixed")));
        Answer chunked = call(new HttpGet(url("/chunked")));
        HttpPost upload = new HttpPost(url("/upload"));
        upload.setEntity(new StringEntity(big, ContentType.TEXT_PLAIN, true));
        Answer uploaded = call(upload);

        assertThat(fixed).isEqualTo(new Answer(200, big, false));
        assertThat(chunked).isEqualTo(new Answer(200, big, true));
        assertThat(uploaded.code()).isEqualTo(200);
        wireMock.verify(postRequestedFor(urlEqualTo("/upload")).withHeader("Transfer-Encoding", equalTo("chunked"))
                .withRequestBody(equalTo(big)));
        assertThat(server.opened).hasValue(1);
    }

    @Test
    void headAndBodilessStatusesLeaveTheConnectionInStep() throws IOException {
        wireMock.stubFor(any(urlEqualTo("/doc")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Length", "1234").withHeader("ETag", "\"v1\"")));
        wireMock.stubFor(get(urlEqualTo("/empty")).willReturn(aResponse().withStatus(204)));
        wireMock.stubFor(get(urlEqualTo("/cached")).withHeader("If-None-Match", equalTo("\"v1\""))
                .willReturn(aResponse().withStatus(304).withHeader("ETag", "\"v1\"")));
        wireMock.stubFor(get(urlEqualTo("/after")).willReturn(aResponse().withBody("still in step")));

        int headCode = client.execute(new HttpHead(url("/doc")), response -> {
            assertThat(response.getFirstHeader("Content-Length").getValue()).isEqualTo("1234");
            return response.getCode();
        });
        Answer empty = call(new HttpGet(url("/empty")));
        HttpGet conditional = new HttpGet(url("/cached"));
        conditional.setHeader("If-None-Match", "\"v1\"");
        Answer notModified = call(conditional);
        Answer after = call(new HttpGet(url("/after")));

        assertThat(headCode).isEqualTo(200);
        assertThat(empty.code()).isEqualTo(204);
        assertThat(notModified.code()).isEqualTo(304);
        assertThat(after.status()).isEqualTo("200 still in step");
        assertThat(server.opened).as("one connection for all four").hasValue(1);
    }

    @Test
    void anInterimContinueResponseIsHandledByHttpCore() throws IOException {
        wireMock.stubFor(post(urlEqualTo("/expect")).willReturn(aResponse().withStatus(200).withBody("accepted")));
        HttpPost post = new HttpPost(url("/expect"));
        post.setHeader("Expect", "100-continue");
        post.setEntity(new StringEntity("payload", ContentType.TEXT_PLAIN));

        Answer answer = call(post);

        assertThat(answer.status()).isEqualTo("200 accepted");
        assertThat(server.outgoing()).as("WireMock's interim response").contains("HTTP/1.1 100 Continue");
        wireMock.verify(postRequestedFor(urlEqualTo("/expect")).withRequestBody(equalTo("payload")));
    }

    @Test
    void sequentialCallsReuseOneConnectionOnTheServerSide() throws IOException {
        wireMock.stubFor(get(urlEqualTo("/ping")).willReturn(aResponse().withBody("pong")));
        int n = 50;
        for (int i = 0; i < n; i++) {
            assertThat(call(new HttpGet(url("/ping"))).body()).isEqualTo("pong");
        }
        assertThat(server.opened).as("connections WireMock accepted for %d calls", n).hasValue(1);
        assertThat(pool.stats(endpoint).idle()).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(Fault.class)
    void everyFaultGivesAClearExceptionAndTheConnectionIsDiscarded(Fault fault) throws IOException {
        wireMock.stubFor(get(urlEqualTo("/ok")).willReturn(aResponse().withBody("fine")));
        wireMock.stubFor(get(urlEqualTo("/fault")).willReturn(aResponse().withFault(fault)));
        assertThat(call(new HttpGet(url("/ok"))).body()).isEqualTo("fine");

        Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(() -> call(new HttpGet(url("/fault"))));

        System.out.println(fault + " -> " + thrown);
        assertThat(thrown).isInstanceOf(IOException.class);
        switch (fault) {
            case EMPTY_RESPONSE, CONNECTION_RESET_BY_PEER -> {
                assertThat(thrown).isInstanceOf(UnansweredRequestException.class)
                        .hasMessageContaining("GET /fault").hasMessageContaining("no response")
                        .hasMessageContaining("may have received");
                assertThat(((UnansweredRequestException) thrown).mayHaveReachedServer()).isTrue();
            }
            case MALFORMED_RESPONSE_CHUNK -> assertThat(thrown).hasMessageContaining("chunk");
            case RANDOM_DATA_THEN_CLOSE -> assertThat(thrown).isNotInstanceOf(UnansweredRequestException.class);
            default -> {
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> pool.stats(endpoint).total() == 0);
        assertThat(events.closed).as("every connection that met the fault was closed").hasSize(events.opened.size());

        assertThat(call(new HttpGet(url("/ok"))).body()).as("a new connection serves the next call").isEqualTo("fine");
    }

    @Test
    void aDelayedResponseHitsTheResponseTimeout() throws IOException {
        wireMock.stubFor(get(urlEqualTo("/slow")).willReturn(aResponse().withBody("late").withFixedDelay(3000)));
        HttpGet slow = new HttpGet(url("/slow"));
        slow.setConfig(RequestConfig.custom().setResponseTimeout(Timeout.of(200, TimeUnit.MILLISECONDS)).build());

        assertThatThrownBy(() -> call(slow)).isInstanceOf(ResponseTimeoutException.class)
                .isInstanceOf(SocketTimeoutException.class)
                .hasMessageContaining("GET /slow").hasMessageContaining("may have received");

        assertThat(pool.stats(endpoint).total()).as("the timed-out connection was discarded").isZero();
        assertThat(wireMock.findAll(com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor(
                urlEqualTo("/slow")))).as("not retried").hasSize(1);
    }
}
