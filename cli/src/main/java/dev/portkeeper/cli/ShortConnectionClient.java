package dev.portkeeper.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * The demo's short connections: one connection per request, closed by this side first, so each
 * leaves a TIME_WAIT here holding its local port for 60 s. When no port is left, connect()
 * fails with {@code java.net.BindException: Cannot assign requested address} (EADDRNOTAVAIL).
 *
 * <p>This is the one place the demo opens a short connection: when portkeeper-core offers a
 * short-connection path that turns EADDRNOTAVAIL into its {@code PortExhaustedException}
 * (naming the destination, the range and its use), the demo's short phase goes through it here.
 */
final class ShortConnectionClient implements DemoRequests.Request {
    private static final int TIMEOUT_MILLIS = 5_000;

    private final InetSocketAddress server;

    ShortConnectionClient(InetSocketAddress server) {
        this.server = server;
    }

    @Override
    public void run() throws IOException {
        try (Socket s = new Socket()) {
            s.connect(server, TIMEOUT_MILLIS);
            s.setSoTimeout(TIMEOUT_MILLIS);
            DemoRequests.exchange(s.getInputStream(), s.getOutputStream());
        }
    }
}
