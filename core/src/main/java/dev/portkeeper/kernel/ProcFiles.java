package dev.portkeeper.kernel;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;
import java.util.Locale;

/**
 * Reads procfs files. Procfs reports a size of 0 for its files, so a file is read until end
 * of stream into a buffer sized by a hint (the size of the last read) rather than by
 * {@link Files#size}.
 *
 * <p>A tree given with {@code Procfs.at} may be anything, so every read is bounded: only a
 * regular file is opened (procfs files are; a FIFO would block the open until a writer comes,
 * a device such as {@code /dev/zero} never ends, a directory cannot be read), and a read stops
 * with a {@link Refused} past its size limit instead of growing the buffer until
 * {@link OutOfMemoryError}.
 */
final class ProcFiles {

    /**
     * The limit for {@code net/tcp} and {@code net/tcp6}: a line is 150 bytes in {@code tcp} and
     * about 180 in {@code tcp6}, so 64 MiB holds some 370,000 IPv6 or 440,000 IPv4 sockets, more
     * than ten times the ports of a whole range, while the buffer stays affordable for the CLI.
     */
    static final int TABLE_LIMIT = 64 * 1024 * 1024;
    /**
     * The limit for a sysctl and the other small files ({@code sockstat}, {@code netstat},
     * {@code limits}): a few hundred bytes to about 6 KiB on Linux 6.18.
     */
    static final int SMALL_LIMIT = 64 * 1024;
    /**
     * The limit for {@code ip_local_reserved_ports}, the one sysctl whose length depends on its
     * value: every other port of 0-65535 reserved one by one prints 32,768 entries of up to six
     * bytes, about 192 KiB.
     */
    static final int RESERVED_PORTS_LIMIT = 256 * 1024;

    private static final int MIN_BUFFER = 16 * 1024;

    private ProcFiles() {
    }

    /** A file that is not read: not a regular file, or larger than its limit. The message is the reason. */
    static final class Refused extends IOException {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message);
        }
    }

    /** Bytes {@code [0, length)} of {@code buf} hold the file. */
    record Content(byte[] buf, int length) {
    }

    static Content readBytes(Path file, int sizeHint, int limit) throws IOException {
        requireRegularFile(file);
        int hint = Math.min(Math.max(0, sizeHint), limit);
        // One spare byte: a read that fills the buffer exactly still needs one more to see EOF.
        byte[] buf = new byte[(int) Math.min(limit + 1L, Math.max(MIN_BUFFER, hint + hint / 8 + 1))];
        int length = 0;
        try (InputStream in = Files.newInputStream(file)) {
            while (true) {
                if (length == buf.length) {
                    if (length > limit) {
                        throw new Refused("larger than " + size(limit) + ", not read");
                    }
                    buf = Arrays.copyOf(buf, (int) Math.min(limit + 1L, buf.length * 2L));
                }
                int n = in.read(buf, length, buf.length - length);
                if (n < 0) {
                    return new Content(buf, length);
                }
                length += n;
            }
        }
    }

    static String readString(Path file, int limit) throws IOException {
        Content content = readBytes(file, 0, limit);
        return new String(content.buf(), 0, content.length(), StandardCharsets.US_ASCII);
    }

    static String readString(Path file) throws IOException {
        return readString(file, SMALL_LIMIT);
    }

    /** Follows links, as the read would: {@code net/tcp -> /dev/zero} is a device. */
    private static void requireRegularFile(Path file) throws IOException {
        BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
        if (attributes.isRegularFile()) {
            return;
        }
        String kind = attributes.isDirectory() ? "a directory"
                : attributes.isOther() ? "a device, FIFO or socket" : "not a file";
        throw new Refused("not a regular file (" + kind + "), not read");
    }

    private static String size(int bytes) {
        return bytes % (1024 * 1024) == 0 ? bytes / (1024 * 1024) + " MiB"
                : String.format(Locale.ROOT, "%d KiB", bytes / 1024);
    }

    /** A short reason for an unavailable read, e.g. {@code "/proc/net/tcp: no such file"}. */
    static String reason(Path file, IOException e) {
        if (e instanceof NoSuchFileException) {
            return file + ": no such file";
        }
        if (e instanceof AccessDeniedException) {
            return file + ": permission denied";
        }
        if (e instanceof Refused) {
            return file + ": " + e.getMessage();
        }
        return file + ": " + e;
    }
}
