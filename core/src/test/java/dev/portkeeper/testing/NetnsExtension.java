package dev.portkeeper.testing;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit Jupiter extension behind {@link RequiresNetns}. Where private network namespaces are
 * unavailable ({@link Netns#availability()}):
 * <ul>
 *   <li>normally each test is aborted before it runs ({@code TestAbortedException}, reported as
 *       skipped with the reason, which is also printed to {@code System.err});</li>
 *   <li>with {@value Netns#REQUIRE_ENV}{@code =1} the class fails before all its tests (or the
 *       method fails, for a method-level annotation).</li>
 * </ul>
 * The skip is done per test rather than in {@code beforeAll} because Surefire does not count the
 * tests of an aborted class at all, which would hide the skip; an {@code ExecutionCondition} is not
 * used because it can only disable, never fail.
 */
public final class NetnsExtension implements BeforeAllCallback, BeforeEachCallback {

    /** Creates the extension; JUnit instantiates it via {@link RequiresNetns}. */
    public NetnsExtension() {
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        if (Netns.isRequired()) {
            Netns.assumeAvailable(); // fails the whole class at once
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        Netns.assumeAvailable(); // cached probe, so cheap
    }
}
