package dev.portkeeper.httpclient5;

import java.util.Iterator;
import org.apache.hc.client5.http.ConnectionKeepAliveStrategy;
import org.apache.hc.core5.http.HeaderElement;
import org.apache.hc.core5.http.HeaderElements;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.message.MessageSupport;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.util.TimeValue;

/**
 * How long a connection may be reused: the server's {@code Keep-Alive: timeout=N} when it sends
 * one (Apache httpd and Node send 5 s), else no limit of its own, so that the pool's idle timeout
 * decides (50 s for a pool the connection manager builds, below the 60 s of many load balancers).
 * The connection manager takes a margin off N; unlike HttpClient's default strategy it does not
 * invent 3 minutes for a server that said nothing. Stateless and thread-safe.
 */
public final class PortkeeperKeepAliveStrategy implements ConnectionKeepAliveStrategy {
    /** The one instance. */
    public static final PortkeeperKeepAliveStrategy INSTANCE = new PortkeeperKeepAliveStrategy();

    private PortkeeperKeepAliveStrategy() {
    }

    @Override
    public TimeValue getKeepAliveDuration(HttpResponse response, HttpContext context) {
        Iterator<HeaderElement> it = MessageSupport.iterate(response, HeaderElements.KEEP_ALIVE);
        while (it.hasNext()) {
            HeaderElement he = it.next();
            if (he.getValue() != null && he.getName().equalsIgnoreCase("timeout")) {
                try {
                    long seconds = Long.parseLong(he.getValue().strip());
                    if (seconds >= 0) {
                        return TimeValue.ofSeconds(seconds);
                    }
                } catch (NumberFormatException ignored) {
                    // a malformed value says nothing
                }
            }
        }
        return TimeValue.NEG_ONE_MILLISECOND;
    }
}
