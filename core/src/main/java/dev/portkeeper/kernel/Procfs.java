package dev.portkeeper.kernel;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The entry point to the kernel's view of TCP on Linux: socket tables, counters, sysctls and
 * a process's descriptors, read from procfs.
 *
 * <p>{@link #system()} reads {@code /proc}, and so sees the network namespace this JVM runs
 * in (a container or pod has its own tables and sysctls). {@link #at(Path)} reads a
 * directory laid out like {@code /proc}, e.g. a capture for tests:
 * <pre>
 * net/tcp  net/tcp6  net/sockstat  net/sockstat6  net/netstat
 * sys/net/ipv4/ip_local_port_range ...  sys/net/core/somaxconn
 * self/fd/N -&gt; socket:[inode]  self/limits  (and &lt;pid&gt;/fd, &lt;pid&gt;/limits)
 * </pre>
 *
 * <p>Every read returns a {@link KernelRead}: the value, or why it is unavailable (not Linux,
 * a file missing or unreadable). Nothing throws and nothing is cached; each call reads anew.
 * Since a tree may hold anything, only regular files are read (a FIFO, a device or a directory
 * in a file's place is unavailable, "not a regular file"), and each read has a size limit:
 * 64 MiB for {@code net/tcp} and {@code net/tcp6}, 256 KiB for {@code ip_local_reserved_ports},
 * 64 KiB for every other file; a larger file is unavailable rather than read.
 * The sources differ in cost: {@link #sockStat()} is a few counters (read it often), while
 * {@link #tcpTable()} walks every socket (about 3 MB for 20,000 sockets; read it when the
 * counters say it is worth it).
 *
 * <p>Thread-safe.
 */
public final class Procfs {

    private static final Logger LOG = LoggerFactory.getLogger(Procfs.class);
    private static final Path SYSTEM_ROOT = Path.of("/proc");
    /** Rough bytes per line of tcp and tcp6, to size the socket list once. */
    private static final int TCP_LINE_BYTES = 150;
    private static final int TCP6_LINE_BYTES = 180;

    private final Path root;
    private final ByteOrder hostOrder;
    private final String platformReason;
    // Size of the last read, so the next one starts with a buffer that fits (procfs files report size 0).
    private volatile int tcpSizeHint;
    private volatile int tcp6SizeHint;

    private Procfs(Path root, ByteOrder hostOrder, String platformReason) {
        this.root = root;
        this.hostOrder = hostOrder;
        this.platformReason = platformReason;
    }

    /**
     * Returns the reader of this host's {@code /proc}. On an operating system other than
     * Linux every read is unavailable, with a reason saying so.
     *
     * @return the system reader
     */
    public static Procfs system() {
        return forOs(System.getProperty("os.name", "unknown"), SYSTEM_ROOT);
    }

    static Procfs forOs(String osName, Path root) {
        boolean linux = osName.toLowerCase(Locale.ROOT).startsWith("linux");
        String reason = linux ? null : "procfs is Linux-only and this is " + osName;
        return new Procfs(root, ByteOrder.nativeOrder(), reason);
    }

    /**
     * Returns a reader of a directory laid out like {@code /proc}, written on a host of this
     * JVM's byte order.
     *
     * @param root the directory that stands for {@code /proc}
     * @return the reader
     */
    public static Procfs at(Path root) {
        return at(root, ByteOrder.nativeOrder());
    }

    /**
     * Returns a reader of a directory laid out like {@code /proc}, captured on a host of the
     * given byte order: the kernel prints each 32-bit word of an address in host order, so
     * {@code 0100007F} is 127.0.0.1 only on a little-endian host such as x86-64 or arm64.
     *
     * @param root the directory that stands for {@code /proc}
     * @param hostOrder the byte order of the host that wrote the files
     * @return the reader
     */
    public static Procfs at(Path root, ByteOrder hostOrder) {
        return new Procfs(Objects.requireNonNull(root, "root"), Objects.requireNonNull(hostOrder, "hostOrder"), null);
    }

    /**
     * Returns the directory read.
     *
     * @return {@code /proc} for {@link #system()}
     */
    public Path root() {
        return root;
    }

    /**
     * Tells whether procfs can be read at all: Linux, and the root is a directory. A single
     * read may still be unavailable.
     *
     * @return whether reads can succeed
     */
    public boolean isAvailable() {
        return unavailableReason().isEmpty();
    }

    /**
     * Returns why procfs cannot be read at all.
     *
     * @return the reason, or empty if {@link #isAvailable()}
     */
    public Optional<String> unavailableReason() {
        if (platformReason != null) {
            return Optional.of(platformReason);
        }
        return Files.isDirectory(root) ? Optional.empty() : Optional.of(root + ": no such directory");
    }

    /**
     * Reads {@code net/tcp} and {@code net/tcp6}. A missing {@code tcp6} (IPv6 disabled)
     * means no IPv6 sockets; a missing or unreadable {@code tcp} makes the table unavailable.
     * The two files are read one after the other, and the kernel writes a large file in
     * chunks: under churn the table is close to, not exactly, one instant.
     *
     * @return the table, or why it is unavailable
     */
    public KernelRead<TcpTable> tcpTable() {
        if (platformReason != null) {
            return unavailable("tcp table", platformReason);
        }
        Path tcp = root.resolve("net/tcp");
        Path tcp6 = root.resolve("net/tcp6");
        ProcFiles.Content v4;
        try {
            v4 = ProcFiles.readBytes(tcp, tcpSizeHint, ProcFiles.TABLE_LIMIT);
        } catch (IOException e) {
            return unavailable("tcp table", ProcFiles.reason(tcp, e));
        }
        ProcFiles.Content v6 = null;
        try {
            v6 = ProcFiles.readBytes(tcp6, tcp6SizeHint, ProcFiles.TABLE_LIMIT);
        } catch (NoSuchFileException e) {
            LOG.debug("{}: no such file, so no IPv6 sockets (IPv6 disabled)", tcp6);
        } catch (IOException e) {
            return unavailable("tcp table", ProcFiles.reason(tcp6, e));
        }
        tcpSizeHint = v4.length();
        int v6Length = v6 == null ? 0 : v6.length();
        tcp6SizeHint = v6Length;
        List<TcpSocket> sockets = new ArrayList<>(16 + v4.length() / TCP_LINE_BYTES + v6Length / TCP6_LINE_BYTES);
        int skipped = TcpTableParser.parse(v4.buf(), v4.length(), false, hostOrder, sockets);
        if (v6 != null) {
            skipped += TcpTableParser.parse(v6.buf(), v6.length(), true, hostOrder, sockets);
        }
        if (skipped > 0) {
            LOG.debug("{} and {}: skipped {} malformed lines of {}", tcp, tcp6, skipped, skipped + sockets.size());
        }
        return KernelRead.of(new TcpTable(sockets, skipped));
    }

    /**
     * Reads {@code net/sockstat} and {@code net/sockstat6}; cheap enough to call often.
     *
     * @return the counters, or why they are unavailable
     */
    public KernelRead<SockStat> sockStat() {
        if (platformReason != null) {
            return unavailable("sockstat", platformReason);
        }
        Path sockstat = root.resolve("net/sockstat");
        Path sockstat6 = root.resolve("net/sockstat6");
        String text;
        String text6 = null;
        try {
            text = ProcFiles.readString(sockstat);
        } catch (IOException e) {
            return unavailable("sockstat", ProcFiles.reason(sockstat, e));
        }
        try {
            text6 = ProcFiles.readString(sockstat6);
        } catch (NoSuchFileException e) {
            // IPv6 disabled: no TCP6 sockets.
        } catch (IOException e) {
            return unavailable("sockstat", ProcFiles.reason(sockstat6, e));
        }
        try {
            return KernelRead.of(SockStat.parse(text, text6));
        } catch (IllegalArgumentException e) {
            return unavailable("sockstat", sockstat + ": malformed, " + e.getMessage());
        }
    }

    /**
     * Reads the extended counters of {@code net/netstat}.
     *
     * @return the counters, or why they are unavailable
     */
    public KernelRead<NetStat> netStat() {
        if (platformReason != null) {
            return unavailable("netstat", platformReason);
        }
        Path netstat = root.resolve("net/netstat");
        try {
            return KernelRead.of(NetStat.parse(ProcFiles.readString(netstat)));
        } catch (IOException e) {
            return unavailable("netstat", ProcFiles.reason(netstat, e));
        }
    }

    /**
     * Reads the sysctls under {@code sys/net}. Each may be missing on its own (see
     * {@link KernelSysctls#unavailable()}); the whole read is unavailable only when
     * {@code sys/net/ipv4} is.
     *
     * @return the sysctls, or why they are unavailable
     */
    public KernelRead<KernelSysctls> sysctls() {
        if (platformReason != null) {
            return unavailable("sysctls", platformReason);
        }
        Path sys = root.resolve("sys");
        Path ipv4 = sys.resolve("net/ipv4");
        if (!Files.isDirectory(ipv4)) {
            return unavailable("sysctls", ipv4 + ": no such directory");
        }
        Map<String, String> raw = new LinkedHashMap<>();
        Map<String, String> unreadable = new LinkedHashMap<>();
        for (String name : KernelSysctls.NAMES) {
            Path file = sys.resolve(name.replace('.', '/'));
            try {
                raw.put(name, ProcFiles.readString(file, name.equals(KernelSysctls.IP_LOCAL_RESERVED_PORTS)
                        ? ProcFiles.RESERVED_PORTS_LIMIT : ProcFiles.SMALL_LIMIT));
            } catch (IOException e) {
                unreadable.put(name, ProcFiles.reason(file, e));
            }
        }
        return KernelRead.of(KernelSysctls.parse(raw, unreadable));
    }

    /**
     * Reads this process's descriptors ({@code self/fd}, {@code self/limits}). Costs one
     * {@code readlink} per descriptor.
     *
     * @return the descriptors, or why they are unavailable
     */
    public KernelRead<ProcessFds> processFds() {
        return processFds(root.resolve("self"));
    }

    /**
     * Reads another process's descriptors ({@code <pid>/fd}, {@code <pid>/limits}); that
     * needs the same user or {@code CAP_SYS_PTRACE}, otherwise the read is unavailable.
     *
     * @param pid the process id
     * @return the descriptors, or why they are unavailable
     * @throws IllegalArgumentException if {@code pid <= 0}
     */
    public KernelRead<ProcessFds> processFds(long pid) {
        if (pid <= 0) {
            throw new IllegalArgumentException("pid <= 0: " + pid);
        }
        return processFds(root.resolve(Long.toString(pid)));
    }

    private KernelRead<ProcessFds> processFds(Path pidDir) {
        if (platformReason != null) {
            return unavailable("process fds", platformReason);
        }
        try {
            return KernelRead.of(FdTableReader.read(pidDir));
        } catch (IOException e) {
            return unavailable("process fds", ProcFiles.reason(pidDir.resolve("fd"), e));
        }
    }

    private static <T> KernelRead<T> unavailable(String what, String reason) {
        LOG.debug("{} unavailable: {}", what, reason);
        return KernelRead.unavailable(reason);
    }

    @Override
    public String toString() {
        return "Procfs{root=" + root + (platformReason == null ? "" : ", unavailable: " + platformReason) + '}';
    }
}
