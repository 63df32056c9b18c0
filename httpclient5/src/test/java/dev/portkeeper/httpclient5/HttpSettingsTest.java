package dev.portkeeper.httpclient5;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.hc.client5.http.impl.DefaultHttpRequestRetryStrategy;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The one number the HttpClient 5 integration takes itself, {@link PortkeeperRetryStrategy}'s
 * {@code maxRetries} (the connection manager's builder takes only objects; timeouts and limits are
 * the pool's, checked by {@code SettingsTest} in core): refused below 0 with its name and range.
 */
class HttpSettingsTest {

    @ParameterizedTest
    @ValueSource(ints = {-1, Integer.MIN_VALUE})
    void negativeMaxRetriesAreRefused(int value) {
        assertThatThrownBy(() -> new PortkeeperRetryStrategy(DefaultHttpRequestRetryStrategy.INSTANCE, value))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxRetries must not be negative: " + value);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, Integer.MAX_VALUE})
    void zeroAndUpAreAccepted(int value) {
        assertThatCode(() -> new PortkeeperRetryStrategy(DefaultHttpRequestRetryStrategy.INSTANCE, value))
                .doesNotThrowAnyException();
    }

    @org.junit.jupiter.api.Test
    void aNullDelegateIsRefusedByName() {
        assertThatThrownBy(() -> new PortkeeperRetryStrategy(null, 1)).isInstanceOf(NullPointerException.class)
                .hasMessage("delegate");
    }
}
