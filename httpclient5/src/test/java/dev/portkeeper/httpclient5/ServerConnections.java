package dev.portkeeper.httpclient5;

import com.github.tomakehurst.wiremock.http.trafficlistener.WiremockNetworkTrafficListener;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * WireMock's side of the connections: how many it accepted and closed, and what it wrote. Public
 * for the starter's tests, which get it through this module's test-jar.
 */
public final class ServerConnections implements WiremockNetworkTrafficListener {
    public final AtomicInteger opened = new AtomicInteger();
    public final AtomicInteger closed = new AtomicInteger();
    private final StringBuffer outgoing = new StringBuffer();

    @Override
    public void opened(Socket socket) {
        opened.incrementAndGet();
    }

    @Override
    public void incoming(Socket socket, ByteBuffer bytes) {
    }

    @Override
    public void outgoing(Socket socket, ByteBuffer bytes) {
        outgoing.append(StandardCharsets.ISO_8859_1.decode(bytes.duplicate()));
    }

    @Override
    public void closed(Socket socket) {
        closed.incrementAndGet();
    }

    public String outgoing() {
        return outgoing.toString();
    }
}
