package dev.portkeeper.cli;

import java.io.PrintStream;
import java.util.Locale;

/** A one-line progress bar redrawn in place with a carriage return; for a terminal only. */
final class ProgressBar {
    private static final int WIDTH = 40;

    private final PrintStream out;
    private final String label;
    private final int total;
    private int lastLength;

    ProgressBar(PrintStream out, String label, int total) {
        this.out = out;
        this.label = label;
        this.total = total;
    }

    synchronized void draw(int done) {
        int clamped = Math.max(0, Math.min(done, total));
        int filled = (int) ((long) WIDTH * clamped / total);
        String bar = "=".repeat(filled) + (filled < WIDTH ? ">" + " ".repeat(WIDTH - filled - 1) : "");
        String line = String.format(Locale.ROOT, "%-8s [%s] %,d / %,d", label, bar, clamped, total);
        out.print("\r" + line + " ".repeat(Math.max(0, lastLength - line.length())));
        out.flush();
        lastLength = line.length();
    }

    /** Erases the bar, leaving the cursor at the start of the empty line. */
    synchronized void clear() {
        out.print("\r" + " ".repeat(lastLength) + "\r");
        out.flush();
        lastLength = 0;
    }
}
