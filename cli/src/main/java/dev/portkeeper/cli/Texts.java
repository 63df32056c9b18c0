package dev.portkeeper.cli;

import dev.portkeeper.budget.Destination;
import java.net.InetAddress;
import java.util.Locale;

/** Number, address and paragraph formatting shared by the commands' human output. */
final class Texts {
    private Texts() {
    }

    static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    static String percent(double ratio) {
        return String.format(Locale.ROOT, "%.1f%%", 100 * ratio);
    }

    static String rate(double perSecond) {
        return String.format(Locale.ROOT, "%.1f", perSecond);
    }

    /** Seconds as {@code 42 s}, {@code 3 min 20 s}, {@code 2 h 11 min}. */
    static String seconds(double s) {
        long whole = Math.round(s);
        if (whole < 60) {
            return whole + " s";
        }
        if (whole < 3600) {
            return whole / 60 + " min" + (whole % 60 == 0 ? "" : " " + whole % 60 + " s");
        }
        return whole / 3600 + " h" + (whole % 3600 / 60 == 0 ? "" : " " + whole % 3600 / 60 + " min");
    }

    /** A duration as {@code 250 ms}, {@code 1 s}, {@code 2 min}. */
    static String duration(java.time.Duration d) {
        long millis = d.toMillis();
        return millis % 1000 == 0 ? seconds(millis / 1000.0) : count(millis) + " ms";
    }

    /** An address as {@code ss} prints it: dotted IPv4, RFC 5952 IPv6 ({@code ::1}), no brackets. */
    static String address(InetAddress a) {
        return Destination.addressText(a);
    }

    /**
     * Breaks a paragraph into lines of at most {@code width} characters (a longer word gets a
     * line of its own), the first line after {@code firstIndent}, the others after {@code indent}.
     */
    static String wrap(String text, int width, String firstIndent, String indent) {
        StringBuilder out = new StringBuilder();
        StringBuilder line = new StringBuilder(firstIndent);
        boolean empty = true;
        for (String word : text.trim().split("\\s+")) {
            if (!empty && line.length() + 1 + word.length() > width) {
                out.append(line).append('\n');
                line.setLength(0);
                line.append(indent);
                empty = true;
            }
            if (!empty) {
                line.append(' ');
            }
            line.append(word);
            empty = false;
        }
        out.append(line).append('\n');
        return out.toString();
    }

    /** The first sentence of a message (up to the first ". "), for one-line summaries. */
    static String firstSentence(String message) {
        int end = message.indexOf(". ");
        return end < 0 ? message : message.substring(0, end + 1);
    }
}
