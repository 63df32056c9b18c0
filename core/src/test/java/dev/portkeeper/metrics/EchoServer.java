package dev.portkeeper.metrics;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A line echo server on 127.0.0.1 for the metrics and resilience tests: counts accepted
 * connections and can close them all, as a server with an idle timeout does.
 */
public final class EchoServer implements AutoCloseable {
    private final ServerSocket server;
    private final List<Socket> accepted = new CopyOnWriteArrayList<>();
    private final AtomicInteger acceptCount = new AtomicInteger();

    private EchoServer(int port) throws IOException {
        server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        Thread t = new Thread(this::acceptLoop, "echo-accept-" + server.getLocalPort());
        t.setDaemon(true);
        t.start();
    }

    /** @return a server on a free port */
    public static EchoServer start() throws IOException {
        return new EchoServer(0);
    }

    /** @param port the port to listen on @return a server on it */
    public static EchoServer start(int port) throws IOException {
        return new EchoServer(port);
    }

    public int port() {
        return server.getLocalPort();
    }

    public int accepted() {
        return acceptCount.get();
    }

    /** Closes every accepted connection (a FIN to each client), and keeps listening. */
    public void closeAll() {
        for (Socket s : accepted) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        accepted.clear();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                acceptCount.incrementAndGet();
                accepted.add(s);
                Thread t = new Thread(() -> echo(s), "echo-" + s.getPort());
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private static void echo(Socket s) {
        try (s; BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII))) {
            OutputStream out = s.getOutputStream();
            String line;
            while ((line = in.readLine()) != null) {
                out.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
        } catch (IOException e) {
            // the connection ended
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        closeAll();
    }
}
