package dev.portkeeper.example;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.http.trafficlistener.WiremockNetworkTrafficListener;
import com.jayway.jsonpath.JsonPath;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The new user's check: the example, which only adds the starter to a web and Actuator
 * application, starts on a real port, its RestClient reuses one connection to the upstream, and
 * Actuator shows the health and the meters.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ExampleApplicationTest {
    private static final AtomicInteger UPSTREAM_CONNECTIONS = new AtomicInteger();
    private static WireMockServer upstream;

    @LocalServerPort
    private int port;

    @BeforeAll
    static void startUpstream() {
        upstream = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1")
                .networkTrafficListener(new WiremockNetworkTrafficListener() {
                    @Override
                    public void opened(Socket socket) {
                        UPSTREAM_CONNECTIONS.incrementAndGet();
                    }

                    @Override
                    public void incoming(Socket socket, ByteBuffer bytes) {
                    }

                    @Override
                    public void outgoing(Socket socket, ByteBuffer bytes) {
                    }

                    @Override
                    public void closed(Socket socket) {
                    }
                }));
        upstream.start();
        upstream.stubFor(get(urlEqualTo("/quote")).willReturn(aResponse().withBody("Reuse the connection.")));
    }

    @AfterAll
    static void stopUpstream() {
        upstream.stop();
    }

    @DynamicPropertySource
    static void upstreamUrl(DynamicPropertyRegistry registry) {
        registry.add("example.upstream-url", () -> "http://127.0.0.1:" + upstream.port());
    }

    @Test
    void theRestClientGoesThroughThePoolAndActuatorShowsIt() throws Exception {
        for (int i = 0; i < 20; i++) {
            assertThat(call("/quote")).isEqualTo("Reuse the connection.");
        }
        assertThat(UPSTREAM_CONNECTIONS.get()).isEqualTo(1);

        String health = call("/actuator/health/portkeeper");
        assertThat(JsonPath.<String>read(health, "$.status")).isEqualTo("UP");
        assertThat(JsonPath.<Integer>read(health, "$.details.pools.upstreams.total")).isEqualTo(1);
        assertThat(JsonPath.<Object>read(health, "$.details.level")).isNotNull();

        java.util.List<String> meters = JsonPath.read(call("/actuator/metrics"), "$.names");
        assertThat(meters).contains("portkeeper.connections", "portkeeper.connections.opened",
                "portkeeper.ports.kernel.view", "portkeeper.close.wait");
        assertThat(call("/actuator/prometheus"))
                .contains("portkeeper_connections_opened_connections_total{endpoint=\"127.0.0.1:" + upstream.port()
                        + "\",pool=\"upstreams\"} 1.0");
    }

    private String call(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        return response.body();
    }
}
