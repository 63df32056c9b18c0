package dev.portkeeper.cli;

import dev.portkeeper.Endpoint;
import dev.portkeeper.SocketPolicy;
import dev.portkeeper.net.SocketConnector;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.time.Duration;

/**
 * The demo's short connections: one connection per request, closed by this side first, so each
 * leaves a TIME_WAIT here holding its local port for 60 s. They are opened by the library's
 * {@link SocketConnector}, so when no port is left the failure is its
 * {@code PortExhaustedException}, naming the destination, the range and its use, rather than the
 * JDK's bare {@code java.net.BindException: Cannot assign requested address}.
 */
final class ShortConnectionClient implements DemoRequests.Request {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final Endpoint server;
    private final SocketConnector connector = new SocketConnector(
            SocketPolicy.custom().connectTimeout(TIMEOUT).readTimeout(TIMEOUT).build());

    ShortConnectionClient(InetSocketAddress server) {
        this.server = Endpoint.of(server);
    }

    @Override
    public void run() throws IOException {
        try (SocketChannel channel = connector.connect(server)) {
            Socket s = channel.socket();
            DemoRequests.exchange(s.getInputStream(), s.getOutputStream());
        }
    }
}
