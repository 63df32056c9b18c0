package dev.portkeeper.spring;

import dev.portkeeper.ConnectionPool;
import dev.portkeeper.PoolListener;
import dev.portkeeper.PoolSettings;
import dev.portkeeper.SocketPolicy;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configures a Portkeeper {@link ConnectionPool} from {@link PortkeeperProperties}.
 *
 * <p>Each bean backs off when the application defines its own: a {@link PoolSettings} or
 * {@link SocketPolicy} bean replaces the one bound from {@code portkeeper.pool.*} or
 * {@code portkeeper.socket.*}, and a {@link ConnectionPool} bean replaces the pool. Every
 * {@link PoolListener} bean is added to the pool, in {@code @Order} order. The pool is closed
 * with the context. Set {@code portkeeper.enabled=false} to turn the whole thing off.
 */
@AutoConfiguration
@ConditionalOnClass(ConnectionPool.class)
@ConditionalOnProperty(prefix = "portkeeper", name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties(PortkeeperProperties.class)
public final class PortkeeperAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    PoolSettings portkeeperPoolSettings(PortkeeperProperties properties) {
        return properties.getPool().toPoolSettings();
    }

    @Bean
    @ConditionalOnMissingBean
    SocketPolicy portkeeperSocketPolicy(PortkeeperProperties properties) {
        return properties.getSocket().toSocketPolicy();
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    ConnectionPool portkeeperConnectionPool(PortkeeperProperties properties, PoolSettings settings,
            SocketPolicy socketPolicy, ObjectProvider<PoolListener> listeners) {
        ConnectionPool.Builder builder = ConnectionPool.builder().settings(settings).socketPolicy(socketPolicy);
        if (properties.getName() != null) {
            builder.name(properties.getName());
        }
        listeners.orderedStream().forEach(builder::listener);
        return builder.build();
    }
}
