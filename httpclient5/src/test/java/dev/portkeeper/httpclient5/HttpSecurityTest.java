package dev.portkeeper.httpclient5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portkeeper.ConnectionPool;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Bad input on the wire: a header value with CR or LF (header injection) is refused before a byte
 * is sent, and a response whose headers are too large is refused instead of read into memory.
 */
class HttpSecurityTest {
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final AtomicInteger bytesReceived = new AtomicInteger();
    private ServerSocket server;
    private volatile String response = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    private ConnectionPool pool;
    private CloseableHttpClient client;

    @BeforeEach
    void start() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        threads.execute(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    threads.execute(() -> serve(s));
                } catch (IOException e) {
                    return;
                }
            }
        });
        pool = ConnectionPool.builder().name("security").build();
        client = PortkeeperHttpClients.custom(pool).build();
    }

    /** Answers each request head with the current response; counts every byte it receives. */
    private void serve(Socket s) {
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            int matched = 0;
            byte[] end = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            for (int b; (b = in.read()) >= 0; ) {
                bytesReceived.incrementAndGet();
                matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
                if (matched == end.length) {
                    matched = 0;
                    out.write(response.getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                }
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    @AfterEach
    void stop() throws IOException {
        client.close();
        pool.close();
        server.close();
        threads.shutdownNow();
    }

    private String url() {
        return "http://127.0.0.1:" + server.getLocalPort() + "/";
    }

    @Test
    void aHeaderValueWithCrOrLfIsRefusedBeforeAnythingIsSent() throws Exception {
        for (String value : new String[] {"a\r\nX-Injected: 1", "a\nb", "a\rb"}) {
            HttpGet get = new HttpGet(url());
            get.setHeader("X-Test", value);
            assertThatThrownBy(() -> client.execute(get, r -> EntityUtils.toString(r.getEntity())))
                    .isInstanceOf(IOException.class);
        }
        assertThat(bytesReceived.get()).as("bytes that reached the server").isZero();
        HttpGet fine = new HttpGet(url());
        fine.setHeader("X-Test", "plain");
        String body = client.execute(fine, r -> EntityUtils.toString(r.getEntity()));
        assertThat(body).isEqualTo("ok");
    }

    @Test
    void oversizedResponseHeadersAreRefused() {
        response = "HTTP/1.1 200 OK\r\nX-Big: " + "x".repeat(64 * 1024) + "\r\nContent-Length: 2\r\n\r\nok";
        assertThatThrownBy(() -> client.execute(new HttpGet(url()), r -> EntityUtils.toString(r.getEntity())))
                .isInstanceOf(IOException.class);
        assertThat(pool.stats().total()).as("the connection is discarded").isZero();
    }
}
