package dev.portkeeper.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Declares that a test class or method needs private network namespaces ({@link Netns}).
 *
 * <p>Where they are unavailable each test is reported as skipped (aborted) with the probe's
 * reason, which is also printed to {@code System.err}; with the environment variable
 * {@value Netns#REQUIRE_ENV}{@code =1} they fail instead. Usable on a class, a method, or as a
 * meta-annotation. See {@link NetnsExtension}.
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@ExtendWith(NetnsExtension.class)
public @interface RequiresNetns {
}
