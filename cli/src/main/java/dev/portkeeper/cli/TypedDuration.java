package dev.portkeeper.cli;

import java.time.Duration;

/**
 * A duration option as the user typed it and its value, so that messages and help repeat
 * {@code 500ms}, never {@code PT0.5S}.
 */
record TypedDuration(String typed, Duration value) {
    @Override
    public String toString() {
        return typed;
    }
}
