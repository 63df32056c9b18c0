package dev.portkeeper.httpclient5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.portkeeper.ConnectionPool;
import dev.portkeeper.Endpoint;
import dev.portkeeper.SocketPolicy;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.InputStreamEntity;
import org.junit.jupiter.api.Test;

/**
 * A server that accepts and never reads: a large POST fills both socket buffers and its write
 * blocks. The socket policy's write timeout ends it: the caller gets an exception that says so
 * within the timeout (and the watchdog's quarter) plus a margin, and the connection is discarded.
 */
class PeerNeverReadsTest {
    private static final Duration WRITE_TIMEOUT = Duration.ofMillis(500);
    /** Far more than loopback's socket buffers hold. */
    private static final long BODY = 256L * 1024 * 1024;

    @Test
    void aLargePostToAPeerThatNeverReadsFailsAtTheWriteTimeout() throws Exception {
        List<Socket> accepted = new ArrayList<>();
        try (ServerSocket server = new ServerSocket()) {
            server.setReceiveBufferSize(4096);
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Thread acceptor = new Thread(() -> {
                try {
                    accepted.add(server.accept()); // and never read
                } catch (java.io.IOException e) {
                    // closed
                }
            }, "never-reads");
            acceptor.setDaemon(true);
            acceptor.start();
            try (ConnectionPool pool = ConnectionPool.builder().name("never-reads")
                    .socketPolicy(SocketPolicy.custom().writeTimeout(WRITE_TIMEOUT).sendBufferSize(4096).build())
                    .build();
                    CloseableHttpClient client = PortkeeperHttpClients.custom(pool).build()) {
                HttpPost post = new HttpPost("http://127.0.0.1:" + server.getLocalPort() + "/upload");
                post.setEntity(new InputStreamEntity(new Zeros(BODY), BODY, ContentType.APPLICATION_OCTET_STREAM));

                long start = System.nanoTime();
                Throwable thrown = catchThrowable(() -> client.execute(post, r -> r.getCode()));
                Duration took = Duration.ofNanos(System.nanoTime() - start);

                assertThat(thrown).as("a write blocked on a peer that never reads").isNotNull();
                assertThat(took).as("the write timeout, its watchdog's quarter, and a margin")
                        .isLessThan(WRITE_TIMEOUT.multipliedBy(5).dividedBy(4).plusSeconds(5));
                assertThat(thrown).as("not a response timeout: no response was waited for")
                        .isInstanceOf(UnansweredRequestException.class);
                UnansweredRequestException e = (UnansweredRequestException) thrown;
                assertThat(e.mayHaveReachedServer()).as("part of the body left").isTrue();
                assertThat(e.getCause()).isInstanceOf(SocketTimeoutException.class);
                assertThat(e.getMessage()).as("says which timeout").containsIgnoringCase("write timeout")
                        .contains("500 ms").doesNotContain("response timeout");
                Endpoint endpoint = Endpoint.of("127.0.0.1", server.getLocalPort());
                await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                        assertThat(pool.stats(endpoint).total()).as("the connection is discarded").isZero());
            } finally {
                for (Socket s : accepted) {
                    s.close();
                }
            }
        }
    }

    /** {@code length} zero bytes, made as they are read. */
    private static final class Zeros extends InputStream {
        private long left;

        Zeros(long length) {
            left = length;
        }

        @Override
        public int read() {
            if (left == 0) {
                return -1;
            }
            left--;
            return 0;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (left == 0) {
                return -1;
            }
            int n = (int) Math.min(len, left);
            java.util.Arrays.fill(b, off, off + n, (byte) 0);
            left -= n;
            return n;
        }
    }
}
