package dev.portkeeper.benchmarks;

import dev.portkeeper.kernel.Procfs;
import dev.portkeeper.kernel.TcpSocket;
import dev.portkeeper.kernel.TcpState;

/**
 * Counts, from the kernel's own tables, the TIME_WAIT sockets toward a server port. An iteration's
 * count at its end less the count at its start is the TIME_WAIT sockets it created: exact where
 * none expires in between (a JMH run here lasts well under the 60 s of TIME_WAIT) and
 * {@code tcp_tw_reuse} does not take sockets over (run in a namespace with {@code tcp_tw_reuse=0});
 * NaN without procfs. (The time left on each socket's timer cannot date it closely enough: the
 * kernel's timer wheel rounds a 60 s timer by up to a tenth of a second and more.)
 */
final class KernelTimeWait {
    private KernelTimeWait() {
    }

    static double count(int serverPort) {
        Procfs procfs = Procfs.system();
        if (!procfs.isAvailable()) {
            return Double.NaN;
        }
        int n = 0;
        for (TcpSocket s : procfs.tcpTable().get().sockets()) {
            if (s.state() == TcpState.TIME_WAIT && s.remotePort() == serverPort) {
                n++;
            }
        }
        return n;
    }
}
