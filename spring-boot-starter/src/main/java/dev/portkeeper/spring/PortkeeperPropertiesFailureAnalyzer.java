package dev.portkeeper.spring;

import org.springframework.boot.context.properties.bind.DataObjectPropertyName;
import org.springframework.boot.context.properties.bind.validation.BindValidationException;
import org.springframework.boot.context.properties.bind.validation.ValidationErrors;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.origin.Origin;
import org.springframework.core.Ordered;
import org.springframework.validation.FieldError;
import org.springframework.validation.ObjectError;

/**
 * Reports an invalid {@code portkeeper.*} value in a few lines: the property as it is written in
 * configuration files ({@code portkeeper.pool.max-per-endpoint}), the value as it was written, where
 * it was set, and the core's rule that it breaks. Boot's own report of a validation failure names
 * the Java field ({@code portkeeper.pool.maxPerEndpoint}); this one runs before it.
 */
final class PortkeeperPropertiesFailureAnalyzer extends AbstractFailureAnalyzer<BindValidationException>
        implements Ordered {
    private static final ConfigurationPropertyName PREFIX = ConfigurationPropertyName.of("portkeeper");

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, BindValidationException cause) {
        ValidationErrors errors = cause.getValidationErrors();
        if (!PREFIX.equals(errors.getName()) && !PREFIX.isAncestorOf(errors.getName())) {
            return null;
        }
        StringBuilder description = new StringBuilder("Invalid Portkeeper configuration:\n");
        StringBuilder properties = new StringBuilder();
        for (ObjectError error : errors.getAllErrors()) {
            description.append('\n');
            if (error instanceof FieldError field) {
                String property = errors.getName() + "." + DataObjectPropertyName.toDashedForm(field.getField());
                properties.append(properties.length() == 0 ? "" : ", ").append(property);
                description.append("    Property: ").append(property).append('\n');
                ConfigurationProperty bound = bound(errors, property);
                Object value = bound != null ? bound.getValue() : field.getRejectedValue();
                description.append("    Value: \"").append(value).append("\"\n");
                Origin origin = bound != null ? Origin.from(bound) : Origin.from(field);
                if (origin != null) {
                    description.append("    Origin: ").append(origin).append('\n');
                }
            }
            description.append("    Rule: ").append(error.getDefaultMessage()).append('\n');
        }
        String action = "Change " + (properties.length() == 0 ? "the portkeeper.* configuration" : properties)
                + " so that it follows the rule above. The properties, their defaults and ranges are listed in"
                + " Portkeeper's README (Spring Boot) and in your IDE's completion.";
        return new FailureAnalysis(description.toString(), action, cause);
    }

    private static ConfigurationProperty bound(ValidationErrors errors, String property) {
        ConfigurationPropertyName name = ConfigurationPropertyName.adapt(property, '.');
        for (ConfigurationProperty p : errors.getBoundProperties()) {
            if (p.getName().equals(name)) {
                return p;
            }
        }
        return null;
    }
}
