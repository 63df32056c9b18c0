package dev.portkeeper;

import static org.awaitility.Awaitility.await;

import dev.portkeeper.kernel.Procfs;
import dev.portkeeper.kernel.TcpState;
import dev.portkeeper.testing.Netns;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.opentest4j.TestAbortedException;

/**
 * A real memcached (the Debian package, which {@code .ci/run} installs), started by a test as a
 * child process on 127.0.0.1 inside its private network namespace and killed when closed.
 */
final class Memcached implements AutoCloseable {
    private final Process process;
    private final int port;

    private Memcached(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** @return the memcached binary, if installed */
    static Optional<Path> find() {
        List<String> dirs = new ArrayList<>(List.of("/usr/bin", "/usr/local/bin", "/usr/sbin"));
        String path = System.getenv("PATH");
        if (path != null) {
            dirs.addAll(List.of(path.split(File.pathSeparator)));
        }
        return dirs.stream().filter(d -> !d.isEmpty()).map(d -> Path.of(d, "memcached"))
                .filter(p -> Files.isRegularFile(p) && Files.isExecutable(p)).findFirst();
    }

    /**
     * Skips the test, saying why, when memcached is not installed; fails it instead when
     * {@value Netns#REQUIRE_ENV}=1 (CI), where .ci/run should have installed it.
     */
    static void assumeInstalled() {
        if (find().isPresent()) {
            return;
        }
        String reason = "memcached is not installed (Debian package memcached; .ci/run installs it)";
        String required = System.getenv(Netns.REQUIRE_ENV);
        if (required != null && (required.strip().equals("1") || required.strip().equalsIgnoreCase("true"))) {
            System.err.println("[memcached] FAILING (" + Netns.REQUIRE_ENV + "=1): " + reason);
            Assertions.fail(reason + " (" + Netns.REQUIRE_ENV + "=1 requires it)");
        }
        System.err.println("[memcached] SKIPPED: " + reason);
        throw new TestAbortedException(reason);
    }

    /**
     * Starts {@code memcached -u nobody -l 127.0.0.1 -p PORT -U 0} and waits until it accepts.
     * Only inside a private network namespace: nothing else may listen there.
     */
    static Memcached start(int port) throws IOException {
        Path binary = find().orElseThrow(() -> new IOException("memcached is not installed"));
        Process p = new ProcessBuilder(binary.toString(), "-u", "nobody", "-l", "127.0.0.1", "-p", Integer.toString(port),
                "-U", "0", "-c", "1024").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.INHERIT).start();
        Memcached m = new Memcached(p, port);
        // Ready when the kernel lists its listener: a probe connection would leave a TIME_WAIT of its own.
        Procfs procfs = Procfs.system();
        InetSocketAddress address = m.address();
        try {
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20)).until(() -> {
                if (!p.isAlive()) {
                    throw new IOException("memcached exited with code " + p.exitValue());
                }
                return procfs.tcpTable().get().withLocal(address).stream().anyMatch(s -> s.state() == TcpState.LISTEN);
            });
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
        return m;
    }

    Endpoint endpoint() {
        return Endpoint.of("127.0.0.1", port);
    }

    InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", port);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
