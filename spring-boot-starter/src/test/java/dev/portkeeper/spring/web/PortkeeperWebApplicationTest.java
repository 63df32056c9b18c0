package dev.portkeeper.spring.web;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.jayway.jsonpath.JsonPath;
import dev.portkeeper.ConnectionPool;
import dev.portkeeper.httpclient5.ServerConnections;
import dev.portkeeper.spring.PortkeeperClientHttpRequestFactoryBuilder;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.http.client.ClientHttpRequestFactoryBuilder;
import org.springframework.boot.restclient.RestTemplateBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.client.ResourceAccessException;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;
import org.springframework.web.service.annotation.GetExchange;
import org.springframework.web.service.registry.ImportHttpServices;

/**
 * A Boot web application with Actuator and the starter, on a real port: its RestClient and
 * RestTemplate reach a WireMock upstream through the pool.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "spring.http.clients.read-timeout=1s",
    "management.endpoints.web.exposure.include=health,metrics,prometheus",
    "management.endpoint.health.show-details=always",
    "portkeeper.name=web"
})
class PortkeeperWebApplicationTest {
    private static final ServerConnections UPSTREAM = new ServerConnections();
    private static WireMockServer wireMock;

    @Autowired
    private RestClient.Builder restClientBuilder;

    @Autowired
    private RestTemplateBuilder restTemplateBuilder;

    @Autowired
    private ItemsService itemsService;

    @Autowired
    private ConnectionPool pool;

    @Autowired
    private ClientHttpRequestFactoryBuilder<?> requestFactoryBuilder;

    @LocalServerPort
    private int port;

    @BeforeAll
    static void startUpstream() {
        wireMock = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1").networkTrafficListener(UPSTREAM));
        wireMock.start();
        wireMock.stubFor(get(urlEqualTo("/items")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "text/plain").withBody("items")));
        wireMock.stubFor(get(urlEqualTo("/slow")).willReturn(aResponse().withStatus(200).withFixedDelay(5_000)
                .withBody("late")));
    }

    @AfterAll
    static void stopUpstream() {
        wireMock.stop();
    }

    @DynamicPropertySource
    static void upstream(DynamicPropertyRegistry registry) {
        registry.add("spring.http.serviceclient.upstream.base-url", () -> "http://127.0.0.1:" + wireMock.port());
    }

    private String upstream() {
        return "http://127.0.0.1:" + wireMock.port();
    }

    @Test
    void restClientRestTemplateAndAnHttpServiceReuseOneConnectionOfThePool() {
        assertThat(requestFactoryBuilder).isInstanceOf(PortkeeperClientHttpRequestFactoryBuilder.class);
        RestClient restClient = restClientBuilder.baseUrl(upstream()).build();
        RestTemplate restTemplate = restTemplateBuilder.baseUri(upstream()).build();
        int openedBefore = UPSTREAM.opened.get();
        for (int i = 0; i < 20; i++) {
            assertThat(restClient.get().uri("/items").retrieve().body(String.class)).isEqualTo("items");
            assertThat(restTemplate.getForObject("/items", String.class)).isEqualTo("items");
            assertThat(itemsService.items()).isEqualTo("items");
        }
        // Seen from the upstream: 60 requests from three clients, at most one new connection (none if an
        // earlier test left one idle), and one connection open now.
        assertThat(UPSTREAM.opened.get() - openedBefore).isLessThanOrEqualTo(1);
        assertThat(UPSTREAM.opened.get() - UPSTREAM.closed.get()).isEqualTo(1);
        assertThat(pool.stats(dev.portkeeper.Endpoint.of("127.0.0.1", wireMock.port())).total()).isEqualTo(1);
    }

    @Test
    void bootsReadTimeoutIsHonoured() {
        RestClient restClient = restClientBuilder.baseUrl(upstream()).build();
        assertThatThrownBy(() -> restClient.get().uri("/slow").retrieve().body(String.class))
                .isInstanceOf(ResourceAccessException.class)
                .rootCause().isInstanceOf(java.net.SocketTimeoutException.class);
    }

    @Test
    void healthShowsTheBudgetThePoolsAndTheProcess() throws Exception {
        restClientBuilder.baseUrl(upstream()).build().get().uri("/items").retrieve().body(String.class);
        String body = actuator("/actuator/health/portkeeper");
        assertThat(JsonPath.<String>read(body, "$.status")).isEqualTo("UP");
        Map<String, Object> details = JsonPath.read(body, "$.details");
        assertThat(details).containsKeys("level", "kernelView", "capacity", "destinations", "timeWait",
                "fileDescriptors", "closeWaitHeld", "pools");
        assertThat(JsonPath.<Integer>read(body, "$.details.pools.web.total")).isGreaterThanOrEqualTo(1);
        if (JsonPath.<Boolean>read(body, "$.details.kernelView")) {
            assertThat(JsonPath.<Integer>read(body, "$.details.closeWaitHeld")).isGreaterThanOrEqualTo(0);
            // Health shows the monitor's latest sample: the upstream's destination appears with the
            // first sample taken after the request.
            await().atMost(Duration.ofSeconds(10)).until(() -> !JsonPath.<List<Object>>read(
                    actuator("/actuator/health/portkeeper"), "$.details.destinations").isEmpty());
            List<Map<String, Object>> destinations = JsonPath.read(actuator("/actuator/health/portkeeper"),
                    "$.details.destinations");
            assertThat(destinations).isNotEmpty()
                    .allSatisfy(d -> assertThat(d).containsKeys("destination", "used", "capacity", "level",
                            "secondsToExhaustion"));
        }
    }

    @Test
    void actuatorListsThePortkeeperMetersAndPrometheusExposesThem() throws Exception {
        restClientBuilder.baseUrl(upstream()).build().get().uri("/items").retrieve().body(String.class);
        List<String> names = JsonPath.read(actuator("/actuator/metrics"), "$.names");
        assertThat(names).contains("portkeeper.connections", "portkeeper.connections.opened",
                "portkeeper.connections.acquire", "portkeeper.connections.max", "portkeeper.ports.kernel.view",
                "portkeeper.fds.open", "resilience4j.circuitbreaker.state");
        String opened = actuator("/actuator/metrics/portkeeper.connections.opened?tag=pool:web");
        assertThat(JsonPath.<Double>read(opened, "$.measurements[0].value")).isGreaterThanOrEqualTo(1.0);
        String prometheus = actuator("/actuator/prometheus");
        assertThat(prometheus).contains("portkeeper_connections_opened_connections_total{",
                "portkeeper_connections_max_connections{pool=\"web\"} 64", "portkeeper_ports_kernel_view ",
                "portkeeper_fds_open_files ", "resilience4j_circuitbreaker_state{");
    }

    private String actuator(String path) throws IOException, InterruptedException {
        HttpClient client = HttpClient.newHttpClient();
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        return response.body();
    }

    /** An HTTP service of the group "upstream", whose client Boot builds with the same request factory builder. */
    interface ItemsService {
        @GetExchange("/items")
        String items();
    }

    @SpringBootConfiguration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    @ImportHttpServices(group = "upstream", types = ItemsService.class)
    static class WebApplication {
    }
}
