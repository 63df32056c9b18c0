package dev.portkeeper;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A line server on 127.0.0.1 that misbehaves on purpose: each request line gets the answer its
 * {@link Fault} says, and connections left idle longer than the idle timeout are closed (with a
 * FIN, or a reset), as servers with a shorter keep-alive than the client's do.
 */
final class FaultServer implements AutoCloseable {

    /** What the server does with a request. */
    enum Fault {
        /** Echoes the line. */
        NONE,
        /** Sends half the answer, then resets the connection. */
        RESET_MID_RESPONSE,
        /** Sends half the answer, then closes (FIN). */
        CLOSE_MID_RESPONSE,
        /** Sends bytes that are no answer, then closes. */
        GARBAGE,
        /** Never answers, keeps the connection. */
        STALL
    }

    private final ServerSocket server;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fault-server");
        t.setDaemon(true);
        return t;
    });
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final AtomicInteger received = new AtomicInteger();
    private final AtomicInteger accepted = new AtomicInteger();
    private volatile Fault fault = Fault.NONE;
    private final int idleTimeoutMillis;
    private final boolean resetIdle;

    /**
     * @param port 0 for any
     * @param idleTimeoutMillis idle connections are closed after this, 0 for never
     * @param resetIdle whether idle connections are closed with a reset instead of a FIN
     */
    FaultServer(int port, int idleTimeoutMillis, boolean resetIdle) throws IOException {
        this.idleTimeoutMillis = idleTimeoutMillis;
        this.resetIdle = resetIdle;
        server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port), 512);
        threads.execute(this::acceptLoop);
    }

    Endpoint endpoint() {
        return Endpoint.of("127.0.0.1", server.getLocalPort());
    }

    int port() {
        return server.getLocalPort();
    }

    void fault(Fault value) {
        fault = value;
    }

    int received() {
        return received.get();
    }

    int accepted() {
        return accepted.get();
    }

    private void acceptLoop() {
        AcceptLoop.run(server, accepted, open, threads, this::serve);
    }

    private void serve(Socket s) {
        try {
            s.setSoTimeout(idleTimeoutMillis);
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            StringBuilder line = new StringBuilder();
            while (true) {
                int b;
                try {
                    b = in.read();
                } catch (SocketTimeoutException idle) {
                    if (line.length() == 0) {
                        if (resetIdle) {
                            s.setSoLinger(true, 0);
                        }
                        return; // idle too long: close it, as a short keep-alive does
                    }
                    continue;
                }
                if (b < 0) {
                    return;
                }
                if (b != '\n') {
                    line.append((char) b);
                    continue;
                }
                received.incrementAndGet();
                String answer = line + "\n";
                line.setLength(0);
                switch (fault) {
                    case RESET_MID_RESPONSE -> {
                        out.write(answer.substring(0, answer.length() / 2).getBytes(StandardCharsets.UTF_8));
                        out.flush();
                        s.setSoLinger(true, 0);
                        return;
                    }
                    case CLOSE_MID_RESPONSE -> {
                        out.write(answer.substring(0, answer.length() / 2).getBytes(StandardCharsets.UTF_8));
                        return;
                    }
                    case GARBAGE -> {
                        out.write(new byte[] {(byte) 0xff, 0x00, 0x7f, (byte) 0x80, 'x'});
                        return;
                    }
                    case STALL -> {
                        // never answer; keep reading (and so never close) until the client gives up
                    }
                    default -> out.write(answer.getBytes(StandardCharsets.UTF_8));
                }
            }
        } catch (IOException e) {
            // the client went away
        } finally {
            open.remove(s);
            try {
                s.close();
            } catch (IOException ignored) {
                // closing is best effort
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : open) {
            s.close();
        }
        threads.shutdownNow();
    }
}
