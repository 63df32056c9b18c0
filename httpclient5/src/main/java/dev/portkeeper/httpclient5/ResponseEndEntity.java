package dev.portkeeper.httpclient5;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.HttpEntityWrapper;

/**
 * The response entity as HttpCore made it, telling the endpoint when its body has been read to
 * the end, or closed normally (HttpCore's content streams read the rest of a length-delimited or
 * chunked body on close, the same assumption HttpClient's own release makes): from then on the
 * connection is in step, and a connection the server will close can wait for the server's FIN.
 */
final class ResponseEndEntity extends HttpEntityWrapper {
    private final Runnable ended;

    ResponseEndEntity(HttpEntity wrapped, Runnable ended) {
        super(wrapped);
        this.ended = ended;
    }

    @Override
    public InputStream getContent() throws IOException {
        InputStream content = super.getContent();
        return content == null ? null : new FilterInputStream(content) {
            @Override
            public int read() throws IOException {
                int b = in.read();
                if (b < 0) {
                    ended.run();
                }
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = in.read(b, off, len);
                if (n < 0) {
                    ended.run();
                }
                return n;
            }

            @Override
            public void close() throws IOException {
                in.close();
                ended.run();
            }
        };
    }

    @Override
    public void writeTo(OutputStream out) throws IOException {
        try (InputStream in = getContent()) {
            if (in != null) {
                in.transferTo(out);
            }
        }
    }
}
