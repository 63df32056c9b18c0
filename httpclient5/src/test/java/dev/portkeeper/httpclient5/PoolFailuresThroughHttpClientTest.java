package dev.portkeeper.httpclient5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.portkeeper.AcquireTimeoutException;
import dev.portkeeper.ConnectionPool;
import dev.portkeeper.PoolSettings;
import dev.portkeeper.PortExhaustedException;
import dev.portkeeper.testing.Netns;
import dev.portkeeper.testing.NetnsScenario;
import dev.portkeeper.testing.RequiresNetns;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.junit.jupiter.api.Test;

/** The pool's own failures reach the caller of HttpClient as they are, not wrapped beyond recognition. */
class PoolFailuresThroughHttpClientTest {

    static HttpServer server(int port) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 50);
        server.createContext("/", exchange -> {
            byte[] body = "hello".getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        return server;
    }

    @Test
    void anAcquireTimeoutIsThePoolsOwnException() throws IOException {
        HttpServer server = server(0);
        try (ConnectionPool pool = ConnectionPool.builder().name("acquire")
                .settings(PoolSettings.custom().maxPerEndpoint(1).acquireTimeout(Duration.ofMillis(100)).build()).build();
                CloseableHttpClient client = PortkeeperHttpClients.custom(pool).build()) {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/";
            try (ClassicHttpResponse held = client.executeOpen(null, new HttpGet(url), null)) {
                assertThat(held.getCode()).isEqualTo(200);
                assertThatThrownBy(() -> client.execute(new HttpGet(url), r -> r.getCode()))
                        .isInstanceOf(AcquireTimeoutException.class)
                        .hasMessageContaining("127.0.0.1:" + server.getAddress().getPort());
            }
        } finally {
            server.stop(0);
        }
    }

    /** In a namespace with 5 ephemeral ports: 5 responses held open, the 6th request finds no port. */
    public static class ExhaustPorts implements NetnsScenario<String> {
        @Override
        public String run(List<String> args) throws Exception {
            HttpServer server = server(18081); // outside the ephemeral range
            List<ClassicHttpResponse> held = new ArrayList<>();
            try (ConnectionPool pool = ConnectionPool.builder().name("exhaust")
                    .settings(PoolSettings.custom().maxPerEndpoint(10).maxTotal(10).build()).build();
                    CloseableHttpClient client = PortkeeperHttpClients.custom(pool).build()) {
                String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/";
                try {
                    // Hold connections until the 5-port range runs out: at the sixth at the latest (sooner when
                    // the kernel still holds a port of an earlier connection), each failing the same way.
                    for (int i = 0; i < 5; i++) {
                        held.add(client.executeOpen(null, new HttpGet(url), null));
                    }
                    client.execute(new HttpGet(url), r -> r.getCode());
                    return "no failure";
                } catch (PortExhaustedException e) {
                    return "PortExhaustedException: " + e.getMessage();
                } catch (IOException e) {
                    return "other: " + e;
                } finally {
                    for (ClassicHttpResponse r : held) {
                        r.close();
                    }
                }
            } finally {
                server.stop(0);
            }
        }
    }

    @Test
    @RequiresNetns
    void portExhaustionIsThePoolsOwnException() {
        String outcome = Netns.builder().portRange(40000, 40004).build().run(ExhaustPorts.class);
        assertThat(outcome).startsWith("PortExhaustedException: No local port left to connect to 127.0.0.1:")
                .contains("Ephemeral range 40000-40004");
    }
}
