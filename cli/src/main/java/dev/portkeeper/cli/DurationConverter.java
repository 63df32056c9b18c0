package dev.portkeeper.cli;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Reads a number and a unit: {@code 500ms}, {@code 5s}, {@code 1.5s}, {@code 2m} (or {@code 2min}),
 * {@code 1h}. A number without a unit is refused rather than guessed, and every message repeats
 * what was typed.
 */
final class DurationConverter implements ITypeConverter<TypedDuration> {
    static final String FORMS = "a number and a unit: ms, s, m or h (e.g. 500ms, 5s, 2m, 1h)";
    private static final Pattern SIMPLE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|min|h)");
    private static final Pattern NUMBER = Pattern.compile("\\d+(?:\\.\\d+)?");

    @Override
    public TypedDuration convert(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        Matcher m = SIMPLE.matcher(v);
        if (!m.matches()) {
            if (NUMBER.matcher(v).matches()) {
                throw new TypeConversionException("'" + value + "' has no unit: write " + FORMS);
            }
            throw new TypeConversionException("'" + value + "' is not a duration: write " + FORMS);
        }
        double amount = Double.parseDouble(m.group(1));
        double millis;
        switch (m.group(2)) {
            case "ms":
                millis = amount;
                break;
            case "s":
                millis = amount * 1_000;
                break;
            case "m":
            case "min":
                millis = amount * 60_000;
                break;
            default:
                millis = amount * 3_600_000;
        }
        if (millis > Long.MAX_VALUE / 2) {
            throw new TypeConversionException("'" + value + "' is too long");
        }
        return new TypedDuration(value, Duration.ofMillis(Math.round(millis)));
    }
}
