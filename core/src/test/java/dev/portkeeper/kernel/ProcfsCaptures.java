package dev.portkeeper.kernel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Lays out a capture from the test resources ({@code /procfs/<name>/}) as a procfs tree in a
 * temporary directory, so that the captures are kept exactly as captured (see the README
 * beside them): {@code tcp}, {@code tcp6}, {@code sockstat}, {@code sockstat6} and
 * {@code netstat} go to {@code net/}; each {@code net.x.y = value} line of
 * {@code sysctl.txt} becomes the file {@code sys/net/x/y}.
 */
public final class ProcfsCaptures {

    private static final List<String> NET_FILES = List.of("tcp", "tcp6", "sockstat", "sockstat6", "netstat");

    private ProcfsCaptures() {
    }

    /** The capture's own directory among the test resources. */
    public static Path capture(String name) {
        URL url = ProcfsCaptures.class.getResource("/procfs/" + name);
        if (url == null) {
            throw new IllegalArgumentException("no capture /procfs/" + name + " on the test classpath");
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Materialises the capture under {@code dir} and returns a little-endian reader of it (the captures come from x86-64). */
    public static Procfs materialise(String name, Path dir) {
        Path capture = capture(name);
        try {
            Path net = Files.createDirectories(dir.resolve("net"));
            for (String file : NET_FILES) {
                Path source = capture.resolve(file);
                if (Files.exists(source)) {
                    Files.copy(source, net.resolve(file), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            Path sysctlText = capture.resolve("sysctl.txt");
            if (Files.exists(sysctlText)) {
                for (String line : Files.readAllLines(sysctlText)) {
                    int eq = line.indexOf(" = ");
                    if (eq > 0) {
                        Path file = dir.resolve("sys").resolve(line.substring(0, eq).replace('.', '/'));
                        Files.createDirectories(file.getParent());
                        Files.writeString(file, line.substring(eq + 3) + "\n");
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Procfs.at(dir, ByteOrder.LITTLE_ENDIAN);
    }
}
