package dev.portkeeper.kernel;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Reads procfs files. Procfs reports a size of 0 for its files, so a file is read until end
 * of stream into a buffer sized by a hint (the size of the last read) rather than by
 * {@link Files#size}.
 */
final class ProcFiles {

    private static final int MIN_BUFFER = 16 * 1024;

    private ProcFiles() {
    }

    /** Bytes {@code [0, length)} of {@code buf} hold the file. */
    record Content(byte[] buf, int length) {
    }

    static Content readBytes(Path file, int sizeHint) throws IOException {
        // One spare byte: a read that fills the buffer exactly still needs one more to see EOF.
        byte[] buf = new byte[Math.max(MIN_BUFFER, sizeHint + sizeHint / 8 + 1)];
        int length = 0;
        try (InputStream in = Files.newInputStream(file)) {
            while (true) {
                if (length == buf.length) {
                    buf = Arrays.copyOf(buf, buf.length * 2);
                }
                int n = in.read(buf, length, buf.length - length);
                if (n < 0) {
                    return new Content(buf, length);
                }
                length += n;
            }
        }
    }

    static String readString(Path file) throws IOException {
        Content content = readBytes(file, 0);
        return new String(content.buf(), 0, content.length(), StandardCharsets.US_ASCII);
    }

    /** A short reason for an unavailable read, e.g. {@code "/proc/net/tcp: no such file"}. */
    static String reason(Path file, IOException e) {
        if (e instanceof NoSuchFileException) {
            return file + ": no such file";
        }
        if (e instanceof AccessDeniedException) {
            return file + ": permission denied";
        }
        return file + ": " + e;
    }
}
