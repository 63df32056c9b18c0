package dev.portkeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The close policy's builder checks, its defaults, and the shipped hooks' bytes. */
class ClosePolicyTest {

    @Test
    void theDefaultIsGracefulWithoutAHook() {
        ClosePolicy p = ClosePolicy.ofDefaults();
        assertThat(p.strategy()).isEqualTo(ClosePolicy.Strategy.GRACEFUL);
        assertThat(p.hook()).isEmpty();
        assertThat(p.peerCloseTimeout()).isEqualTo(Duration.ofMillis(200)).isEqualTo(ClosePolicy.DEFAULT_PEER_CLOSE_TIMEOUT);
        assertThat(ClosePolicy.graceful()).isSameAs(p);
        assertThat(ClosePolicy.abortWhenIdle().strategy()).isEqualTo(ClosePolicy.Strategy.ABORT_WHEN_IDLE);
    }

    @Test
    void peerFirstNeedsAHookAndSaysHowToGiveOne() {
        assertThatThrownBy(() -> ClosePolicy.custom().strategy(ClosePolicy.Strategy.PEER_FIRST).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("PEER_FIRST needs a hook")
                .hasMessageContaining("PeerCloseHook.memcached()");
        assertThatThrownBy(() -> ClosePolicy.peerFirst(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void aHookWithAnotherStrategyIsRefusedRatherThanIgnored() {
        assertThatThrownBy(() -> ClosePolicy.custom().hook(PeerCloseHook.redis()).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("hook redis is only used by strategy PEER_FIRST, but the strategy is GRACEFUL");
        ClosePolicy back = ClosePolicy.from(ClosePolicy.peerFirst(PeerCloseHook.redis()))
                .strategy(ClosePolicy.Strategy.GRACEFUL).hook(null).build();
        assertThat(back.hook()).isEmpty();
    }

    @Test
    void peerCloseTimeoutIsPositiveAndAtMostTenSeconds() {
        assertThatThrownBy(() -> ClosePolicy.custom().peerCloseTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("peerCloseTimeout must be greater than 0: PT0S");
        assertThatThrownBy(() -> ClosePolicy.custom().peerCloseTimeout(Duration.ofSeconds(11)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be at most 10 s");
        ClosePolicy p = ClosePolicy.custom().strategy(ClosePolicy.Strategy.PEER_FIRST).hook(PeerCloseHook.memcached())
                .peerCloseTimeout(Duration.ofSeconds(10)).build();
        assertThat(p.peerCloseTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(p.toString()).isEqualTo("ClosePolicy{PEER_FIRST, hook=memcached, peerCloseTimeout=10000 ms}");
        assertThat(ClosePolicy.from(p).build().hook()).contains(PeerCloseHook.memcached());
    }

    @Test
    void theShippedHooksWriteTheTextProtocolsQuit() throws IOException {
        assertThat(written(PeerCloseHook.memcached())).isEqualTo("quit\r\n");
        assertThat(written(PeerCloseHook.redis())).isEqualTo("QUIT\r\n");
        assertThat(PeerCloseHook.memcached().name()).isEqualTo("memcached");
        assertThat(PeerCloseHook.redis().name()).isEqualTo("redis");
        assertThat(PeerCloseHook.redis().maxReplyBytes()).isEqualTo(PeerCloseHook.DEFAULT_MAX_REPLY_BYTES);
        assertThat(PeerCloseHook.redis().toString()).contains("QUIT\\r\\n");
    }

    @Test
    void aCustomHookIsCheckedAndCopiesItsRequest() throws IOException {
        byte[] request = "bye\n".getBytes(StandardCharsets.US_ASCII);
        PeerCloseHook hook = PeerCloseHook.of("line", request, 0);
        request[0] = 'X';
        assertThat(written(hook)).isEqualTo("bye\n");
        assertThat(hook.maxReplyBytes()).isZero();
        assertThatThrownBy(() -> PeerCloseHook.of("empty", new byte[0], 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must not be empty");
        assertThatThrownBy(() -> PeerCloseHook.of("neg", request, -1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxReplyBytes of hook neg");
    }

    @Test
    void overridesApplyToTheirEndpointOnly() {
        Endpoint cache = Endpoint.of("127.0.0.1", 11211);
        Endpoint other = Endpoint.of("127.0.0.1", 80);
        ClosePolicy memcached = ClosePolicy.peerFirst(PeerCloseHook.memcached());
        try (ConnectionPool pool = ConnectionPool.builder().closePolicy(ClosePolicy.abortWhenIdle())
                .closePolicy(cache, memcached).build()) {
            assertThat(pool.closePolicy()).isSameAs(ClosePolicy.abortWhenIdle());
            assertThat(pool.closePolicy(cache)).isSameAs(memcached);
            assertThat(pool.closePolicy(other)).isSameAs(ClosePolicy.abortWhenIdle());
            assertThat(pool.closeStats().closed()).isZero();
        }
    }

    private static String written(PeerCloseHook hook) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        hook.requestClose(out);
        return out.toString(StandardCharsets.US_ASCII);
    }
}
