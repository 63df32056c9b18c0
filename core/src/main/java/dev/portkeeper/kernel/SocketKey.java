package dev.portkeeper.kernel;

import java.net.InetSocketAddress;
import java.util.Objects;

/** An address and port converted once, so a table-wide filter compares longs, not InetAddress objects. */
record SocketKey(long hi, long lo, int port) {

    static SocketKey of(InetSocketAddress address) {
        Objects.requireNonNull(address, "address");
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("unresolved address: " + address);
        }
        return new SocketKey(Ip128.hi(address.getAddress()), Ip128.lo(address.getAddress()), address.getPort());
    }

    boolean matchesRemote(TcpSocket socket) {
        return socket.remotePort() == port && socket.remoteHi() == hi && socket.remoteLo() == lo;
    }

    boolean matchesLocal(TcpSocket socket) {
        return socket.localPort() == port && socket.localHi() == hi && socket.localLo() == lo;
    }
}
