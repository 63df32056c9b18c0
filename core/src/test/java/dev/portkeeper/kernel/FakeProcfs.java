package dev.portkeeper.kernel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Builds a directory laid out like {@code /proc} for tests: tables, counters, sysctls and
 * a fake {@code self/fd}. Files not written are absent, as on a kernel without them.
 *
 * <pre>
 * Procfs procfs = FakeProcfs.in(tempDir)
 *         .tcp(TcpLines.tcp().socket("127.0.0.1", 40000, "127.0.0.1", 11211, TcpState.ESTABLISHED, 42))
 *         .sysctl("net.ipv4.ip_local_port_range", "40000\t40999")
 *         .procfs();
 * </pre>
 */
public final class FakeProcfs {

    private final Path root;

    private FakeProcfs(Path root) {
        this.root = root;
    }

    /** Writes under {@code dir}, which stands for {@code /proc}. */
    public static FakeProcfs in(Path dir) {
        return new FakeProcfs(dir);
    }

    public FakeProcfs tcp(Object text) {
        return file("net/tcp", text.toString());
    }

    public FakeProcfs tcp6(Object text) {
        return file("net/tcp6", text.toString());
    }

    /** Writes a sysctl by name, e.g. {@code sysctl("net.ipv4.tcp_tw_reuse", "2")}, with the kernel's trailing newline. */
    public FakeProcfs sysctl(String name, String value) {
        return file("sys/" + name.replace('.', '/'), value + "\n");
    }

    /** Adds {@code self/fd/<fd> -> socket:[inode]}. */
    public FakeProcfs socketFd(int fd, long inode) {
        return fd(fd, "socket:[" + inode + "]");
    }

    /** Adds {@code self/fd/<fd> -> target}; the target need not exist, as with procfs's pseudo targets. */
    public FakeProcfs fd(int fd, String target) {
        try {
            Path dir = Files.createDirectories(root.resolve("self/fd"));
            Files.createSymbolicLink(dir.resolve(Integer.toString(fd)), Path.of(target));
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes a file relative to the root, creating directories. */
    public FakeProcfs file(String relative, String content) {
        try {
            Path file = root.resolve(relative);
            Files.createDirectories(file.getParent());
            Files.writeString(file, content, StandardCharsets.US_ASCII);
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path root() {
        return root;
    }

    /** A reader of this tree; little-endian, as {@link TcpLines} writes. */
    public Procfs procfs() {
        return Procfs.at(root, ByteOrder.LITTLE_ENDIAN);
    }
}
