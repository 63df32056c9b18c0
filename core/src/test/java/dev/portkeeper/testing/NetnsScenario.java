package dev.portkeeper.testing;

import java.io.Serializable;
import java.util.List;

/**
 * A piece of test code that {@link Netns#run(Class, String...)} executes in a child JVM inside a
 * private, freshly created network namespace.
 *
 * <p>When {@link #run(List)} is called the namespace has only its loopback interface, which is up,
 * and the requested {@code net.*} sysctls (e.g. a narrow {@code net.ipv4.ip_local_port_range}) are
 * in force for this namespace only. Sockets opened here can reach nothing but {@code 127.0.0.1} /
 * {@code ::1} of that namespace, and {@code /proc/net/tcp} shows only this namespace's sockets.
 *
 * <p>Implementations must be concrete top-level or {@code static} nested classes with a no-arg
 * constructor (of any visibility); they are instantiated reflectively in the child JVM, so they
 * share nothing with the test instance. The returned value is passed back by Java serialization,
 * so it must be {@link Serializable} and loadable from the test classpath (JDK types such as
 * {@code Integer}, {@code String}, {@code ArrayList} or {@code HashMap}, or a record of such, are
 * ideal). An exception thrown here surfaces in the test as an {@link AssertionError} carrying the
 * child's stack trace and output.
 *
 * @param <T> the serializable result type
 */
public interface NetnsScenario<T extends Serializable> {

    /**
     * Runs the scenario inside the private network namespace.
     *
     * @param args the arguments given to {@link Netns#run(Class, String...)}, unchanged
     * @return the result handed back to the test (may be {@code null})
     * @throws Exception any failure; it is reported to the test as an {@link AssertionError}
     */
    T run(List<String> args) throws Exception;
}
