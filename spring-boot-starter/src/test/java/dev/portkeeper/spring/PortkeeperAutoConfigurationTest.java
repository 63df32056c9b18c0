package dev.portkeeper.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portkeeper.ConnectionInfo;
import dev.portkeeper.ConnectionPool;
import dev.portkeeper.Endpoint;
import dev.portkeeper.PoolListener;
import dev.portkeeper.PoolSettings;
import dev.portkeeper.PooledConnection;
import dev.portkeeper.SocketPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.configurationmetadata.ConfigurationMetadataProperty;
import org.springframework.boot.configurationmetadata.ConfigurationMetadataRepositoryJsonBuilder;
import org.springframework.boot.context.annotation.ImportCandidates;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.Ordered;

class PortkeeperAutoConfigurationTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PortkeeperAutoConfiguration.class));

    @Test
    void isListedAsAnAutoConfiguration() {
        assertThat(ImportCandidates.load(AutoConfiguration.class, getClass().getClassLoader()))
                .contains(PortkeeperAutoConfiguration.class.getName());
    }

    @Test
    void defaultsGiveAPoolWithTheCoreDefaults() {
        runner.run(context -> {
            assertThat(context).hasSingleBean(ConnectionPool.class);
            ConnectionPool pool = context.getBean(ConnectionPool.class);
            // The settings classes have no equals; toString lists every value.
            assertThat(pool.settings()).hasToString(PoolSettings.ofDefaults().toString());
            assertThat(pool.socketPolicy()).hasToString(SocketPolicy.ofDefaults().toString());
            assertThat(pool.name()).startsWith("portkeeper-");
            assertThat(pool.isClosed()).isFalse();
        });
    }

    @Test
    void bindsProperties() {
        runner.withPropertyValues("portkeeper.name=cache", "portkeeper.pool.max-per-endpoint=3",
                "portkeeper.pool.acquire-timeout=250ms", "portkeeper.pool.lifetime-jitter=0.25",
                "portkeeper.socket.connect-timeout=2s", "portkeeper.socket.tcp-no-delay=false")
                .run(context -> {
                    ConnectionPool pool = context.getBean(ConnectionPool.class);
                    assertThat(pool.name()).isEqualTo("cache");
                    assertThat(pool.settings().maxPerEndpoint()).isEqualTo(3);
                    assertThat(pool.settings().acquireTimeout()).isEqualTo(Duration.ofMillis(250));
                    assertThat(pool.settings().lifetimeJitter()).isEqualTo(0.25);
                    assertThat(pool.settings().maxTotal()).isEqualTo(PoolSettings.DEFAULT_MAX_TOTAL);
                    assertThat(pool.socketPolicy().connectTimeout()).isEqualTo(Duration.ofSeconds(2));
                    assertThat(pool.socketPolicy().tcpNoDelay()).isFalse();
                    assertThat(context.getBean(PoolSettings.class)).isSameAs(pool.settings());
                });
    }

    @Test
    void invalidValueFailsStartupWithTheCoreMessage() {
        runner.withPropertyValues("portkeeper.pool.max-per-endpoint=0").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure())
                    .hasRootCauseInstanceOf(IllegalArgumentException.class)
                    .hasRootCauseMessage("maxPerEndpoint must be greater than 0: 0");
        });
    }

    @Test
    void userDefinedPoolWins() {
        runner.withBean(ConnectionPool.class, () -> ConnectionPool.builder().name("mine").build())
                .run(context -> {
                    assertThat(context).hasSingleBean(ConnectionPool.class);
                    assertThat(context.getBean(ConnectionPool.class).name()).isEqualTo("mine");
                });
    }

    @Test
    void userDefinedSettingsAreUsedByTheAutoConfiguredPool() {
        PoolSettings mine = PoolSettings.custom().maxPerEndpoint(2).build();
        runner.withBean(PoolSettings.class, () -> mine)
                .withPropertyValues("portkeeper.pool.max-per-endpoint=5")
                .run(context -> {
                    assertThat(context).hasSingleBean(PoolSettings.class);
                    assertThat(context.getBean(ConnectionPool.class).settings()).isSameAs(mine);
                });
    }

    @Test
    void disabledGivesNoPool() {
        runner.withPropertyValues("portkeeper.enabled=false").run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).doesNotHaveBean(ConnectionPool.class);
            assertThat(context).doesNotHaveBean(PoolSettings.class);
            assertThat(context).doesNotHaveBean(PortkeeperProperties.class);
        });
    }

    @Test
    void listenerBeansReceiveEventsInOrder() throws IOException {
        List<String> events = new CopyOnWriteArrayList<>();
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            Endpoint endpoint = Endpoint.of("127.0.0.1", server.getLocalPort());
            // Registered in the reverse of their order, so that the order must come from Ordered.
            runner.withBean("late", RecordingListener.class, () -> new RecordingListener("late", 2, events))
                    .withBean("early", RecordingListener.class, () -> new RecordingListener("early", 1, events))
                    .run(context -> {
                        try (PooledConnection connection = context.getBean(ConnectionPool.class).borrow(endpoint)) {
                            assertThat(connection).isNotNull();
                        }
                    });
            assertThat(events).startsWith("early opened " + endpoint, "late opened " + endpoint,
                    "early borrowed " + endpoint, "late borrowed " + endpoint);
        }
    }

    @Test
    void poolIsClosedWithTheContext() {
        AtomicReference<ConnectionPool> pool = new AtomicReference<>();
        runner.run(context -> {
            pool.set(context.getBean(ConnectionPool.class));
            assertThat(pool.get().isClosed()).isFalse();
        });
        assertThat(pool.get().isClosed()).isTrue();
    }

    @Test
    void metadataDocumentsTheProperties() throws IOException {
        Map<String, ConfigurationMetadataProperty> properties = metadataProperties();
        ConfigurationMetadataProperty maxPerEndpoint = properties.get("portkeeper.pool.max-per-endpoint");
        assertThat(maxPerEndpoint).isNotNull();
        assertThat(maxPerEndpoint.getType()).isEqualTo("java.lang.Integer");
        assertThat(maxPerEndpoint.getDescription()).startsWith("Maximum number of connections to one endpoint");
        assertThat(maxPerEndpoint.getDefaultValue()).isEqualTo(PoolSettings.DEFAULT_MAX_PER_ENDPOINT);
        assertThat(properties.get("portkeeper.enabled").getDescription())
                .isEqualTo("Whether to auto-configure a Portkeeper connection pool.");
        assertThat(properties.values()).allSatisfy(p -> assertThat(p.getDescription()).isNotBlank());
    }

    @Test
    void metadataDefaultsAreTheCoreDefaults() throws IOException {
        // The processor cannot read PoolSettings.DEFAULT_* from another class, so most defaults
        // are written out in additional-spring-configuration-metadata.json; binding each of them
        // must give exactly the core's defaults, or the documentation has drifted.
        List<ConfigurationMetadataProperty> settings = metadataProperties().values().stream()
                .filter(p -> p.getId().startsWith("portkeeper.pool.") || p.getId().startsWith("portkeeper.socket."))
                .toList();
        assertThat(settings).hasSize(19).allSatisfy(p -> assertThat(p.getDefaultValue()).isNotNull());
        String[] defaults = settings.stream().map(p -> p.getId() + "=" + p.getDefaultValue()).toArray(String[]::new);
        runner.withPropertyValues(defaults).run(context -> {
            ConnectionPool pool = context.getBean(ConnectionPool.class);
            assertThat(pool.settings()).hasToString(PoolSettings.ofDefaults().toString());
            assertThat(pool.socketPolicy()).hasToString(SocketPolicy.ofDefaults().toString());
        });
    }

    /** Reads the metadata this module's build generated, as an IDE would. */
    private static Map<String, ConfigurationMetadataProperty> metadataProperties() throws IOException {
        Path classes;
        try {
            classes = Path.of(PortkeeperProperties.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        Path file = classes.resolve("META-INF/spring-configuration-metadata.json");
        assertThat(file).exists();
        try (InputStream in = Files.newInputStream(file)) {
            return ConfigurationMetadataRepositoryJsonBuilder.create(in).build().getAllProperties();
        }
    }

    static final class RecordingListener implements PoolListener, Ordered {
        private final String tag;
        private final int order;
        private final List<String> events;

        RecordingListener(String tag, int order, List<String> events) {
            this.tag = tag;
            this.order = order;
            this.events = events;
        }

        @Override
        public int getOrder() {
            return order;
        }

        @Override
        public void connectionOpened(ConnectionInfo connection) {
            events.add(tag + " opened " + connection.endpoint());
        }

        @Override
        public void connectionBorrowed(ConnectionInfo connection, java.time.Duration waited) {
            events.add(tag + " borrowed " + connection.endpoint());
        }
    }
}
