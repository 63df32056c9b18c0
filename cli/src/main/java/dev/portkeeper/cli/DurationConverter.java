package dev.portkeeper.cli;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Reads {@code 500ms}, {@code 1s}, {@code 1.5s}, {@code 2m}, {@code 1h}, a plain number of seconds, or ISO-8601 ({@code PT1S}). */
final class DurationConverter implements ITypeConverter<Duration> {
    private static final Pattern SIMPLE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|min|h)?");

    @Override
    public Duration convert(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        Matcher m = SIMPLE.matcher(v);
        if (m.matches()) {
            double amount = Double.parseDouble(m.group(1));
            String unit = m.group(2) == null ? "s" : m.group(2);
            double millis;
            switch (unit) {
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
                throw new TypeConversionException("too long: '" + value + "'");
            }
            return Duration.ofMillis(Math.round(millis));
        }
        try {
            return Duration.parse(value.trim().toUpperCase(Locale.ROOT));
        } catch (RuntimeException e) {
            throw new TypeConversionException("'" + value + "' is not a duration: use e.g. 500ms, 1s, 2m or PT1S");
        }
    }
}
