package dev.portkeeper.budget;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/** What the namespace scenarios of this package share: servers on loopback and a pacing clock. */
final class Loads {
    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private Loads() {
    }

    /** Waits until {@code due} (System.nanoTime), bounded: the load is paced, never the assertions. */
    static void until(long due) {
        for (int spins = 0; spins < 10_000 && System.nanoTime() < due; spins++) {
            LockSupport.parkNanos(due - System.nanoTime());
        }
    }

    /** Parks for a short rest; bounded. */
    static void rest(long millis) {
        until(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis));
    }

    /**
     * A line echo server: each connection on its own thread echoes bytes until the client's FIN,
     * then closes (the client closed first: TIME_WAIT on the client).
     */
    static ServerSocket echo(int port, ExecutorService threads) throws IOException {
        ServerSocket server = new ServerSocket(port, 1024, LOOPBACK);
        threads.execute(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    threads.execute(() -> {
                        try (s) {
                            s.setSoTimeout(30_000);
                            InputStream in = s.getInputStream();
                            byte[] buf = new byte[256];
                            for (int n; (n = in.read(buf)) >= 0; ) {
                                s.getOutputStream().write(buf, 0, n);
                                s.getOutputStream().flush();
                            }
                        } catch (IOException e) {
                            // the client went away; nothing to do
                        }
                    });
                } catch (IOException e) {
                    return;
                }
            }
        });
        return server;
    }

    /** A server that closes each connection it accepts at once: a client that never closes sits in CLOSE_WAIT. */
    static ServerSocket closing(int port, ExecutorService threads) throws IOException {
        ServerSocket server = new ServerSocket(port, 1024, LOOPBACK);
        threads.execute(() -> {
            while (!server.isClosed()) {
                try {
                    server.accept().close();
                } catch (IOException e) {
                    return;
                }
            }
        });
        return server;
    }
}
