package dev.portkeeper.cli;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * iproute2's {@code ss -Htan} as a second opinion: its output, and the same summary doctor gives
 * (client-side sockets per destination by state, totals by state) computed from it.
 */
final class Ss {
    private static final Map<String, String> STATES = Map.ofEntries(Map.entry("ESTAB", "ESTABLISHED"),
            Map.entry("SYN-SENT", "SYN_SENT"), Map.entry("SYN-RECV", "SYN_RECV"), Map.entry("FIN-WAIT-1", "FIN_WAIT1"),
            Map.entry("FIN-WAIT-2", "FIN_WAIT2"), Map.entry("TIME-WAIT", "TIME_WAIT"), Map.entry("UNCONN", "CLOSE"),
            Map.entry("CLOSE-WAIT", "CLOSE_WAIT"), Map.entry("LAST-ACK", "LAST_ACK"), Map.entry("LISTEN", "LISTEN"),
            Map.entry("CLOSING", "CLOSING"));

    private Ss() {
    }

    /** Runs {@code ss -Htan} (in the caller's network namespace). */
    static String tan() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("ss", "-Htan").redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("ss -Htan failed: " + out);
        }
        return out;
    }

    /** Every socket by state, named as doctor names them. */
    static Map<String, Integer> totals(String ssOutput) {
        Map<String, Integer> totals = new TreeMap<>();
        for (String line : ssOutput.split("\\R")) {
            if (!line.isBlank()) {
                totals.merge(state(line.trim().split("\\s+")[0]), 1, Integer::sum);
            }
        }
        return totals;
    }

    /**
     * Client-side sockets (local port in {@code low..high}, not a listener) by destination, as
     * {@code "local remote remotePort" -> {STATE -> count}}; v4-mapped addresses as IPv4.
     */
    static Map<String, Map<String, Integer>> destinations(String ssOutput, int low, int high) throws IOException {
        Map<String, Map<String, Integer>> out = new TreeMap<>();
        for (String line : ssOutput.split("\\R")) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.trim().split("\\s+");
            String state = state(f[0]);
            Endpoint local = endpoint(f[3]);
            if (state.equals("LISTEN") || local.port < low || local.port > high) {
                continue;
            }
            Endpoint remote = endpoint(f[4]);
            out.computeIfAbsent(local.host + " " + remote.host + " " + remote.port, k -> new TreeMap<>())
                    .merge(state, 1, Integer::sum);
        }
        return out;
    }

    private static String state(String ss) {
        String s = STATES.get(ss);
        if (s == null) {
            throw new IllegalArgumentException("unknown ss state " + ss);
        }
        return s;
    }

    private record Endpoint(String host, int port) {
    }

    /** {@code 127.0.0.1:5000}, {@code [::ffff:127.0.0.1]:5000}, {@code [::1]:5001}, {@code 127.0.0.1%lo:5000}. */
    private static Endpoint endpoint(String text) throws IOException {
        int colon = text.lastIndexOf(':');
        String host = text.substring(0, colon).replaceAll("^\\[|]$", "").replaceAll("%.*$", "");
        int port = Integer.parseInt(text.substring(colon + 1));
        if (host.equals("*")) {
            return new Endpoint("*", port);
        }
        // The JDK turns a v4-mapped literal into an Inet4Address, as doctor reports it.
        return new Endpoint(Texts.address(InetAddress.getByName(host)), port);
    }

    /** Doctor's destinations in the same form. */
    @SuppressWarnings("unchecked")
    static Map<String, Map<String, Integer>> fromDoctor(Map<String, Object> doctor) {
        Map<String, Map<String, Integer>> out = new TreeMap<>();
        for (Object o : (List<Object>) doctor.get("destinations")) {
            Map<String, Object> d = (Map<String, Object>) o;
            Map<String, Integer> states = new TreeMap<>();
            ((Map<String, Object>) d.get("states")).forEach((k, v) -> states.put(k, ((Number) v).intValue()));
            out.put(d.get("local") + " " + d.get("remote") + " " + d.get("remotePort"), states);
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Integer> totalsFromDoctor(Map<String, Object> doctor) {
        Map<String, Integer> out = new HashMap<>();
        ((Map<String, Object>) doctor.get("totals")).forEach((k, v) -> out.put(k, ((Number) v).intValue()));
        return new TreeMap<>(out);
    }
}
