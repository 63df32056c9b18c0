package dev.portkeeper.cli;

import dev.portkeeper.advice.Severity;
import dev.portkeeper.budget.BudgetLevel;

/**
 * ANSI colour for the human output, or none. Colour is used only when the output is a terminal
 * ({@link System#console()} is there), {@code NO_COLOR} is not set (see no-color.org) and
 * {@code --no-color} was not given; a pipe or a file gets plain text.
 */
final class Style {
    static final Style PLAIN = new Style(false);
    static final Style ANSI = new Style(true);

    private static final String RESET = "\u001b[0m";

    private final boolean enabled;

    private Style(boolean enabled) {
        this.enabled = enabled;
    }

    /** @param noColorOption whether {@code --no-color} was given */
    static Style forTerminal(boolean noColorOption) {
        String noColor = System.getenv("NO_COLOR");
        boolean wanted = !noColorOption && System.console() != null && (noColor == null || noColor.isEmpty());
        return wanted ? ANSI : PLAIN;
    }

    boolean enabled() {
        return enabled;
    }

    String bold(String text) {
        return wrap("1", text);
    }

    String dim(String text) {
        return wrap("2", text);
    }

    String level(BudgetLevel level, String text) {
        switch (level) {
            case OK:
                return wrap("32", text);
            case WARN:
                return wrap("33", text);
            case CRITICAL:
                return wrap("31", text);
            default:
                return wrap("1;31", text);
        }
    }

    String severity(Severity severity, String text) {
        switch (severity) {
            case CRITICAL:
                return wrap("1;31", text);
            case WARN:
                return wrap("33", text);
            default:
                return wrap("36", text);
        }
    }

    private String wrap(String code, String text) {
        return enabled && !text.isEmpty() ? "\u001b[" + code + "m" + text + RESET : text;
    }
}
