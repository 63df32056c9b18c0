package dev.portkeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The settings' defaults and the builders' checks, whose messages name the setting and the value. */
class SettingsTest {

    @Test
    void poolDefaultsAreTheDocumentedOnes() {
        PoolSettings s = PoolSettings.ofDefaults();
        assertThat(s.maxPerEndpoint()).isEqualTo(8);
        assertThat(s.maxTotal()).isEqualTo(64);
        assertThat(s.minIdlePerEndpoint()).isZero();
        assertThat(s.acquireTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(s.maxWaiters()).isEqualTo(256);
        assertThat(s.maxLifetime()).isEqualTo(Duration.ofMinutes(30));
        assertThat(s.lifetimeJitter()).isEqualTo(0.1);
        assertThat(s.idleTimeout()).isEqualTo(Duration.ofMinutes(5));
        assertThat(s.evictionInterval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(s.leakDetectionThreshold()).isZero();
    }

    @Test
    void poolSettersRejectBadValuesAtOnce() {
        assertThatThrownBy(() -> PoolSettings.custom().maxPerEndpoint(0))
                .hasMessage("maxPerEndpoint must be greater than 0: 0");
        assertThatThrownBy(() -> PoolSettings.custom().maxTotal(-1)).hasMessage("maxTotal must be greater than 0: -1");
        assertThatThrownBy(() -> PoolSettings.custom().acquireTimeout(Duration.ofMillis(-1)))
                .hasMessage("acquireTimeout must not be negative: PT-0.001S");
        assertThatThrownBy(() -> PoolSettings.custom().evictionInterval(Duration.ZERO))
                .hasMessage("evictionInterval must be greater than 0: PT0S");
        assertThatThrownBy(() -> PoolSettings.custom().lifetimeJitter(1.0))
                .hasMessage("lifetimeJitter must be at least 0 and below 1: 1.0");
        assertThatThrownBy(() -> PoolSettings.custom().lifetimeJitter(Double.NaN))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PoolSettings.custom().maxLifetime(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("maxLifetime");
    }

    @Test
    void poolBuildChecksSettingsAgainstEachOther() {
        assertThatThrownBy(() -> PoolSettings.custom().maxPerEndpoint(10).maxTotal(5).build())
                .hasMessage("maxPerEndpoint (10) must not exceed maxTotal (5)");
        assertThatThrownBy(() -> PoolSettings.custom().maxPerEndpoint(2).minIdlePerEndpoint(3).build())
                .hasMessage("minIdlePerEndpoint (3) must not exceed maxPerEndpoint (2)");
    }

    @Test
    void fromCopiesEverySetting() {
        PoolSettings base = PoolSettings.custom().maxPerEndpoint(3).maxTotal(7).minIdlePerEndpoint(1)
                .acquireTimeout(Duration.ofSeconds(2)).maxWaiters(9).maxLifetime(Duration.ofMinutes(3))
                .lifetimeJitter(0.2).idleTimeout(Duration.ofSeconds(40)).evictionInterval(Duration.ofSeconds(2))
                .leakDetectionThreshold(Duration.ofSeconds(20)).build();
        assertThat(PoolSettings.from(base).build()).hasToString(base.toString());
        SocketPolicy policy = SocketPolicy.custom().connectTimeout(Duration.ofSeconds(1)).readTimeout(Duration.ZERO)
                .tcpNoDelay(false).keepAlive(false).keepAliveIdle(Duration.ofSeconds(5))
                .keepAliveInterval(Duration.ofSeconds(2)).keepAliveCount(3).sendBufferSize(65536)
                .receiveBufferSize(131072).build();
        assertThat(SocketPolicy.from(policy).build()).hasToString(policy.toString());
    }

    @Test
    void socketPolicyDefaultsDetectAHalfOpenPeerInMinutes() {
        SocketPolicy p = SocketPolicy.ofDefaults();
        assertThat(p.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(p.readTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(p.tcpNoDelay()).isTrue();
        assertThat(p.keepAlive()).isTrue();
        assertThat(p.keepAliveDetectionTime()).isEqualTo(Duration.ofMinutes(2));
        assertThat(p.sendBufferSize()).isZero();
        assertThat(p.receiveBufferSize()).isZero();
    }

    @Test
    void socketPolicySettersRejectBadValuesAtOnce() {
        assertThatThrownBy(() -> SocketPolicy.custom().connectTimeout(Duration.ZERO))
                .hasMessage("connectTimeout must be greater than 0: PT0S");
        assertThatThrownBy(() -> SocketPolicy.custom().keepAliveIdle(Duration.ofMillis(500)))
                .hasMessageStartingWith("keepAliveIdle must be at least 1 s");
        assertThatThrownBy(() -> SocketPolicy.custom().keepAliveCount(128))
                .hasMessage("keepAliveCount must be between 1 and 127: 128");
        assertThatThrownBy(() -> SocketPolicy.custom().readTimeout(Duration.ofDays(30)))
                .hasMessageStartingWith("readTimeout must be at most 2147483647 ms");
        assertThat(SocketPolicy.custom().keepAliveIdle(Duration.ofMillis(2500)).build().keepAliveIdle())
                .isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void endpointsCompareByHostAndPort() {
        assertThat(Endpoint.of("Cache.Internal", 11211)).isEqualTo(Endpoint.of("cache.internal", 11211))
                .hasToString("cache.internal:11211");
        assertThat(Endpoint.of("[::1]", 8080)).isEqualTo(Endpoint.of("::1", 8080)).hasToString("[::1]:8080");
        assertThat(Endpoint.of("a", 1)).isNotEqualTo(Endpoint.of("a", 2));
        assertThatThrownBy(() -> Endpoint.of(" ", 80)).hasMessage("host must not be blank: ' '");
        assertThatThrownBy(() -> Endpoint.of("a", 0)).hasMessage("port must be between 1 and 65535: 0");
    }

    @Test
    void valuesThePoolCouldNotUseAreRejectedAtBuildNamingTheFieldAndTheRange() {
        Duration forever = Duration.ofSeconds(Long.MAX_VALUE);
        assertThatThrownBy(() -> PoolSettings.custom().maxLifetime(forever))
                .hasMessageStartingWith("maxLifetime must be at most 365 days");
        assertThatThrownBy(() -> PoolSettings.custom().idleTimeout(forever))
                .hasMessageStartingWith("idleTimeout must be at most 365 days");
        assertThatThrownBy(() -> PoolSettings.custom().evictionInterval(forever))
                .hasMessageStartingWith("evictionInterval must be at most 1 day");
        assertThatThrownBy(() -> PoolSettings.custom().leakDetectionThreshold(forever))
                .hasMessageStartingWith("leakDetectionThreshold must be at most 365 days");
        assertThatThrownBy(() -> PoolSettings.custom().acquireTimeout(Duration.ofDays(365L * 300)))
                .hasMessageStartingWith("acquireTimeout must be at most 1 day");
        assertThatThrownBy(() -> PoolSettings.custom().evictionInterval(Duration.ofNanos(999_999)))
                .hasMessageStartingWith("evictionInterval must be at least 1 ms");
        assertThatThrownBy(() -> PoolSettings.custom().maxTotal(1_000_001))
                .hasMessage("maxTotal must be at most 1000000: 1000001");
        assertThat(PoolSettings.custom().maxLifetime(Duration.ofDays(365)).idleTimeout(Duration.ofDays(365))
                .evictionInterval(Duration.ofMillis(1)).acquireTimeout(Duration.ofDays(1)).build()).isNotNull();

        assertThatThrownBy(() -> SocketPolicy.custom().keepAliveIdle(Duration.ofSeconds(32_768)))
                .hasMessageStartingWith("keepAliveIdle must be at most 32767 s");
        assertThatThrownBy(() -> SocketPolicy.custom().keepAliveInterval(Duration.ofSeconds(40_000)))
                .hasMessageStartingWith("keepAliveInterval must be at most 32767 s");
        assertThat(SocketPolicy.custom().keepAliveIdle(Duration.ofSeconds(32_767)).build().keepAliveIdle())
                .isEqualTo(Duration.ofSeconds(32_767));
        assertThatThrownBy(() -> SocketPolicy.custom().connectTimeout(Duration.ofNanos(500_000)))
                .hasMessageStartingWith("connectTimeout must be 0 or at least 1 ms");
        assertThatThrownBy(() -> SocketPolicy.custom().readTimeout(Duration.ofNanos(1)))
                .hasMessageStartingWith("readTimeout must be 0 or at least 1 ms");
        assertThatThrownBy(() -> SocketPolicy.custom().writeTimeout(Duration.ofNanos(1)))
                .hasMessageStartingWith("writeTimeout must be 0 or at least 1 ms");
    }

    @Test
    void endpointsValidateTheirHostSyntax() {
        assertThatThrownBy(() -> Endpoint.of("[", 80)).hasMessageContaining("'['");
        assertThatThrownBy(() -> Endpoint.of("a b", 80)).hasMessageContaining("not a valid host name");
        assertThatThrownBy(() -> Endpoint.of("host:8080", 80)).hasMessageContaining("give the port separately");
        assertThatThrownBy(() -> Endpoint.of("a\u0000b", 80)).hasMessageContaining("a\\u0000b");
        assertThatThrownBy(() -> Endpoint.of("-leading", 80)).hasMessageContaining("not a valid host name");
        assertThatThrownBy(() -> Endpoint.of("x".repeat(64) + ".example", 80)).hasMessageContaining("63");
        assertThat(Endpoint.of("[::1]", 80)).hasToString("[::1]:80");
        assertThat(Endpoint.of("::ffff:127.0.0.1", 80).host()).isEqualTo("::ffff:127.0.0.1");
        assertThat(Endpoint.of("fe80::1%eth0", 80).host()).isEqualTo("fe80::1%eth0");
        assertThat(Endpoint.of("Cache-1.internal_zone.example.", 11211).host()).isEqualTo("cache-1.internal_zone.example.");
        assertThat(Endpoint.of("10.0.0.1", 80).host()).isEqualTo("10.0.0.1");
    }
}
