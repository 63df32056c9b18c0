package dev.portkeeper;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Collection;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The test servers' accept loop: each accepted socket is counted, joins the server's open list and
 * is served on a thread of the server's executor. A socket accepted while the server closes is
 * closed here (the server's close() may have gone through its open list before this one joined
 * it, or no thread is left to serve it), so that no test leaves a CLOSE_WAIT behind.
 */
final class AcceptLoop {
    private AcceptLoop() {
    }

    /** Runs until the listener is closed. */
    static void run(ServerSocket server, AtomicInteger accepted, Collection<Socket> open, ExecutorService threads,
            Consumer<Socket> serve) {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                accepted.incrementAndGet();
                open.add(s);
                if (server.isClosed()) {
                    s.close();
                    return;
                }
                try {
                    threads.execute(() -> serve.accept(s));
                } catch (RejectedExecutionException e) {
                    s.close();
                    return;
                }
            } catch (IOException e) {
                return;
            }
        }
    }
}
