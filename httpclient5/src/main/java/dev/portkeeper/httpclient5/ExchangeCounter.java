package dev.portkeeper.httpclient5;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import javax.net.ssl.SSLSocket;
import org.apache.hc.core5.http.impl.io.SocketHolder;

/**
 * HttpCore's hold on the socket, counting the HTTP bytes (above TLS) that one exchange wrote and
 * read: "no byte of the response arrived" and "no byte of the request left" are what decide
 * whether a failed request may have reached the server and may be retried. A TLS alert or session
 * ticket is not a response byte, which is why this sits above the TLS layer and not in
 * {@link LeaseSocket}. Used by the borrowing thread only.
 */
final class ExchangeCounter extends SocketHolder {
    private long read;
    private long written;
    private boolean writeFailed;

    ExchangeCounter(Socket socket) {
        super(socket);
    }

    ExchangeCounter(SSLSocket sslSocket, Socket socket) {
        super(sslSocket, socket);
    }

    void reset() {
        read = 0;
        written = 0;
        writeFailed = false;
    }

    /** @return whether a write of this exchange failed: the request was not all sent (a write timeout, a reset) */
    boolean writeFailed() {
        return writeFailed;
    }

    /** @return bytes of the response read from the socket in this exchange */
    long read() {
        return read;
    }

    /** @return bytes of the request handed to the socket in this exchange, counted before each write */
    long written() {
        return written;
    }

    @Override
    protected InputStream getInputStream(Socket socket) throws IOException {
        return new FilterInputStream(socket.getInputStream()) {
            @Override
            public int read() throws IOException {
                int b = super.read();
                if (b >= 0) {
                    read++;
                }
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = in.read(b, off, len);
                if (n > 0) {
                    read += n;
                }
                return n;
            }
        };
    }

    @Override
    protected OutputStream getOutputStream(Socket socket) throws IOException {
        return new FilterOutputStream(socket.getOutputStream()) {
            @Override
            public void write(int b) throws IOException {
                written++;
                try {
                    out.write(b);
                } catch (IOException e) {
                    writeFailed = true;
                    throw e;
                }
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                // Counted first: the bytes of a write that fails may still have left.
                written += len;
                try {
                    out.write(b, off, len);
                } catch (IOException e) {
                    writeFailed = true;
                    throw e;
                }
            }

            @Override
            public void flush() throws IOException {
                try {
                    out.flush();
                } catch (IOException e) {
                    writeFailed = true;
                    throw e;
                }
            }
        };
    }
}
