package dev.portkeeper.httpclient5;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small HTTP/1.1 keep-alive server that counts what it received per {@code X-Request-Id}
 * (a request counts once its head and body are read), in a map that outlives it, so that a
 * restarted server on the same port adds to the same books. It can stop answering (requests are
 * still read and counted) so that a test knows requests are in flight when it restarts.
 */
final class CountingHttpServer implements AutoCloseable {
    static final String ID = "X-Request-Id";

    private final Map<String, AtomicInteger> received;
    private final ServerSocket listener;
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "counting-http-server");
        t.setDaemon(true);
        return t;
    });
    private final AtomicInteger swallowed = new AtomicInteger();
    private final java.util.concurrent.CountDownLatch acceptLoopDone = new java.util.concurrent.CountDownLatch(1);
    private volatile boolean answering = true;

    private CountingHttpServer(Map<String, AtomicInteger> received, int port) throws IOException {
        this.received = received;
        listener = new ServerSocket();
        try {
            listener.setReuseAddress(true); // the restarted server binds while the old one's connections live
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
        } catch (IOException e) {
            listener.close();
            threads.shutdownNow();
            throw e;
        }
        threads.execute(this::acceptLoop);
    }

    /** @param port 0 for any */
    static CountingHttpServer start(Map<String, AtomicInteger> received, int port) throws IOException {
        return new CountingHttpServer(received, port);
    }

    int port() {
        return listener.getLocalPort();
    }

    /** From now on requests are read and counted, never answered. */
    void stopAnswering() {
        answering = false;
    }

    /** @return requests read since {@link #stopAnswering()}, left without an answer */
    int swallowed() {
        return swallowed.get();
    }

    /**
     * Stops accepting: connects are refused until a server listens on the port again. Returns once
     * the accepting thread has left {@code accept()}: until then the kernel keeps the listening
     * socket (the blocked call holds it) and a new server's bind on the port fails.
     */
    void closeListener() throws IOException {
        listener.close();
        try {
            if (!acceptLoopDone.await(10, TimeUnit.SECONDS)) {
                throw new IOException("the accept loop did not stop within 10 s of closing the listener");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while the listener closed");
        }
    }

    /** Closes every connection (FIN), as a process that exits does, and stops its threads. */
    @Override
    public void close() throws IOException {
        listener.close();
        for (Socket s : connections) {
            s.close();
        }
        threads.shutdownNow();
        try {
            threads.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void acceptLoop() {
        try {
            while (!listener.isClosed()) {
                Socket s = listener.accept();
                connections.add(s);
                try {
                    threads.execute(() -> serve(s));
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    s.close(); // the server is closing: no thread will serve it
                    return;
                }
            }
        } catch (IOException e) {
            // closed
        } finally {
            acceptLoopDone.countDown();
        }
    }

    private void serve(Socket s) {
        try (s; InputStream in = new BufferedInputStream(s.getInputStream()); OutputStream out = s.getOutputStream()) {
            while (true) {
                String id = null;
                long length = 0;
                String line = line(in);
                if (line == null) {
                    return;
                }
                while (!(line = line(in)).isEmpty()) {
                    int colon = line.indexOf(':');
                    String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                    String value = line.substring(colon + 1).trim();
                    if (name.equals("x-request-id")) {
                        id = value;
                    } else if (name.equals("content-length")) {
                        length = Long.parseLong(value);
                    }
                }
                in.skipNBytes(length);
                if (id != null) {
                    received.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
                }
                if (!answering) {
                    swallowed.incrementAndGet();
                    in.read(); // until the connection is closed
                    return;
                }
                byte[] body = ("ok " + id).getBytes(StandardCharsets.US_ASCII);
                out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.write(body);
                out.flush();
            }
        } catch (IOException | RuntimeException e) {
            // the peer went away, or the server is closing: nothing to answer
        } finally {
            connections.remove(s);
        }
    }

    /** A CRLF-terminated line without its CRLF; null at end of stream before any byte. */
    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream(64);
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                String text = buf.toString(StandardCharsets.ISO_8859_1);
                return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
            }
            buf.write(c);
        }
        if (buf.size() == 0) {
            return null;
        }
        throw new IOException("end of stream inside a line");
    }
}
