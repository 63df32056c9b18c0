package dev.portkeeper.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * procfs trees for {@code --procfs}, made from the capture's sysctls (range 40000-40999,
 * tcp_tw_reuse 0) with a socket table of the test's choosing: none (a quiet host, verdict OK), or
 * N client-side TIME_WAIT sockets toward 127.0.0.1:11211 (900 of 1,000 ports: CRITICAL).
 */
final class ProcfsTrees {
    private static final String HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt"
            + "   uid  timeout inode\n";

    private ProcfsTrees() {
    }

    /** @return {@code dir}, holding the capture's sysctls and {@code timeWait} TIME_WAIT sockets */
    static Path withTimeWait(Path dir, int timeWait) {
        try {
            Path capture = DoctorCaptureIT.capture();
            try (Stream<Path> files = Files.walk(capture.resolve("sys"))) {
                for (Path p : (Iterable<Path>) files::iterator) {
                    Path target = dir.resolve(capture.relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(target);
                    } else {
                        Files.copy(p, target);
                    }
                }
            }
            Files.createDirectories(dir.resolve("net"));
            StringBuilder tcp = new StringBuilder(HEADER);
            for (int i = 0; i < timeWait; i++) {
                // client 127.0.0.1:(40000 + i) -> 127.0.0.1:11211 (0x2BCB), state 06, 30 s left on its timer
                tcp.append(String.format(Locale.ROOT, "%4d: 0100007F:%04X 0100007F:2BCB 06 00000000:00000000"
                        + " 03:00000BB8 00000000     0        0 0 3 0000000000000000%n", i, 40000 + i));
            }
            Files.writeString(dir.resolve("net/tcp"), tcp, StandardCharsets.US_ASCII);
            Files.writeString(dir.resolve("net/tcp6"), HEADER, StandardCharsets.US_ASCII);
            Files.writeString(dir.resolve("net/sockstat"), "sockets: used 0\nTCP: inuse 0 orphan 0 tw " + timeWait
                    + " alloc 0 mem 0\n", StandardCharsets.US_ASCII);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String[] args(Path tree, String... first) {
        String[] all = new String[first.length + 4];
        System.arraycopy(first, 0, all, 0, first.length);
        all[first.length] = "--procfs";
        all[first.length + 1] = tree.toString();
        all[first.length + 2] = "--procfs-byte-order";
        all[first.length + 3] = "little";
        return all;
    }
}
