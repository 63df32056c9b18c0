package dev.portkeeper.cli;

import dev.portkeeper.kernel.KernelRead;
import dev.portkeeper.kernel.ProcessFds;
import dev.portkeeper.kernel.Procfs;
import dev.portkeeper.kernel.TcpSocket;
import dev.portkeeper.kernel.TcpState;
import dev.portkeeper.kernel.TcpTable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * Says which processes hold the sockets in CLOSE_WAIT: a CLOSE_WAIT socket is a connection its
 * process never closed, so the process is the one to fix. A socket's inode in the tcp table
 * matches {@code /proc/<pid>/fd/N -> socket:[inode]}; this process's descriptors are always
 * readable, another's only as its user or as root. The scan is bounded in processes and in time,
 * and stops as soon as every CLOSE_WAIT socket has an owner.
 */
final class CloseWaitOwners {
    static final int MAX_PROCESSES = 10_000;
    static final Duration TIME_BUDGET = Duration.ofSeconds(2);

    /** A process holding CLOSE_WAIT sockets, and its descriptors against their limit. */
    record Owner(long pid, String command, boolean self, int closeWait, Map<String, Integer> byRemote, int fds,
            long fdLimit) {
    }

    /**
     * @param closeWait CLOSE_WAIT sockets in the table
     * @param owners processes holding some, most first
     * @param unattributed CLOSE_WAIT sockets whose process was not found
     * @param processesScanned processes whose descriptors were read
     * @param processesUnreadable processes whose descriptors could not be read (another user's, or gone)
     * @param stoppedEarly why the scan stopped before the end, or null
     */
    record Result(int closeWait, List<Owner> owners, int unattributed, int processesScanned, int processesUnreadable,
            String stoppedEarly) {
        static final Result NONE = new Result(0, List.of(), 0, 0, 0, null);
    }

    private CloseWaitOwners() {
    }

    static Result find(Procfs procfs, TcpTable table) {
        return find(procfs, table, ProcessHandle.current().pid(), MAX_PROCESSES, TIME_BUDGET, System::nanoTime);
    }

    static Result find(Procfs procfs, TcpTable table, long selfPid, int maxProcesses, Duration budget,
            LongSupplier nanos) {
        Map<Long, TcpSocket> pending = new HashMap<>();
        int closeWait = 0;
        for (TcpSocket s : table.sockets()) {
            if (s.state() == TcpState.CLOSE_WAIT) {
                closeWait++;
                if (s.inode() != 0) {
                    pending.put(s.inode(), s);
                }
            }
        }
        if (closeWait == 0) {
            return Result.NONE;
        }
        List<Owner> owners = new ArrayList<>();
        int scanned = 0;
        int unreadable = 0;
        String stoppedEarly = null;
        KernelRead<ProcessFds> self = procfs.processFds();
        if (self.isAvailable()) {
            scanned++;
            claim(selfPid, command(procfs.root().resolve("self")), true, self.get(), pending, owners);
        }
        long deadline = nanos.getAsLong() + budget.toNanos();
        for (long pid : pids(procfs.root())) {
            if (pending.isEmpty()) {
                break;
            }
            if (pid == selfPid) {
                continue;
            }
            if (scanned >= maxProcesses) {
                stoppedEarly = "stopped after " + maxProcesses + " processes";
                break;
            }
            if (nanos.getAsLong() - deadline > 0) {
                stoppedEarly = "stopped after " + budget.toMillis() + " ms";
                break;
            }
            KernelRead<ProcessFds> fds = procfs.processFds(pid);
            if (!fds.isAvailable()) {
                unreadable++;
                continue;
            }
            scanned++;
            claim(pid, command(procfs.root().resolve(Long.toString(pid))), false, fds.get(), pending, owners);
        }
        owners.sort(Comparator.comparingInt(Owner::closeWait).reversed().thenComparingLong(Owner::pid));
        int attributed = owners.stream().mapToInt(Owner::closeWait).sum();
        return new Result(closeWait, List.copyOf(owners), closeWait - attributed, scanned, unreadable, stoppedEarly);
    }

    private static void claim(long pid, String command, boolean self, ProcessFds fds, Map<Long, TcpSocket> pending,
            List<Owner> owners) {
        Map<String, Integer> byRemote = new TreeMap<>();
        int count = 0;
        for (long inode : fds.socketInodes()) {
            TcpSocket s = pending.remove(inode);
            if (s != null) {
                count++;
                byRemote.merge(remoteText(s), 1, Integer::sum);
            }
        }
        if (count > 0) {
            owners.add(new Owner(pid, command, self, count, byRemote, fds.fdCount(), fds.fdSoftLimit().orElse(-1)));
        }
    }

    private static String remoteText(TcpSocket s) {
        String host = Texts.address(s.remoteAddress());
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + s.remotePort();
    }

    /** The numeric entries of the procfs root, ascending; none for a capture without processes. */
    static List<Long> pids(Path root) {
        List<Long> pids = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(root, p -> isNumber(p.getFileName().toString()))) {
            for (Path p : entries) {
                pids.add(Long.parseLong(p.getFileName().toString()));
            }
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
        pids.sort(null);
        return pids;
    }

    private static boolean isNumber(String name) {
        if (name.isEmpty() || name.length() > 18) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            if (!Character.isDigit(name.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /**
     * The kernel's {@code comm} is at most 16 bytes; a tree given with {@code --procfs} may hold
     * anything there (a FIFO, {@code /dev/zero}), and any process may name itself with control
     * characters: only a regular file is read, 64 bytes at most, and what is not printable shows as ?.
     */
    private static String command(Path processDir) {
        Path comm = processDir.resolve("comm");
        if (!Files.isRegularFile(comm)) {
            return "?";
        }
        try (InputStream in = Files.newInputStream(comm)) {
            String text = new String(in.readNBytes(64), StandardCharsets.UTF_8).trim();
            StringBuilder shown = new StringBuilder(text.length());
            text.codePoints().forEach(c -> shown.appendCodePoint(Character.isISOControl(c) ? '?' : c));
            return shown.toString();
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }
}
