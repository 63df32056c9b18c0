package dev.portkeeper.spring;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.context.properties.bind.validation.BindValidationException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Configuration;

/** An invalid value stops startup, and Boot's failure report names the property, the value and the rule. */
@ExtendWith(OutputCaptureExtension.class)
class InvalidPropertiesTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PortkeeperAutoConfiguration.class));

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "portkeeper.pool.max-per-endpoint|0|maxPerEndpoint must be greater than 0: 0",
        "portkeeper.pool.max-per-endpoint|100|maxPerEndpoint (100) must not exceed maxTotal (64)",
        "portkeeper.pool.lifetime-jitter|1.5|lifetimeJitter must be at least 0 and below 1: 1.5",
        "portkeeper.pool.acquire-timeout|-1s|acquireTimeout must not be negative: PT-1S",
        "portkeeper.socket.keep-alive-count|0|keepAliveCount must be between 1 and 127: 0",
        "portkeeper.socket.write-timeout|-5ms|writeTimeout must not be negative",
        "portkeeper.socket.local-address|192.0.2.77|localAddress must be an address of one of this host's interfaces",
        "portkeeper.close.strategy|peer-first|strategy PEER_FIRST needs a hook",
        "portkeeper.close.peer-close-timeout|11s|peerCloseTimeout must be at most 10 s",
        "portkeeper.close.endpoints[0].endpoint|cache.internal|endpoint must be host:port",
        "portkeeper.monitor.warn-ratio|0.9|warnRatio (0.9) must be below criticalRatio (0.85)",
        "portkeeper.monitor.sample-interval|1ms|sampleInterval must be between 10 ms and 1 h",
        "portkeeper.health.max-destinations|-1|maxDestinations must not be negative",
        "portkeeper.health.down-at|ok|downAt must be WARN, CRITICAL or EXHAUSTED"
    })
    void anInvalidValueFailsStartupNamingTheProperty(String property, String value, String rule) {
        runner.withPropertyValues(property + "=" + value).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().isInstanceOf(BindValidationException.class)
                    .hasMessageContaining("Binding validation errors on " + property.substring(0, property.lastIndexOf('.')))
                    .hasMessageContaining("on field '" + field(property) + "'")
                    .hasMessageContaining(rule);
        });
    }

    @Test
    void aHookWithAnotherStrategyNamesTheHook() {
        runner.withPropertyValues("portkeeper.close.hook=redis").run(context -> {
            assertThat(context.getStartupFailure()).rootCause().isInstanceOf(BindValidationException.class)
                    .hasMessageContaining("on field 'hook'")
                    .hasMessageContaining("hook redis is only used by strategy PEER_FIRST");
        });
    }

    @Test
    void theFailureReportIsBootsFewLines(CapturedOutput output) {
        SpringApplication application = new SpringApplication(App.class);
        application.setWebApplicationType(WebApplicationType.NONE);
        try {
            application.run("--spring.config.location=classpath:invalid/application.yml", "--spring.main.banner-mode=off");
        } catch (RuntimeException expected) {
            // The report is what a user reads.
        }
        String out = output.getAll();
        String report = out.substring(out.indexOf("APPLICATION FAILED TO START"));
        assertThat(report).contains("Invalid Portkeeper configuration:", "Property: portkeeper.pool.max-per-endpoint",
                "Value: \"0\"", "Origin: class path resource [invalid/application.yml] - 3:23",
                "Rule: maxPerEndpoint must be greater than 0: 0", "Action:",
                "Change portkeeper.pool.max-per-endpoint so that it follows the rule above.");
        assertThat(report.lines().count()).isLessThan(25);
        assertThat(report).doesNotContain("\tat ");
    }

    /** portkeeper.pool.max-per-endpoint to maxPerEndpoint. */
    private static String field(String property) {
        String last = property.substring(property.lastIndexOf('.') + 1);
        StringBuilder out = new StringBuilder();
        for (String part : last.split("-")) {
            out.append(out.length() == 0 ? part : Character.toUpperCase(part.charAt(0)) + part.substring(1));
        }
        return out.toString();
    }

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration(PortkeeperAutoConfiguration.class)
    static class App {
    }
}
