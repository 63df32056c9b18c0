package dev.portkeeper;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import jdk.net.ExtendedSocketOptions;
import org.junit.jupiter.api.Test;

/** The policy lands on the real socket: read back with getOption. */
class EndpointOpenerTest {

    @Test
    void everyOptionOfThePolicyIsSetOnTheSocket() throws Exception {
        SocketPolicy policy = SocketPolicy.custom().tcpNoDelay(true).keepAlive(true)
                .keepAliveIdle(Duration.ofSeconds(7)).keepAliveInterval(Duration.ofSeconds(3)).keepAliveCount(4)
                .readTimeout(Duration.ofMillis(1234)).receiveBufferSize(65536).sendBufferSize(32768).build();
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
                SocketChannel ch = new EndpointOpener(policy).open(Endpoint.of("127.0.0.1", server.getLocalPort()), 5_000)) {
            assertThat(ch.isBlocking()).isTrue();
            assertThat(ch.isConnected()).isTrue();
            assertThat(ch.getOption(StandardSocketOptions.TCP_NODELAY)).isTrue();
            assertThat(ch.getOption(StandardSocketOptions.SO_KEEPALIVE)).isTrue();
            assertThat(ch.getOption(ExtendedSocketOptions.TCP_KEEPIDLE)).isEqualTo(7);
            assertThat(ch.getOption(ExtendedSocketOptions.TCP_KEEPINTERVAL)).isEqualTo(3);
            assertThat(ch.getOption(ExtendedSocketOptions.TCP_KEEPCOUNT)).isEqualTo(4);
            // Linux doubles the value asked for, to leave room for its bookkeeping.
            assertThat(ch.getOption(StandardSocketOptions.SO_RCVBUF)).isGreaterThanOrEqualTo(65536);
            assertThat(ch.getOption(StandardSocketOptions.SO_SNDBUF)).isGreaterThanOrEqualTo(32768);
            assertThat(ch.socket().getSoTimeout()).as("the read timeout is the pool's watchdog's, not SO_TIMEOUT")
                    .isZero();
            assertThat(((InetSocketAddress) ch.getRemoteAddress()).getPort()).isEqualTo(server.getLocalPort());
        }
    }

    @Test
    void aLocalAddressIsBoundBeforeConnect() throws Exception {
        InetAddress source = InetAddress.getByName("127.0.0.2");
        SocketPolicy policy = SocketPolicy.custom().localAddress(source).build();
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
                SocketChannel ch = new EndpointOpener(policy).open(Endpoint.of("127.0.0.1", server.getLocalPort()), 5_000)) {
            assertThat(((InetSocketAddress) ch.getLocalAddress()).getAddress()).isEqualTo(source);
            assertThat(((InetSocketAddress) ch.getLocalAddress()).getPort()).isPositive();
        }
    }

    @Test
    void optionsCanBeTurnedOff() throws Exception {
        SocketPolicy policy = SocketPolicy.custom().tcpNoDelay(false).keepAlive(false).build();
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
                SocketChannel ch = new EndpointOpener(policy).open(Endpoint.of("127.0.0.1", server.getLocalPort()), 5_000)) {
            assertThat(ch.getOption(StandardSocketOptions.TCP_NODELAY)).isFalse();
            assertThat(ch.getOption(StandardSocketOptions.SO_KEEPALIVE)).isFalse();
        }
    }
}
