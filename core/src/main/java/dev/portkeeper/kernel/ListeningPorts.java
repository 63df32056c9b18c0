package dev.portkeeper.kernel;

import java.util.BitSet;

/**
 * The ports that sockets in LISTEN hold, from one {@link TcpTable}. A listener's port is taken
 * for {@code connect()} too, and the sockets it accepts share that local port: a socket whose
 * local port is a listener's is a server side, not a client's. Immutable.
 */
public final class ListeningPorts {
    private final BitSet ports;

    private ListeningPorts(BitSet ports) {
        this.ports = ports;
    }

    /**
     * @param table a socket table
     * @return the ports its listeners hold
     */
    public static ListeningPorts of(TcpTable table) {
        BitSet ports = new BitSet(65536);
        for (TcpSocket s : table.sockets()) {
            if (s.state() == TcpState.LISTEN) {
                ports.set(s.localPort());
            }
        }
        return new ListeningPorts(ports);
    }

    /**
     * @param port a port
     * @return whether a listener holds it
     */
    public boolean contains(int port) {
        return ports.get(port);
    }

    /**
     * @param range the ephemeral range
     * @return how many listened-on ports the range would otherwise hand out (in it, not reserved)
     */
    public int ephemeralCount(EphemeralRange range) {
        int n = 0;
        for (int p = ports.nextSetBit(range.low()); p >= 0 && p <= range.high(); p = ports.nextSetBit(p + 1)) {
            if (!range.isReserved(p)) {
                n++;
            }
        }
        return n;
    }
}
