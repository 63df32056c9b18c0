package dev.portkeeper.benchmarks;

import java.io.IOException;
import java.io.InputStream;

/** Reading whole fixed-size messages. */
final class Messages {
    private Messages() {
    }

    /** @return the bytes read: the buffer's length, or fewer if the stream ended first */
    static int readFully(InputStream in, byte[] into) throws IOException {
        int off = 0;
        while (off < into.length) {
            int n = in.read(into, off, into.length - off);
            if (n < 0) {
                return off;
            }
            off += n;
        }
        return off;
    }

    /** Reads a whole message or fails. */
    static int exchange(InputStream in, byte[] into) throws IOException {
        int n = readFully(in, into);
        if (n != into.length) {
            throw new IOException("the echo server closed the connection after " + n + " bytes");
        }
        return n;
    }
}
