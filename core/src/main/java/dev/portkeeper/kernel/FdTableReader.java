package dev.portkeeper.kernel;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Reads {@code <pid dir>/fd} and {@code <pid dir>/limits} into a {@link ProcessFds}.
 *
 * <p>Costs one {@code readlink} per descriptor: fine for a periodic check, not for a hot path.
 */
final class FdTableReader {

    private static final String SOCKET_PREFIX = "socket:[";
    private static final String MAX_OPEN_FILES = "Max open files";
    private static final long UNKNOWN = -1;

    private FdTableReader() {
    }

    /**
     * @throws IOException if the fd directory cannot be listed (gone, or another user's process)
     */
    static ProcessFds read(Path pidDir) throws IOException {
        Path fdDir = pidDir.resolve("fd");
        // Listing fd/ opens a descriptor on fd/ itself; recognising it by its target keeps it out of the count.
        String listingTarget = fdDir.toRealPath().toString();
        int fdCount = 0;
        long[] inodes = new long[64];
        int socketCount = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(fdDir)) {
            for (Path entry : entries) {
                String target;
                try {
                    target = Files.readSymbolicLink(entry).toString();
                } catch (NoSuchFileException e) {
                    continue; // closed between the listing and the readlink
                } catch (IOException | UnsupportedOperationException e) {
                    target = "";
                }
                if (target.equals(listingTarget)) {
                    continue;
                }
                fdCount++;
                long inode = socketInode(target);
                if (inode > 0) {
                    if (socketCount == inodes.length) {
                        inodes = Arrays.copyOf(inodes, inodes.length * 2);
                    }
                    inodes[socketCount++] = inode;
                }
            }
        }
        long[] limits = readLimits(pidDir.resolve("limits"));
        return new ProcessFds(fdCount, sortedDistinct(inodes, socketCount), limits[0], limits[1]);
    }

    /** Returns the inode of a {@code socket:[12345]} link target, or -1 for anything else. */
    static long socketInode(String target) {
        if (!target.startsWith(SOCKET_PREFIX) || !target.endsWith("]")) {
            return -1;
        }
        try {
            return Long.parseLong(target.substring(SOCKET_PREFIX.length(), target.length() - 1));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Returns {soft, hard} of "Max open files"; a missing file or line is not fatal, the limits are then unknown. */
    static long[] readLimits(Path limitsFile) {
        String text;
        try {
            text = ProcFiles.readString(limitsFile);
        } catch (IOException e) {
            return new long[] {UNKNOWN, UNKNOWN};
        }
        for (String line : text.split("\n")) {
            if (line.startsWith(MAX_OPEN_FILES)) {
                String[] fields = line.substring(MAX_OPEN_FILES.length()).trim().split("\\s+");
                if (fields.length >= 2) {
                    return new long[] {parseLimit(fields[0]), parseLimit(fields[1])};
                }
            }
        }
        return new long[] {UNKNOWN, UNKNOWN};
    }

    private static long parseLimit(String field) {
        if (field.equals("unlimited")) {
            return Long.MAX_VALUE;
        }
        try {
            return Long.parseLong(field);
        } catch (NumberFormatException e) {
            return UNKNOWN;
        }
    }

    private static long[] sortedDistinct(long[] values, int count) {
        long[] sorted = Arrays.copyOf(values, count);
        Arrays.sort(sorted);
        int distinct = 0;
        for (int i = 0; i < sorted.length; i++) {
            if (distinct == 0 || sorted[i] != sorted[distinct - 1]) {
                sorted[distinct++] = sorted[i];
            }
        }
        return Arrays.copyOf(sorted, distinct);
    }
}
