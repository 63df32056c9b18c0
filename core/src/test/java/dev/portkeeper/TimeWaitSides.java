package dev.portkeeper;

import static org.awaitility.Awaitility.await;

import dev.portkeeper.kernel.Procfs;
import dev.portkeeper.kernel.TcpState;
import dev.portkeeper.kernel.TcpTable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Where the TIME_WAIT of connections to one server landed, as the kernel of a private network
 * namespace sees it (client and server are both in it): the client side is the sockets whose
 * remote end is the server, the server side those whose local end is. Counted by procfs and by
 * {@code ss}, once no socket of either side is still closing.
 */
final class TimeWaitSides {
    private static final Set<TcpState> CLOSING = EnumSet.of(TcpState.FIN_WAIT1, TcpState.FIN_WAIT2,
            TcpState.CLOSING, TcpState.LAST_ACK, TcpState.CLOSE_WAIT, TcpState.ESTABLISHED);

    private TimeWaitSides() {
    }

    /**
     * @return clientTimeWait, serverTimeWait (procfs), clientTimeWaitSs, serverTimeWaitSs (ss),
     *     and abortOnData / abortOnClose: TcpExt's TCPAbortOnData (SO_LINGER 0 closes) and
     *     TCPAbortOnClose (closes with unread bytes) since {@code before}
     */
    static HashMap<String, Long> count(Procfs procfs, InetSocketAddress server, HashMap<String, Long> before)
            throws IOException, InterruptedException {
        await().atMost(Duration.ofSeconds(30)).until(() -> procfs.tcpTable().get().stream()
                .noneMatch(s -> CLOSING.contains(s.state()) && (s.hasRemote(server) || s.hasLocal(server))));
        TcpTable table = procfs.tcpTable().get();
        HashMap<String, Long> r = new HashMap<>();
        r.put("clientTimeWait", (long) table.countWithRemote(server, TcpState.TIME_WAIT));
        r.put("serverTimeWait", table.withLocal(server).stream().filter(s -> s.state() == TcpState.TIME_WAIT).count());
        String hostPort = server.getAddress().getHostAddress() + ":" + server.getPort();
        r.put("clientTimeWaitSs", ss("dst", hostPort));
        r.put("serverTimeWaitSs", ss("src", hostPort));
        HashMap<String, Long> now = abortCounters(procfs);
        r.put("abortOnData", now.get("abortOnData") - before.get("abortOnData"));
        r.put("abortOnClose", now.get("abortOnClose") - before.get("abortOnClose"));
        return r;
    }

    /** @return TcpExt TCPAbortOnData and TCPAbortOnClose now, as abortOnData and abortOnClose */
    static HashMap<String, Long> abortCounters(Procfs procfs) {
        HashMap<String, Long> r = new HashMap<>();
        r.put("abortOnData", procfs.netStat().get().get("TcpExt", "TCPAbortOnData").orElseThrow());
        r.put("abortOnClose", procfs.netStat().get().get("TcpExt", "TCPAbortOnClose").orElseThrow());
        return r;
    }

    /** Counts TIME_WAIT sockets with {@code ss state time-wait <dst|src> host:port}. */
    private static long ss(String direction, String hostPort) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("ss", "-Htan", "state", "time-wait", direction, hostPort)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("ss failed: " + out);
        }
        return out.lines().filter(l -> !l.isBlank()).count();
    }
}
