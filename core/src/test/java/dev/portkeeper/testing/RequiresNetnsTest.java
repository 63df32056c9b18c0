package dev.portkeeper.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Class-level {@link RequiresNetns}, and the use case the support exists for: with a 10-port range
 * and {@code tcp_tw_reuse=0}, ten client-closed connections leave ten ports in TIME_WAIT and the
 * eleventh connect fails for lack of an ephemeral port.
 */
@RequiresNetns
@Timeout(180)
class RequiresNetnsTest {

    /** Connects (client closes first) until connect fails; returns [successes, failure message]. */
    public static class ExhaustByTimeWait implements NetnsScenario<ArrayList<String>> {
        @Override
        public ArrayList<String> run(List<String> args) throws Exception {
            int max = Integer.parseInt(args.get(0));
            InetAddress loopback = InetAddress.getByName("127.0.0.1");
            // a fixed server port outside the ephemeral range; the namespace is private, so no clash
            try (ServerSocket server = new ServerSocket(5000, 50, loopback)) {
                int connected = 0;
                String failure = "none";
                while (connected < max) {
                    Socket client = new Socket();
                    try {
                        client.connect(new InetSocketAddress(loopback, 5000), 5_000);
                    } catch (IOException e) {
                        client.close();
                        failure = e.toString();
                        break;
                    }
                    connected++;
                    try (Socket accepted = server.accept()) {
                        client.close();
                        accepted.setSoTimeout(5_000);
                        accepted.getInputStream().read();
                    }
                }
                return new ArrayList<>(List.of(Integer.toString(connected), failure));
            }
        }
    }

    @Test
    void tenPortsInTimeWaitExhaustATenPortRange() {
        ArrayList<String> result = Netns.builder()
                .portRange(40000, 40009)
                .sysctl("net.ipv4.tcp_tw_reuse", "0")
                .build()
                .run(ExhaustByTimeWait.class, "50");

        assertThat(result.get(0)).isEqualTo("10");
        assertThat(result.get(1)).contains("Cannot assign requested address");
    }
}
