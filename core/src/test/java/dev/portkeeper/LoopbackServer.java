package dev.portkeeper;

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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A line-oriented test server on 127.0.0.1: each line received is answered by
 * {@link Behaviour#answer(String)}. Counts accepted connections and can close them all, as a
 * server with an idle timeout would. Remembers the lines it received and how each connection
 * ended: an end of stream (the client's FIN) or a reset.
 */
final class LoopbackServer implements AutoCloseable {

    /** What the server answers to one request line; null closes the connection. */
    interface Behaviour {
        String answer(String line);

        /** @return whether to close the connection after sending the answer */
        default boolean closeAfter(String line) {
            return false;
        }
    }

    static final Behaviour ECHO = line -> line + "\n";

    /** Answers {@code trigger} with {@code answer} and then closes, as Redis does QUIT; otherwise echoes. */
    static Behaviour answerThenClose(String trigger, String answer) {
        return new Behaviour() {
            @Override
            public String answer(String line) {
                return line.equals(trigger) ? answer : line + "\n";
            }

            @Override
            public boolean closeAfter(String line) {
                return line.equals(trigger);
            }
        };
    }

    private final ServerSocket server;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "loopback-server");
        t.setDaemon(true);
        return t;
    });
    private final List<Socket> accepted = new CopyOnWriteArrayList<>();
    private final AtomicInteger acceptCount = new AtomicInteger();
    private final AtomicInteger resets = new AtomicInteger();
    private final AtomicInteger endsOfStream = new AtomicInteger();
    private final List<String> received = new CopyOnWriteArrayList<>();
    private volatile Behaviour behaviour;
    private volatile boolean silent;
    private final java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);

    private LoopbackServer(Behaviour behaviour, int port) throws IOException {
        this.behaviour = behaviour;
        this.server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 512);
        threads.execute(this::acceptLoop);
    }

    static LoopbackServer start(Behaviour behaviour) throws IOException {
        return new LoopbackServer(behaviour, 0);
    }

    /** On a fixed port: for a namespace whose narrow ephemeral range must hold client ports only. */
    static LoopbackServer start(Behaviour behaviour, int port) throws IOException {
        return new LoopbackServer(behaviour, port);
    }

    static LoopbackServer echo() throws IOException {
        return start(ECHO);
    }

    /** Accepts and then neither reads nor writes: a peer that never reads, or never answers. */
    static LoopbackServer silent() throws IOException {
        LoopbackServer s = new LoopbackServer(ECHO, 0);
        s.silent = true;
        return s;
    }

    Endpoint endpoint() {
        return Endpoint.of("127.0.0.1", server.getLocalPort());
    }

    int port() {
        return server.getLocalPort();
    }

    int accepted() {
        return acceptCount.get();
    }

    /** @return connections whose read failed with "Connection reset" */
    int resetsSeen() {
        return resets.get();
    }

    /** @return connections that ended with the client's FIN (a read saw the end of stream) */
    int endsOfStreamSeen() {
        return endsOfStream.get();
    }

    /** @return how many of the lines received were exactly {@code line} */
    long receivedCount(String line) {
        return received.stream().filter(line::equals).count();
    }

    void behaviour(Behaviour value) {
        behaviour = value;
    }

    /** Closes every accepted connection from the server side (a FIN to the client). */
    void closeAccepted() throws IOException {
        for (Socket s : accepted) {
            s.close();
        }
    }

    private void acceptLoop() {
        AcceptLoop.run(server, acceptCount, accepted, threads, this::serve);
    }

    private void serve(Socket s) {
        if (silent) {
            try {
                closed.await(); // hold the connection without reading it until the server closes
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        try (s; BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8))) {
            OutputStream out = s.getOutputStream();
            String line;
            while ((line = in.readLine()) != null) {
                received.add(line);
                Behaviour b = behaviour;
                String answer = b.answer(line);
                if (answer == null) {
                    return;
                }
                out.write(answer.getBytes(StandardCharsets.UTF_8));
                out.flush();
                if (b.closeAfter(line)) {
                    return;
                }
            }
            endsOfStream.incrementAndGet();
        } catch (IOException e) {
            // the client went away; nothing to serve
            if (String.valueOf(e.getMessage()).contains("reset")) {
                resets.incrementAndGet();
            }
        } finally {
            accepted.remove(s);
        }
    }

    @Override
    public void close() throws IOException {
        closed.countDown();
        server.close();
        closeAccepted();
        threads.shutdownNow();
    }
}
