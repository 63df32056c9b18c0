package dev.portkeeper.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The benchmarks' server on 127.0.0.1: a thread per connection that answers each fixed-size
 * message with itself, until the client closes (so the client closes first and keeps the
 * TIME_WAIT, as with most servers).
 */
final class EchoServer implements AutoCloseable {
    private final ServerSocket server;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "echo-server");
        t.setDaemon(true);
        return t;
    });
    private final int messageSize;

    EchoServer(int messageSize) throws IOException {
        this.messageSize = messageSize;
        this.server = new ServerSocket(0, 4096, InetAddress.getLoopbackAddress());
        threads.execute(this::acceptLoop);
    }

    InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                s.setTcpNoDelay(true);
                try {
                    threads.execute(() -> echo(s));
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    s.close(); // closing: no thread will echo it
                    return;
                }
            } catch (IOException e) {
                return;
            }
        }
    }

    private void echo(Socket s) {
        byte[] buffer = new byte[messageSize];
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            while (Messages.readFully(in, buffer) == messageSize) {
                out.write(buffer);
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        threads.shutdownNow();
    }
}
