/**
 * Spring Boot auto-configuration of a Portkeeper {@link dev.portkeeper.ConnectionPool} from
 * {@code portkeeper.*} properties.
 */
package dev.portkeeper.spring;
