package dev.portkeeper.spring;

import org.springframework.boot.autoconfigure.condition.ConditionMessage;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Matches unless {@code spring.http.clients.imperative.factory} is set: an application that names
 * the factory Boot should build (jdk, jetty, reactor, simple, http-components) gets that one, off
 * the pool.
 */
final class ImperativeFactoryNotChosenCondition extends SpringBootCondition {
    static final String PROPERTY = "spring.http.clients.imperative.factory";

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        ConditionMessage.Builder message = ConditionMessage.forCondition("Portkeeper HTTP client");
        String factory = context.getEnvironment().getProperty(PROPERTY);
        if (factory != null && !factory.isBlank()) {
            return ConditionOutcome.noMatch(message.because(PROPERTY + " is set to '" + factory
                    + "': Boot builds that factory, off the pool"));
        }
        return ConditionOutcome.match(message.because(PROPERTY + " is not set"));
    }
}
