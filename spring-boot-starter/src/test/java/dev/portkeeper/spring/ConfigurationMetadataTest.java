package dev.portkeeper.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portkeeper.ClosePolicy;
import dev.portkeeper.ConnectionPool;
import dev.portkeeper.PoolSettings;
import dev.portkeeper.SocketPolicy;
import dev.portkeeper.budget.BudgetSettings;
import dev.portkeeper.budget.PortBudgetMonitor;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.configurationmetadata.ConfigurationMetadataProperty;
import org.springframework.boot.configurationmetadata.ConfigurationMetadataRepository;
import org.springframework.boot.configurationmetadata.ConfigurationMetadataRepositoryJsonBuilder;
import org.springframework.boot.configurationmetadata.ValueHint;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The metadata the configuration processor generated, read as an IDE reads it. */
class ConfigurationMetadataTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PortkeeperAutoConfiguration.class));

    @Test
    void everyPropertyIsDocumented() throws IOException {
        Map<String, ConfigurationMetadataProperty> properties = metadata().getAllProperties();
        ConfigurationMetadataProperty maxPerEndpoint = properties.get("portkeeper.pool.max-per-endpoint");
        assertThat(maxPerEndpoint.getType()).isEqualTo("java.lang.Integer");
        assertThat(maxPerEndpoint.getDescription()).startsWith("Maximum number of connections to one endpoint");
        assertThat(maxPerEndpoint.getDefaultValue()).isEqualTo(PoolSettings.DEFAULT_MAX_PER_ENDPOINT);
        assertThat(properties.get("portkeeper.enabled").getDescription()).startsWith("Whether to auto-configure");
        assertThat(properties).containsKeys("portkeeper.socket.write-timeout", "portkeeper.socket.local-address",
                "portkeeper.pool.churn-guard", "portkeeper.close.strategy", "portkeeper.close.hook",
                "portkeeper.close.endpoints", "portkeeper.monitor.sample-interval", "portkeeper.monitor.warn-ratio",
                "portkeeper.http.enabled", "portkeeper.health.down-at", "management.health.portkeeper.enabled");
        assertThat(properties.values()).allSatisfy(p -> assertThat(p.getDescription()).as(p.getId()).isNotBlank());
        assertThat(properties.get("portkeeper.socket.read-timeout").getType()).isEqualTo("java.time.Duration");
    }

    @Test
    void enumsHaveHints() throws IOException {
        Map<String, ConfigurationMetadataProperty> properties = metadata().getAllProperties();
        assertThat(values(properties.get("portkeeper.pool.churn-guard").getHints().getValueHints()))
                .containsExactly("on", "log-only", "off");
        assertThat(values(properties.get("portkeeper.close.strategy").getHints().getValueHints()))
                .containsExactly("graceful", "peer-first", "abort-when-idle");
        assertThat(values(properties.get("portkeeper.close.hook").getHints().getValueHints()))
                .containsExactly("memcached", "redis");
        assertThat(values(properties.get("portkeeper.health.down-at").getHints().getValueHints()))
                .containsExactly("warn", "critical", "exhausted");
    }

    @Test
    void theDocumentedDefaultsAreTheCoreDefaults() throws IOException {
        // The processor cannot read the core's DEFAULT_* constants, so the defaults are written out
        // in additional-spring-configuration-metadata.json; binding each of them must give exactly
        // the core's defaults, or the documentation has drifted.
        List<ConfigurationMetadataProperty> documented = metadata().getAllProperties().values().stream()
                .filter(p -> p.getId().startsWith("portkeeper.") && p.getDefaultValue() != null)
                .filter(p -> !(p.getDefaultValue() instanceof Object[]))
                .toList();
        assertThat(documented).hasSizeGreaterThan(35);
        String[] defaults = documented.stream().map(p -> p.getId() + "=" + p.getDefaultValue()).toArray(String[]::new);
        runner.withPropertyValues(defaults).run(context -> {
            assertThat(context).hasNotFailed();
            ConnectionPool pool = context.getBean(ConnectionPool.class);
            assertThat(pool.settings()).isEqualTo(PoolSettings.ofDefaults());
            assertThat(pool.socketPolicy()).isEqualTo(SocketPolicy.ofDefaults());
            assertThat(pool.closePolicy()).isEqualTo(ClosePolicy.ofDefaults());
            assertThat(context.getBean(PortBudgetMonitor.class).settings())
                    .hasToString(BudgetSettings.ofDefaults().toString());
        });
    }

    private static List<Object> values(List<ValueHint> hints) {
        return hints.stream().map(ValueHint::getValue).toList();
    }

    private static ConfigurationMetadataRepository metadata() throws IOException {
        Path classes;
        try {
            classes = Path.of(PortkeeperProperties.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        Path file = classes.resolve("META-INF/spring-configuration-metadata.json");
        assertThat(file).exists();
        try (InputStream in = Files.newInputStream(file)) {
            return ConfigurationMetadataRepositoryJsonBuilder.create(in).build();
        }
    }
}
