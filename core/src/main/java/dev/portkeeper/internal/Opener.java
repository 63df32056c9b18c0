package dev.portkeeper.internal;

import java.io.IOException;
import java.nio.channels.SocketChannel;

/**
 * Opens a connected, blocking socket to a key; the face's connector, with its socket policy and
 * its exceptions.
 *
 * @param <K> the key type
 */
@FunctionalInterface
public interface Opener<K> {
    /**
     * @param key where to
     * @param timeoutMillis the connect timeout for this attempt, at least 1
     * @return the connected channel, in blocking mode
     * @throws IOException the face's exception for the failure
     */
    SocketChannel open(K key, int timeoutMillis) throws IOException;
}
