package dev.portkeeper.budget;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portkeeper.kernel.Procfs;
import dev.portkeeper.kernel.TcpSocket;
import dev.portkeeper.kernel.TcpState;
import dev.portkeeper.kernel.TcpTable;
import dev.portkeeper.testing.Netns;
import dev.portkeeper.testing.NetnsScenario;
import dev.portkeeper.testing.RequiresNetns;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The monitor's per-destination, per-state counts and capacities equal what {@code ss -tan}
 * reports for the same private network namespace, and what the scenario itself created: a
 * known mix of TIME_WAIT (client closed first), CLOSE_WAIT (server closed, client never did)
 * and ESTABLISHED sockets toward plain IPv4 destinations (127.0.0.1 and 127.0.0.2), IPv6
 * ({@code ::1}) and v4-mapped ones (a dual-stack Java socket toward an IPv4 server, which the
 * kernel lists in tcp6 as {@code ::ffff:127.0.0.1}), with listeners inside the ephemeral range and
 * reserved ports ({@code ip_local_reserved_ports}) in it.
 *
 * <p>Everything runs in the scenario's own namespace, where the only traffic is on its loopback.
 * 127.0.0.2 needs no address of its own: the namespace's {@code lo} routes all of 127.0.0.0/8
 * locally, with 127.0.0.1 as the source. The expectation is computed from {@code ss -Htan} with
 * the rule (a client side is a
 * socket whose local port lies in the range and is not a listener's port), independently of the
 * library's parser and of {@link Destination}'s own text forms.
 */
@RequiresNetns
@Timeout(300)
class BudgetLiveNetnsTest {
    static final int LOW = 40000;
    static final int HIGH = 40999;
    static final int RESERVED_LOW = 40100;
    static final int RESERVED_HIGH = 40109;
    static final String RESERVED = RESERVED_LOW + "-" + RESERVED_HIGH;
    /** An idle IPv4 listener on a reserved port: already out of the capacity, must not be subtracted twice. */
    static final int RESERVED_LISTENER = 40105;
    /** The server of D2, on 127.0.0.2, inside the range: its accepted sockets are server sides. */
    static final int SERVER_IN_RANGE = 40500;
    /** An idle dual-stack wildcard listener ({@code [::]}, shown by ss as {@code *}) inside the range. */
    static final int WILDCARD_LISTENER = 40600;
    /** Two idle listeners on one port inside the range (127.0.0.1 and ::1): one port of capacity. */
    static final int TWIN_LISTENERS = 40700;
    /** 1,000 ports, less 10 reserved, less the three listener ports in range that are not reserved. */
    static final int EXPECTED_CAPACITY = 1000 - 10 - 3;

    static final String D1 = "127.0.0.1 -> 127.0.0.1:5001";
    static final String D2 = "127.0.0.1 -> 127.0.0.2:" + SERVER_IN_RANGE;
    static final String D3 = "[::1] -> [::1]:5003";
    static final String D4 = "127.0.0.1 -> 127.0.0.1:5004";
    static final String D5 = "127.0.0.1 -> 127.0.0.2:5005";

    static Netns netns() {
        return Netns.builder().portRange(LOW, HIGH).sysctl("net.ipv4.tcp_tw_reuse", "0")
                .sysctl("net.ipv4.ip_local_reserved_ports", RESERVED).timeout(Duration.ofSeconds(150)).build();
    }

    // ------------------------------------------------------------------ what the child returns

    /** Per destination key, per state name, a count. */
    static final class Counts extends TreeMap<String, TreeMap<String, Integer>> {
        private static final long serialVersionUID = 1L;

        void add(String destination, String state, int n) {
            if (n > 0) {
                computeIfAbsent(destination, k -> new TreeMap<>()).merge(state, n, Integer::sum);
            }
        }

        String pretty() {
            StringBuilder sb = new StringBuilder();
            forEach((d, states) -> sb.append("    ").append(d).append(' ').append(states).append('\n'));
            return sb.toString();
        }
    }

    /** Everything the parent asserts on. */
    record Live(Counts created, Counts ssBefore, Counts monitor, Counts ssAfter, TreeMap<String, Integer> monitorUsed,
            TreeMap<String, Integer> monitorCapacity, int snapshotCapacity, int rangeSize, int rangeCapacity,
            int monitorListenersInRange, int ssCapacity, int ssListenersInRange, int ssReservedInRange,
            int ssV4MappedClientSockets, int procfsV4MappedClientSockets, int procfsV6ClientSockets,
            boolean kernelViewAvailable, String ssText) implements Serializable {
    }

    // ------------------------------------------------------------------ scenarios (in the child)

    /** The main mix. */
    public static class Mix implements NetnsScenario<Live> {
        @Override
        public Live run(List<String> args) throws Exception {
            return mix();
        }
    }

    /** Connections to a listener on a reserved port. */
    public static class ReservedPortServer implements NetnsScenario<Live> {
        @Override
        public Live run(List<String> args) throws Exception {
            return reserved();
        }
    }

    /** The main mix: five destinations, every listener kind, the reserved-port listener idle. */
    static Live mix() throws Exception {
        try (Sockets k = new Sockets()) {
            InetAddress lo4 = InetAddress.getByName("127.0.0.1");
            InetAddress lo4b = InetAddress.getByName("127.0.0.2");
            InetAddress lo6 = InetAddress.getByName("::1");
            // Every listener first, so that connect() never picks their ports.
            ServerSocketChannel s1 = k.listen(StandardProtocolFamily.INET, lo4, 5001);
            ServerSocketChannel s2 = k.listen(StandardProtocolFamily.INET, lo4b, SERVER_IN_RANGE);
            ServerSocketChannel s3 = k.listen(StandardProtocolFamily.INET6, lo6, 5003);
            ServerSocketChannel s4 = k.listen(StandardProtocolFamily.INET, lo4, 5004);
            ServerSocketChannel s5 = k.listen(StandardProtocolFamily.INET, lo4b, 5005);
            k.listen(StandardProtocolFamily.INET, lo4, RESERVED_LISTENER);
            k.listen(null, null, WILDCARD_LISTENER); // dual-stack [::]
            k.listen(StandardProtocolFamily.INET, lo4, TWIN_LISTENERS);
            k.listen(StandardProtocolFamily.INET6, lo6, TWIN_LISTENERS);

            Supplier<Client> v4 = () -> Client.channel(StandardProtocolFamily.INET);
            Supplier<Client> v6 = () -> Client.channel(StandardProtocolFamily.INET6);
            Supplier<Client> mapped = Client::dualStackSocket;

            // D1: plain IPv4 to 127.0.0.1:5001
            k.timeWait(D1, v4, s1, 30);
            k.established(D1, v4, s1, 5);
            k.closeWait(D1, v4, s1, 3);
            // D2: plain IPv4 to 127.0.0.2, a server port inside the range
            k.established(D2, v4, s2, 8);
            k.closeWait(D2, v4, s2, 7);
            k.timeWait(D2, v4, s2, 4);
            // D3: IPv6 to ::1
            k.timeWait(D3, v6, s3, 12);
            k.established(D3, v6, s3, 4);
            k.closeWait(D3, v6, s3, 2);
            // D4: only v4-mapped clients (dual-stack sockets, in tcp6) to an IPv4 server
            k.timeWait(D4, mapped, s4, 9);
            k.established(D4, mapped, s4, 6);
            k.closeWait(D4, mapped, s4, 2);
            // D5: plain and v4-mapped clients to one IPv4 server share one budget
            k.timeWait(D5, v4, s5, 5);
            k.timeWait(D5, mapped, s5, 5);
            k.established(D5, v4, s5, 2);
            k.established(D5, mapped, s5, 3);
            return k.observe();
        }
    }

    /**
     * Connections to a listener on a reserved port inside the range: its accepted sockets have a
     * listener's port as local port, so they are server sides and belong to no client budget.
     */
    static Live reserved() throws Exception {
        try (Sockets k = new Sockets()) {
            InetAddress lo4 = InetAddress.getByName("127.0.0.1");
            ServerSocketChannel reserved = k.listen(StandardProtocolFamily.INET, lo4, RESERVED_LISTENER);
            k.listen(StandardProtocolFamily.INET, lo4, SERVER_IN_RANGE);
            k.listen(null, null, WILDCARD_LISTENER);
            k.listen(StandardProtocolFamily.INET, lo4, TWIN_LISTENERS);
            String d = "127.0.0.1 -> 127.0.0.1:" + RESERVED_LISTENER;
            k.established(d, () -> Client.channel(StandardProtocolFamily.INET), reserved, 3);
            k.closeWait(d, () -> Client.channel(StandardProtocolFamily.INET), reserved, 2);
            k.timeWait(d, () -> Client.channel(StandardProtocolFamily.INET), reserved, 4);
            return k.observe();
        }
    }

    /** A client socket: a channel of one family, or a classic dual-stack {@link Socket}. */
    static final class Client implements Closeable {
        final SocketChannel channel;
        final Socket socket;

        private Client(SocketChannel channel, Socket socket) {
            this.channel = channel;
            this.socket = socket;
        }

        static Client channel(StandardProtocolFamily family) {
            try {
                return new Client(SocketChannel.open(family), null);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        static Client dualStackSocket() {
            return new Client(null, new Socket());
        }

        void connect(InetSocketAddress to) throws IOException {
            if (channel != null) {
                channel.connect(to);
            } else {
                socket.connect(to, 5_000);
            }
        }

        InetAddress localAddress() {
            return channel != null ? channel.socket().getLocalAddress() : socket.getLocalAddress();
        }

        @Override
        public void close() throws IOException {
            if (channel != null) {
                channel.close();
            } else {
                socket.close();
            }
        }
    }

    /** Makes the sockets, remembers what it made, keeps them open, and observes the namespace. */
    static final class Sockets implements AutoCloseable {
        private final List<Closeable> open = new ArrayList<>();
        private final Counts created = new Counts();
        private int createdTimeWait;
        private int createdCloseWait;

        ServerSocketChannel listen(StandardProtocolFamily family, InetAddress address, int port) throws IOException {
            ServerSocketChannel s = family == null ? ServerSocketChannel.open() : ServerSocketChannel.open(family);
            open.add(s);
            s.bind(address == null ? new InetSocketAddress(port) : new InetSocketAddress(address, port), 128);
            return s;
        }

        private SocketChannel connect(String destination, Client client, ServerSocketChannel server, String state)
                throws IOException {
            InetSocketAddress to = (InetSocketAddress) server.getLocalAddress();
            client.connect(to);
            String key = key(client.localAddress(), to.getAddress(), to.getPort());
            if (!key.equals(destination)) {
                throw new IllegalStateException("client " + key + " is not toward " + destination);
            }
            created.add(destination, state, 1);
            SocketChannel accepted = server.accept();
            accepted.socket().setSoTimeout(5_000);
            return accepted;
        }

        /** The client closes first and the server after it: TIME_WAIT on the client. */
        void timeWait(String destination, Supplier<Client> clients, ServerSocketChannel server, int n)
                throws IOException {
            for (int i = 0; i < n; i++) {
                Client client = clients.get();
                try (SocketChannel accepted = connect(destination, client, server, TcpState.TIME_WAIT.name())) {
                    client.close();
                    InputStream in = accepted.socket().getInputStream();
                    if (in.read() != -1) {
                        throw new IllegalStateException("expected EOF from the closing client");
                    }
                }
                createdTimeWait++;
            }
        }

        /** Both ends stay open. */
        void established(String destination, Supplier<Client> clients, ServerSocketChannel server, int n)
                throws IOException {
            for (int i = 0; i < n; i++) {
                Client client = clients.get();
                open.add(client);
                open.add(connect(destination, client, server, TcpState.ESTABLISHED.name()));
            }
        }

        /** The server closes; the client never does: CLOSE_WAIT on the client. */
        void closeWait(String destination, Supplier<Client> clients, ServerSocketChannel server, int n)
                throws IOException {
            for (int i = 0; i < n; i++) {
                Client client = clients.get();
                open.add(client);
                connect(destination, client, server, TcpState.CLOSE_WAIT.name()).close();
                createdCloseWait++;
            }
        }

        /** Waits until no socket is between states, then ss, the monitor's snapshot, and ss again. */
        Live observe() throws Exception {
            Procfs procfs = Procfs.system();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            TcpTable table = procfs.tcpTable().get();
            while (!settled(table) && System.nanoTime() < deadline) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
                table = procfs.tcpTable().get();
            }
            if (!settled(table)) {
                throw new IllegalStateException("sockets did not settle in 20 s: " + table.countByState());
            }
            int[] range = readRange();
            BitSet reserved = readReserved();

            String ssBeforeText = ss();
            BudgetSnapshot snapshot = PortBudgetMonitor.builder().build().snapshot();
            TcpTable tableAtSnapshot = procfs.tcpTable().get();
            String ssAfterText = ss();
            System.out.println("ss -Htan:\n" + ssBeforeText);
            System.out.println("snapshot: " + snapshot);

            Counts monitor = new Counts();
            TreeMap<String, Integer> used = new TreeMap<>();
            TreeMap<String, Integer> capacity = new TreeMap<>();
            for (DestinationBudget b : snapshot.destinations()) {
                String key = key(b.destination().local(), b.destination().remote(), b.destination().remotePort());
                monitor.computeIfAbsent(key, x -> new TreeMap<>());
                b.states().forEach((state, n) -> monitor.add(key, state.name(), n));
                used.put(key, b.used());
                capacity.put(key, b.capacity());
            }

            Ss before = Ss.parse(ssBeforeText, range[0], range[1]);
            Ss after = Ss.parse(ssAfterText, range[0], range[1]);
            int reservedInRange = reserved.get(range[0], range[1] + 1).cardinality();
            BitSet listenerPortsNotReserved = (BitSet) before.listenerPortsInRange.clone();
            listenerPortsNotReserved.andNot(reserved);
            int ssCapacity = (range[1] - range[0] + 1) - reservedInRange - listenerPortsNotReserved.cardinality();

            int mapped = 0;
            int v6 = 0;
            for (TcpSocket s : tableAtSnapshot.sockets()) {
                boolean client = s.state() != TcpState.LISTEN && s.localPort() >= range[0] && s.localPort() <= range[1]
                        && !before.listenerPortsInRange.get(s.localPort());
                if (client && s.isV4Mapped()) {
                    mapped++;
                }
                if (client && s.fromTcp6() && !s.isV4Mapped()) {
                    v6++;
                }
            }
            return new Live(created, before.clients, monitor, after.clients, used, capacity, snapshot.capacity(),
                    snapshot.range().size(), snapshot.range().capacity(), snapshot.listenersInRange(), ssCapacity,
                    before.listenerPortsInRange.cardinality(), reservedInRange, before.v4MappedClients, mapped, v6,
                    snapshot.kernelViewAvailable(), ssBeforeText);
        }

        /** Nothing half-open or half-closed, and every TIME_WAIT and CLOSE_WAIT made is there. */
        private boolean settled(TcpTable t) {
            for (TcpState s : new TcpState[] {TcpState.SYN_SENT, TcpState.SYN_RECV, TcpState.FIN_WAIT1,
                    TcpState.LAST_ACK, TcpState.CLOSING, TcpState.NEW_SYN_RECV}) {
                if (t.count(s) > 0) {
                    return false;
                }
            }
            return t.count(TcpState.TIME_WAIT) == createdTimeWait && t.count(TcpState.CLOSE_WAIT) == createdCloseWait;
        }

        @Override
        public void close() {
            for (Closeable c : open) {
                try {
                    c.close();
                } catch (IOException ignored) {
                    // closing all the same
                }
            }
        }
    }

    /** {@code ss -Htan}, parsed with the rule for a client side. */
    static final class Ss {
        final Counts clients = new Counts();
        final BitSet listenerPortsInRange = new BitSet(65536);
        int v4MappedClients;

        static Ss parse(String text, int low, int high) {
            Ss ss = new Ss();
            List<String[]> rows = new ArrayList<>();
            BitSet listenerPorts = new BitSet(65536);
            for (String line : text.split("\n")) {
                if (line.isBlank()) {
                    continue;
                }
                String[] f = line.trim().split("\\s+");
                if (f.length < 5) {
                    throw new IllegalStateException("unexpected ss line: " + line);
                }
                rows.add(f);
                if (f[0].equals("LISTEN")) {
                    int port = port(f[3]);
                    listenerPorts.set(port);
                    if (port >= low && port <= high) {
                        ss.listenerPortsInRange.set(port);
                    }
                }
            }
            for (String[] f : rows) {
                if (f[0].equals("LISTEN")) {
                    continue;
                }
                int localPort = port(f[3]);
                if (localPort < low || localPort > high || listenerPorts.get(localPort)) {
                    continue;
                }
                ss.clients.add(key(address(f[3]), address(f[4]), port(f[4])), state(f[0]), 1);
                if (host(f[3]).toLowerCase(Locale.ROOT).startsWith("::ffff:")) {
                    ss.v4MappedClients++;
                }
            }
            return ss;
        }

        /** ss's state names: {@code ESTAB}, {@code TIME-WAIT}, {@code FIN-WAIT-2}, {@code UNCONN} ... */
        static String state(String ss) {
            switch (ss) {
                case "ESTAB":
                    return TcpState.ESTABLISHED.name();
                case "UNCONN":
                    return TcpState.CLOSE.name();
                case "FIN-WAIT-1":
                    return TcpState.FIN_WAIT1.name();
                case "FIN-WAIT-2":
                    return TcpState.FIN_WAIT2.name();
                case "SYN-SENT":
                case "SYN-RECV":
                case "TIME-WAIT":
                case "CLOSE-WAIT":
                case "LAST-ACK":
                case "LISTEN":
                case "CLOSING":
                    return TcpState.valueOf(ss.replace('-', '_')).name();
                default:
                    throw new IllegalStateException("unknown ss state " + ss);
            }
        }

        /** {@code 127.0.0.1:5001}, {@code [::1]:5003}, {@code [::ffff:127.0.0.1]:40001}, {@code *:40600}. */
        static String host(String addressAndPort) {
            int colon = addressAndPort.lastIndexOf(':');
            String host = addressAndPort.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            int scope = host.indexOf('%');
            return scope < 0 ? host : host.substring(0, scope);
        }

        static int port(String addressAndPort) {
            String port = addressAndPort.substring(addressAndPort.lastIndexOf(':') + 1);
            return port.equals("*") ? 0 : Integer.parseInt(port);
        }

        /** The address, a v4-mapped one as its IPv4 address (one port space, one budget). */
        static InetAddress address(String addressAndPort) {
            String host = host(addressAndPort);
            if (host.toLowerCase(Locale.ROOT).startsWith("::ffff:") && host.contains(".")) {
                host = host.substring("::ffff:".length());
            }
            try {
                return InetAddress.getByName(host);
            } catch (IOException e) {
                throw new IllegalStateException("not an address: " + host, e);
            }
        }
    }

    /** {@code local -> remote:port}, IPv6 in brackets, {@code ::1} short; independent of Destination's text. */
    static String key(InetAddress local, InetAddress remote, int port) {
        return text(local) + " -> " + text(remote) + ":" + port;
    }

    private static String text(InetAddress a) {
        if (a instanceof Inet6Address) {
            byte[] b = a.getAddress();
            boolean mapped = b[10] == (byte) 0xFF && b[11] == (byte) 0xFF;
            for (int i = 0; i < 10; i++) {
                mapped &= b[i] == 0;
            }
            if (mapped) {
                return (b[12] & 0xFF) + "." + (b[13] & 0xFF) + "." + (b[14] & 0xFF) + "." + (b[15] & 0xFF);
            }
            return "[" + (a.isLoopbackAddress() ? "::1" : a.getHostAddress()) + "]";
        }
        return a.getHostAddress();
    }

    static String ss() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("ss", "-Htan").redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(15, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("ss -Htan failed: " + new String(out, StandardCharsets.UTF_8));
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    /** A /proc/sys file in one large read: sysctl handlers answer EOF to any read at an offset. */
    static String readSysctl(String name) throws IOException {
        byte[] buf = new byte[64 * 1024];
        int len;
        try (InputStream in = Files.newInputStream(Path.of("/proc/sys/net/ipv4", name))) {
            len = Math.max(0, in.read(buf));
        }
        return new String(buf, 0, len, StandardCharsets.US_ASCII).trim();
    }

    static int[] readRange() throws IOException {
        String[] f = readSysctl("ip_local_port_range").split("\\s+");
        return new int[] {Integer.parseInt(f[0]), Integer.parseInt(f[1])};
    }

    static BitSet readReserved() throws IOException {
        BitSet reserved = new BitSet(65536);
        String text = readSysctl("ip_local_reserved_ports");
        if (!text.isEmpty()) {
            for (String item : text.split(",")) {
                String[] ends = item.trim().split("-");
                int start = Integer.parseInt(ends[0]);
                int end = ends.length > 1 ? Integer.parseInt(ends[1]) : start;
                reserved.set(start, end + 1);
            }
        }
        return reserved;
    }

    // ------------------------------------------------------------------ tests (in the parent)

    private static void print(String title, Live live) {
        System.out.println(title);
        System.out.println("  range " + LOW + "-" + HIGH + ", reserved " + RESERVED + ": size " + live.rangeSize()
                + ", reserved in range " + live.ssReservedInRange() + ", listener ports in range (ss) "
                + live.ssListenersInRange() + ", monitor listenersInRange " + live.monitorListenersInRange());
        System.out.println("  capacity: ss rule " + live.ssCapacity() + ", snapshot " + live.snapshotCapacity()
                + ", per destination " + live.monitorCapacity());
        System.out.println("  v4-mapped client sockets: ss " + live.ssV4MappedClientSockets() + ", procfs "
                + live.procfsV4MappedClientSockets() + "; IPv6 client sockets (procfs) " + live.procfsV6ClientSockets());
        System.out.println("  created by the scenario:\n" + live.created().pretty());
        System.out.println("  ss -tan (client sides):\n" + live.ssBefore().pretty());
        System.out.println("  PortBudgetMonitor:\n" + live.monitor().pretty());
        System.out.println("  monitor used: " + live.monitorUsed());
    }

    private static void assertCommon(Live live) {
        assertThat(live.kernelViewAvailable()).isTrue();
        assertThat(live.ssAfter()).as("ss after the snapshot, same as before: nothing moved")
                .isEqualTo(live.ssBefore());
        assertThat(live.monitor()).as("monitor per destination per state = ss -tan").isEqualTo(live.ssBefore());
        assertThat(live.monitor()).as("monitor = what the scenario created").isEqualTo(live.created());
        live.monitor().forEach((d, states) -> assertThat(live.monitorUsed().get(d)).as("used of %s", d)
                .isEqualTo(states.values().stream().mapToInt(Integer::intValue).sum()));

        assertThat(live.rangeSize()).isEqualTo(1000);
        assertThat(live.ssReservedInRange()).isEqualTo(10);
        assertThat(live.rangeCapacity()).as("range less reserved ports").isEqualTo(990);
        assertThat(live.monitorListenersInRange()).as("listener ports in range, reserved ones excluded").isEqualTo(3);
        assertThat(live.ssCapacity()).isEqualTo(EXPECTED_CAPACITY);
        assertThat(live.snapshotCapacity()).isEqualTo(EXPECTED_CAPACITY);
        assertThat(live.monitorCapacity().values()).isNotEmpty().containsOnly(EXPECTED_CAPACITY);
    }

    @Test
    void perDestinationPerStateCountsAndCapacitiesEqualSs() {
        Live live = netns().run(Mix.class);
        print("Mix: TIME_WAIT, CLOSE_WAIT, ESTABLISHED to v4, v6, v4-mapped; listeners in range; reserved ports", live);
        assertCommon(live);
        assertThat(live.ssListenersInRange()).as("40105 (reserved), 40500, 40600, 40700").isEqualTo(4);

        Counts expected = new Counts();
        expected.add(D1, "TIME_WAIT", 30);
        expected.add(D1, "ESTABLISHED", 5);
        expected.add(D1, "CLOSE_WAIT", 3);
        expected.add(D2, "ESTABLISHED", 8);
        expected.add(D2, "CLOSE_WAIT", 7);
        expected.add(D2, "TIME_WAIT", 4);
        expected.add(D3, "TIME_WAIT", 12);
        expected.add(D3, "ESTABLISHED", 4);
        expected.add(D3, "CLOSE_WAIT", 2);
        expected.add(D4, "TIME_WAIT", 9);
        expected.add(D4, "ESTABLISHED", 6);
        expected.add(D4, "CLOSE_WAIT", 2);
        expected.add(D5, "TIME_WAIT", 10);
        expected.add(D5, "ESTABLISHED", 5);
        assertThat(live.created()).isEqualTo(expected);
        assertThat(live.monitor()).isEqualTo(expected);
        assertThat(live.monitor().get(D1)).containsEntry("TIME_WAIT", 30);
        assertThat(live.monitorUsed()).containsEntry(D1, 38).containsEntry(D2, 19).containsEntry(D3, 18)
                .containsEntry(D4, 17).containsEntry(D5, 15);

        // The mix really has each kind: v4-mapped sockets in tcp6 (D4, and D5's half), and IPv6 ones.
        assertThat(live.ssV4MappedClientSockets()).isEqualTo(17 + 8);
        assertThat(live.procfsV4MappedClientSockets()).isEqualTo(17 + 8);
        assertThat(live.procfsV6ClientSockets()).isEqualTo(18);
    }

    @Test
    void acceptedSocketsOfAListenerOnAReservedPortAreServerSidesNotDestinations() {
        Live live = netns().run(ReservedPortServer.class);
        print("Connections to a listener on reserved port " + RESERVED_LISTENER, live);
        String d = "127.0.0.1 -> 127.0.0.1:" + RESERVED_LISTENER;
        Counts expected = new Counts();
        expected.add(d, "ESTABLISHED", 3);
        expected.add(d, "CLOSE_WAIT", 2);
        expected.add(d, "TIME_WAIT", 4);
        assertThat(live.ssBefore()).isEqualTo(expected);
        assertCommon(live);
        assertThat(live.monitor()).isEqualTo(expected);
    }

    @Test
    void keysAndSsParsing() {
        assertThat(Ss.state("TIME-WAIT")).isEqualTo("TIME_WAIT");
        assertThat(Ss.state("ESTAB")).isEqualTo("ESTABLISHED");
        assertThat(Ss.state("FIN-WAIT-2")).isEqualTo("FIN_WAIT2");
        assertThat(Ss.port("*:40600")).isEqualTo(40600);
        assertThat(Ss.port("[::]:*")).isZero();
        assertThat(text(Ss.address("[::ffff:127.0.0.1]:40001"))).isEqualTo("127.0.0.1");
        assertThat(text(Ss.address("[::1]:5003"))).isEqualTo("[::1]");
        String sample = "LISTEN 0 128 127.0.0.1:40700 0.0.0.0:*\n"
                + "TIME-WAIT 0 0 [::ffff:127.0.0.1]:40001 [::ffff:127.0.0.1]:5001\n"
                + "ESTAB 0 0 127.0.0.1:40002 127.0.0.1:5001\n"
                + "ESTAB 0 0 127.0.0.1:40700 127.0.0.1:40003\n"
                + "ESTAB 0 0 127.0.0.1:5001 127.0.0.1:40002\n";
        Ss ss = Ss.parse(sample, LOW, HIGH);
        assertThat(ss.clients).isEqualTo(Map.of("127.0.0.1 -> 127.0.0.1:5001",
                new TreeMap<>(Map.of("TIME_WAIT", 1, "ESTABLISHED", 1))));
        assertThat(ss.v4MappedClients).isEqualTo(1);
        assertThat(ss.listenerPortsInRange.cardinality()).isEqualTo(1);
    }
}
