package dev.portkeeper.kernel;

import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * The result of reading something from the kernel: a value, or the reason it is unavailable
 * (not Linux, a file missing in this kernel or container, permission denied, malformed
 * content). Reading never throws for these; callers decide whether to go on without the
 * kernel's view, and can say why.
 *
 * <p>Immutable and thread-safe if the value is.
 *
 * @param <T> the type of the value
 */
public final class KernelRead<T> {

    private final T value;
    private final String reason;

    private KernelRead(T value, String reason) {
        this.value = value;
        this.reason = reason;
    }

    /**
     * Returns an available result.
     *
     * @param value the value read
     * @param <T> the type of the value
     * @return the result
     */
    public static <T> KernelRead<T> of(T value) {
        return new KernelRead<>(Objects.requireNonNull(value, "value"), null);
    }

    /**
     * Returns an unavailable result.
     *
     * @param reason why, naming the file where there is one, e.g. {@code "/proc/net/tcp: permission denied"}
     * @param <T> the type the value would have had
     * @return the result
     */
    public static <T> KernelRead<T> unavailable(String reason) {
        return new KernelRead<>(null, Objects.requireNonNull(reason, "reason"));
    }

    /**
     * Tells whether a value was read.
     *
     * @return {@code true} if {@link #get()} returns a value
     */
    public boolean isAvailable() {
        return reason == null;
    }

    /**
     * Returns the value.
     *
     * @return the value
     * @throws NoSuchElementException if unavailable; the message carries the reason
     */
    public T get() {
        if (reason != null) {
            throw new NoSuchElementException("kernel view unavailable: " + reason);
        }
        return value;
    }

    /**
     * Returns the value, or {@code other} if unavailable.
     *
     * @param other the fallback, may be null
     * @return the value or the fallback
     */
    public T orElse(T other) {
        return reason == null ? value : other;
    }

    /**
     * Returns the value as an {@link Optional}, dropping the reason.
     *
     * @return the value, or empty if unavailable
     */
    public Optional<T> toOptional() {
        return Optional.ofNullable(value);
    }

    /**
     * Returns why the value is unavailable.
     *
     * @return the reason, or empty if the value is available
     */
    public Optional<String> unavailableReason() {
        return Optional.ofNullable(reason);
    }

    /**
     * Transforms an available value; an unavailable result keeps its reason.
     *
     * @param mapper the function, must not return null
     * @param <R> the type of the new value
     * @return the transformed result
     */
    public <R> KernelRead<R> map(Function<? super T, ? extends R> mapper) {
        Objects.requireNonNull(mapper, "mapper");
        return reason == null ? of(mapper.apply(value)) : unavailable(reason);
    }

    @Override
    public String toString() {
        return reason == null ? "KernelRead[" + value + "]" : "KernelRead[unavailable: " + reason + "]";
    }
}
