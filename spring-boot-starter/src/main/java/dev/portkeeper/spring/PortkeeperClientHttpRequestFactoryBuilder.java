package dev.portkeeper.spring;

import dev.portkeeper.ConnectionPool;
import dev.portkeeper.httpclient5.PortkeeperConnectionManager;
import dev.portkeeper.httpclient5.PortkeeperHttpClients;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.client5.http.ssl.ClientTlsStrategyBuilder;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.client5.http.ssl.TlsSocketStrategy;
import org.apache.hc.core5.util.Timeout;
import org.springframework.boot.http.client.ClientHttpRequestFactoryBuilder;
import org.springframework.boot.http.client.HttpClientSettings;
import org.springframework.boot.http.client.HttpCookieHandling;
import org.springframework.boot.http.client.HttpRedirects;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslOptions;
import org.springframework.http.client.HttpComponentsClientHttpRequestFactory;

/**
 * The {@link ClientHttpRequestFactoryBuilder} of every blocking HTTP client Spring Boot builds
 * ({@code RestClient.Builder}, {@code RestTemplateBuilder}, HTTP service groups, the
 * {@code ClientHttpRequestFactory} bean): Apache HttpClient 5 over one shared
 * {@link ConnectionPool}, through {@link PortkeeperConnectionManager}.
 *
 * <p>Boot calls {@link #build(HttpClientSettings)} once per consumer. Each call makes a thin view:
 * a new {@code HttpClient} and connection manager over the same pool, so that all consumers reuse
 * the same connections. Closing one (Spring destroys a factory that is a bean) leaves the pool
 * open: the pool is closed with the application context.
 *
 * <p>From {@link HttpClientSettings}: the read timeout becomes the response timeout of each request;
 * redirects and cookie handling are HttpClient's; an SSL bundle gives the TLS setup of https
 * connections (one TLS strategy per bundle, kept, so that connections made for one consumer are
 * reused by the others). The connect timeout is the pool's ({@code portkeeper.socket.connect-timeout}):
 * one pool connects for all consumers, and the settings' connect timeout is not used.
 *
 * <p>Immutable and thread-safe; {@code with...} methods return a new builder over the same pool.
 */
public final class PortkeeperClientHttpRequestFactoryBuilder
        implements ClientHttpRequestFactoryBuilder<HttpComponentsClientHttpRequestFactory> {

    private final ConnectionPool pool;
    private final List<Consumer<HttpComponentsClientHttpRequestFactory>> customizers;
    private final List<Consumer<HttpClientBuilder>> httpClientCustomizers;
    private final TlsStrategies tlsStrategies;

    /**
     * @param pool the shared pool every client built here goes through; never closed by them
     */
    public PortkeeperClientHttpRequestFactoryBuilder(ConnectionPool pool) {
        this(Objects.requireNonNull(pool, "pool"), List.of(), List.of(), new TlsStrategies());
    }

    private PortkeeperClientHttpRequestFactoryBuilder(ConnectionPool pool,
            List<Consumer<HttpComponentsClientHttpRequestFactory>> customizers,
            List<Consumer<HttpClientBuilder>> httpClientCustomizers, TlsStrategies tlsStrategies) {
        this.pool = pool;
        this.customizers = List.copyOf(customizers);
        this.httpClientCustomizers = List.copyOf(httpClientCustomizers);
        this.tlsStrategies = tlsStrategies;
    }

    /** @return the pool underneath */
    public ConnectionPool pool() {
        return this.pool;
    }

    @Override
    public PortkeeperClientHttpRequestFactoryBuilder withCustomizer(
            Consumer<HttpComponentsClientHttpRequestFactory> customizer) {
        return withCustomizers(List.of(Objects.requireNonNull(customizer, "customizer")));
    }

    @Override
    public PortkeeperClientHttpRequestFactoryBuilder withCustomizers(
            java.util.Collection<Consumer<HttpComponentsClientHttpRequestFactory>> more) {
        List<Consumer<HttpComponentsClientHttpRequestFactory>> all = new ArrayList<>(this.customizers);
        all.addAll(Objects.requireNonNull(more, "customizers"));
        return new PortkeeperClientHttpRequestFactoryBuilder(this.pool, all, this.httpClientCustomizers,
                this.tlsStrategies);
    }

    /**
     * Customizes HttpClient's builder after it was wired to the pool, e.g. interceptors or a user
     * agent. Replacing the connection manager takes the client off the pool.
     *
     * @param customizer called with each client's builder
     * @return a new builder over the same pool
     */
    public PortkeeperClientHttpRequestFactoryBuilder withHttpClientCustomizer(Consumer<HttpClientBuilder> customizer) {
        List<Consumer<HttpClientBuilder>> all = new ArrayList<>(this.httpClientCustomizers);
        all.add(Objects.requireNonNull(customizer, "customizer"));
        return new PortkeeperClientHttpRequestFactoryBuilder(this.pool, this.customizers, all, this.tlsStrategies);
    }

    @Override
    public HttpComponentsClientHttpRequestFactory build(HttpClientSettings settings) {
        HttpClientSettings s = settings != null ? settings : HttpClientSettings.defaults();
        PortkeeperConnectionManager manager = PortkeeperConnectionManager.builder().pool(this.pool)
                .tlsStrategy(this.tlsStrategies.get(s.sslBundle())).build();
        HttpClientBuilder client = PortkeeperHttpClients.wire(HttpClientBuilder.create(), manager);
        if (s.redirects() == HttpRedirects.DONT_FOLLOW) {
            client.disableRedirectHandling();
        }
        if (s.cookieHandling() == HttpCookieHandling.DISABLE) {
            client.disableCookieManagement();
        }
        RequestConfig.Builder request = RequestConfig.custom();
        Duration readTimeout = s.readTimeout();
        if (readTimeout != null) {
            request.setResponseTimeout(Timeout.ofMilliseconds(readTimeout.toMillis()));
        }
        client.setDefaultRequestConfig(request.build());
        this.httpClientCustomizers.forEach(c -> c.accept(client));
        HttpComponentsClientHttpRequestFactory factory = new HttpComponentsClientHttpRequestFactory(client.build());
        if (readTimeout != null) {
            factory.setReadTimeout(readTimeout);
        }
        this.customizers.forEach(c -> c.accept(factory));
        return factory;
    }

    @Override
    public String toString() {
        return "PortkeeperClientHttpRequestFactoryBuilder{" + this.pool.name() + '}';
    }

    /**
     * One TLS strategy per SSL bundle, kept for the builder's life: the connection manager tells
     * connections made with different TLS setups apart by their strategy, so a strategy made anew
     * per consumer would keep consumers from reusing each other's https connections.
     */
    private static final class TlsStrategies {
        private final TlsSocketStrategy jdkDefault = DefaultClientTlsStrategy.createDefault();
        private final Map<SslBundle, TlsSocketStrategy> byBundle = new ConcurrentHashMap<>();

        TlsSocketStrategy get(SslBundle bundle) {
            return bundle == null ? this.jdkDefault : this.byBundle.computeIfAbsent(bundle, TlsStrategies::of);
        }

        private static TlsSocketStrategy of(SslBundle bundle) {
            ClientTlsStrategyBuilder b = ClientTlsStrategyBuilder.create().setSslContext(bundle.createSslContext());
            SslOptions options = bundle.getOptions();
            if (options != null && options.getEnabledProtocols() != null) {
                b.setTlsVersions(options.getEnabledProtocols());
            }
            if (options != null && options.getCiphers() != null) {
                b.setCiphers(options.getCiphers());
            }
            return b.buildClassic();
        }
    }
}
