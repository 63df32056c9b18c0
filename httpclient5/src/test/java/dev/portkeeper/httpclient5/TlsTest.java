package dev.portkeeper.httpclient5;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.portkeeper.ConnectionPool;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.client5.http.ssl.ClientTlsStrategyBuilder;
import org.apache.hc.client5.http.ssl.TlsSocketStrategy;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.ssl.SSLContexts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * https against WireMock's HTTPS port, with a certificate for {@code localhost} made by keytool in
 * the test's temp directory (nothing secret is committed): trusted it works and reuse skips the
 * handshake; the JDK's default trust refuses it; a host name it does not name is refused.
 */
class TlsTest {
    private static final String PASSWORD = "test-only";
    @TempDir
    static Path dir;
    private static WireMockServer wireMock;
    private static final ServerConnections server = new ServerConnections();
    private static SSLContext trusting;

    @BeforeAll
    static void start() throws Exception {
        Path keystore = dir.resolve("server.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "server", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost", "-storetype", "PKCS12",
                "-keystore", keystore.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD)
                .redirectErrorStream(true).start();
        String out = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).as("keytool finished: " + out).isTrue();
        assertThat(keytool.exitValue()).as("keytool: " + out).isZero();

        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            keys.load(in, PASSWORD.toCharArray());
        }
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("server", keys.getCertificate("server"));
        trusting = SSLContexts.custom().loadTrustMaterial(trust, null).build();

        wireMock = new WireMockServer(options().port(0).httpDisabled(true).httpsPort(0).bindAddress("127.0.0.1")
                .keystorePath(keystore.toString()).keystorePassword(PASSWORD).keyManagerPassword(PASSWORD)
                .keystoreType("PKCS12").networkTrafficListener(server));
        wireMock.start();
        wireMock.stubFor(get(urlEqualTo("/secure")).willReturn(aResponse().withBody("secret")));
    }

    @AfterAll
    static void stop() {
        wireMock.stop();
    }

    /** HttpClient's TLS strategy, counting its handshakes. */
    static final class CountingTls implements TlsSocketStrategy {
        final AtomicInteger handshakes = new AtomicInteger();
        private final TlsSocketStrategy delegate;

        CountingTls(TlsSocketStrategy delegate) {
            this.delegate = delegate;
        }

        @Override
        public javax.net.ssl.SSLSocket upgrade(java.net.Socket socket, String target, int port, Object attachment,
                org.apache.hc.core5.http.protocol.HttpContext context) throws IOException {
            handshakes.incrementAndGet();
            return delegate.upgrade(socket, target, port, attachment, context);
        }
    }

    private static CloseableHttpClient client(ConnectionPool pool, TlsSocketStrategy tls) {
        return PortkeeperHttpClients.wire(org.apache.hc.client5.http.impl.classic.HttpClientBuilder.create(),
                PortkeeperConnectionManager.builder().pool(pool).tlsStrategy(tls).build()).build();
    }

    @Test
    void trustedItWorksAndReuseSkipsTheHandshake() throws IOException {
        int openedBefore = server.opened.get();
        CountingTls tls = new CountingTls(ClientTlsStrategyBuilder.create().setSslContext(trusting).buildClassic());
        List<SSLSession> sessions = new ArrayList<>();
        try (ConnectionPool pool = ConnectionPool.builder().name("tls").build();
                CloseableHttpClient client = client(pool, tls)) {
            for (int i = 0; i < 20; i++) {
                HttpClientContext context = HttpClientContext.create();
                String body = client.execute(new HttpGet("https://localhost:" + wireMock.httpsPort() + "/secure"), context,
                        r -> EntityUtils.toString(r.getEntity()));
                assertThat(body).isEqualTo("secret");
                sessions.add(context.getSSLSession());
            }
        }
        assertThat(tls.handshakes).as("one handshake for 20 requests").hasValue(1);
        assertThat(server.opened.get() - openedBefore).as("connections WireMock accepted").isEqualTo(1);
        assertThat(sessions).allSatisfy(s -> assertThat(s).isSameAs(sessions.get(0)));
        assertThat(sessions.get(0).getPeerPrincipal().getName()).isEqualTo("CN=localhost");
    }

    @Test
    void theJdksDefaultTrustRefusesTheTestCertificate() throws IOException {
        try (ConnectionPool pool = ConnectionPool.builder().name("tls-default").build();
                CloseableHttpClient client = PortkeeperHttpClients.custom(pool).build()) {
            assertThatThrownBy(() -> client.execute(new HttpGet("https://localhost:" + wireMock.httpsPort() + "/secure"),
                    r -> EntityUtils.toString(r.getEntity()))).isInstanceOf(SSLException.class);
            assertThat(pool.stats().total()).as("the failed connection was discarded").isZero();
        }
    }

    @Test
    void aHostNameTheCertificateDoesNotNameIsRefusedByDefault() throws IOException {
        CountingTls tls = new CountingTls(ClientTlsStrategyBuilder.create().setSslContext(trusting).buildClassic());
        try (ConnectionPool pool = ConnectionPool.builder().name("tls-mismatch").build();
                CloseableHttpClient client = client(pool, tls)) {
            assertThatThrownBy(() -> client.execute(new HttpGet("https://127.0.0.1:" + wireMock.httpsPort() + "/secure"),
                    r -> EntityUtils.toString(r.getEntity()))).isInstanceOf(SSLException.class)
                    .hasMessageContaining("127.0.0.1");
            assertThat(pool.stats().total()).isZero();
        }
    }
}
