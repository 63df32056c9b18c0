package dev.portkeeper.advice;

import java.util.Objects;

/**
 * One piece of advice: what was seen, what to change, why, and the caveat of that change.
 * Immutable; {@link #id()} is stable across releases, for scripts and suppression lists.
 */
public final class Finding {
    private final String id;
    private final Severity severity;
    private final String seen;
    private final String change;
    private final String why;
    private final String caveat;

    /**
     * @param id a stable, lowercase, hyphenated identifier
     * @param severity how urgent
     * @param seen what was observed, with the numbers
     * @param change what to change (a command or a code change)
     * @param why why that helps
     * @param caveat what the change costs or risks
     */
    public Finding(String id, Severity severity, String seen, String change, String why, String caveat) {
        this.id = Objects.requireNonNull(id, "id");
        this.severity = Objects.requireNonNull(severity, "severity");
        this.seen = Objects.requireNonNull(seen, "seen");
        this.change = Objects.requireNonNull(change, "change");
        this.why = Objects.requireNonNull(why, "why");
        this.caveat = Objects.requireNonNull(caveat, "caveat");
    }

    /** @return the stable identifier, e.g. {@code tcp-tw-reuse} */
    public String id() {
        return id;
    }

    /** @return how urgent */
    public Severity severity() {
        return severity;
    }

    /** @return what was observed */
    public String seen() {
        return seen;
    }

    /** @return what to change */
    public String change() {
        return change;
    }

    /** @return why it helps */
    public String why() {
        return why;
    }

    /** @return what the change costs or risks */
    public String caveat() {
        return caveat;
    }

    /** @return the whole finding as one paragraph: seen, change, why, caveat */
    public String text() {
        return seen + " Change: " + change + " Why: " + why + " Caveat: " + caveat;
    }

    @Override
    public String toString() {
        return severity + " " + id + ": " + text();
    }
}
