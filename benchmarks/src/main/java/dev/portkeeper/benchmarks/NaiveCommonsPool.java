package dev.portkeeper.benchmarks;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import org.apache.commons.pool2.BaseKeyedPooledObjectFactory;
import org.apache.commons.pool2.PooledObject;
import org.apache.commons.pool2.impl.DefaultPooledObject;
import org.apache.commons.pool2.impl.GenericKeyedObjectPool;
import org.apache.commons.pool2.impl.GenericKeyedObjectPoolConfig;

/**
 * A keyed pool of sockets as a user would write it with Commons Pool 2 alone: {@code testOnBorrow}
 * with the same non-blocking one-byte read Portkeeper does, nothing else.
 */
final class NaiveCommonsPool implements AutoCloseable {
    private final GenericKeyedObjectPool<InetSocketAddress, SocketChannel> pool;

    NaiveCommonsPool(int maxPerKey) {
        GenericKeyedObjectPoolConfig<SocketChannel> config = new GenericKeyedObjectPoolConfig<>();
        config.setMaxTotalPerKey(maxPerKey);
        config.setMaxIdlePerKey(maxPerKey);
        config.setTestOnBorrow(true);
        config.setJmxEnabled(false);
        pool = new GenericKeyedObjectPool<>(new Factory(), config);
    }

    SocketChannel borrow(InetSocketAddress address) throws Exception {
        return pool.borrowObject(address, Duration.ofSeconds(5));
    }

    void giveBack(InetSocketAddress address, SocketChannel channel) {
        pool.returnObject(address, channel);
    }

    @Override
    public void close() {
        pool.close();
    }

    private static final class Factory extends BaseKeyedPooledObjectFactory<InetSocketAddress, SocketChannel> {
        @Override
        public SocketChannel create(InetSocketAddress address) throws IOException {
            SocketChannel channel = SocketChannel.open();
            channel.socket().setTcpNoDelay(true);
            channel.socket().connect(address, 5_000);
            channel.socket().setSoTimeout(30_000);
            return channel;
        }

        @Override
        public PooledObject<SocketChannel> wrap(SocketChannel channel) {
            return new DefaultPooledObject<>(channel);
        }

        @Override
        public boolean validateObject(InetSocketAddress address, PooledObject<SocketChannel> pooled) {
            SocketChannel channel = pooled.getObject();
            try {
                synchronized (channel.blockingLock()) {
                    channel.configureBlocking(false);
                    try {
                        return channel.read(ByteBuffer.allocate(1)) == 0;
                    } finally {
                        channel.configureBlocking(true);
                    }
                }
            } catch (IOException e) {
                return false;
            }
        }

        @Override
        public void destroyObject(InetSocketAddress address, PooledObject<SocketChannel> pooled) throws IOException {
            pooled.getObject().close();
        }
    }
}
