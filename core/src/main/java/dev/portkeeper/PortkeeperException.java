package dev.portkeeper;

import java.io.IOException;

/**
 * The base of every failure the pool reports. Each subclass is one kind of failure, and its
 * message says what happened, to which endpoint, and what to do.
 *
 * <p>It is an {@link IOException} because borrowing a connection is I/O: callers that already
 * handle {@code IOException} from their protocol code handle these too.
 */
public abstract class PortkeeperException extends IOException {
    private static final long serialVersionUID = 1L;

    /** The endpoint the failure concerns, or null; not serialized. */
    private final transient Endpoint endpoint;

    /**
     * @param endpoint the endpoint the failure concerns, or null if none
     * @param message the message
     * @param cause the cause, or null
     */
    protected PortkeeperException(Endpoint endpoint, String message, Throwable cause) {
        super(message, cause);
        this.endpoint = endpoint;
    }

    /** @return the endpoint the failure concerns, or null when it concerns no single endpoint */
    public Endpoint endpoint() {
        return endpoint;
    }
}
