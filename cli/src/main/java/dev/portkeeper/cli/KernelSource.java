package dev.portkeeper.cli;

import dev.portkeeper.kernel.Procfs;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Where doctor and watch read the kernel: this host's {@code /proc}, or a procfs tree given with {@code --procfs}. */
final class KernelSource {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--procfs", paramLabel = "DIR",
            description = "Read a directory laid out like /proc (net/tcp, net/tcp6, net/sockstat, sys/net/ipv4/..., "
                    + "<pid>/fd) instead of this host's /proc, e.g. a capture.")
    Path procfsDir;

    @Option(names = "--procfs-byte-order", paramLabel = "ORDER",
            description = "little or big: the byte order of the host that wrote the --procfs tree, since the kernel "
                    + "prints addresses in host order (default: this host's).")
    String byteOrder;

    Procfs procfs() {
        if (procfsDir == null) {
            if (byteOrder != null) {
                throw new ParameterException(spec.commandLine(), "--procfs-byte-order needs --procfs");
            }
            return Procfs.system();
        }
        if (!Files.isDirectory(procfsDir)) {
            throw new ParameterException(spec.commandLine(), "--procfs " + procfsDir + ": no such directory");
        }
        return Procfs.at(procfsDir, order());
    }

    private ByteOrder order() {
        if (byteOrder == null) {
            return ByteOrder.nativeOrder();
        }
        switch (byteOrder.toLowerCase(Locale.ROOT)) {
            case "little":
            case "little-endian":
                return ByteOrder.LITTLE_ENDIAN;
            case "big":
            case "big-endian":
                return ByteOrder.BIG_ENDIAN;
            default:
                throw new ParameterException(spec.commandLine(),
                        "--procfs-byte-order must be little or big: " + byteOrder);
        }
    }

    boolean live() {
        return procfsDir == null;
    }

    /** What is read: {@code network namespace net:[4026531840]} or {@code procfs tree DIR}. */
    String describe() {
        if (procfsDir != null) {
            return "procfs tree " + procfsDir;
        }
        try {
            return "network namespace " + Files.readSymbolicLink(Path.of("/proc/self/ns/net"));
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return "this host's network namespace";
        }
    }
}
