package ai.joinchat.push.local.http;

import ai.joinchat.push.concurrent.DaemonThreads;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The one HTTP server shape of the local stand-ins (the Secrets Manager endpoint, local mode's
 * gateway, Runtime APIs and Graph sandbox): a JDK server on 127.0.0.1 with daemon threads.
 */
public final class LocalHttp implements AutoCloseable {

    private final HttpServer server;
    private final ExecutorService threads;

    private LocalHttp(HttpServer server, ExecutorService threads) {
        this.server = server;
        this.threads = threads;
    }

    /** Serves {@code handler} on 127.0.0.1:{@code port} (0 for a free one); {@code cannot} explains a busy port. */
    public static LocalHttp serve(int port, String threadName, String cannot, HttpHandler handler) {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 128);
        } catch (IOException e) {
            throw new IllegalStateException(cannot, e);
        }
        ExecutorService threads = Executors.newCachedThreadPool(DaemonThreads.factory(threadName));
        server.createContext("/", handler);
        server.setExecutor(threads);
        server.start();
        return new LocalHttp(server, threads);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** {@code http://127.0.0.1:<port>} */
    public URI baseUri() {
        return URI.create("http://127.0.0.1:" + port());
    }

    /** Writes the status and body ({@code -1} length, no body, when it is empty). */
    public static void respond(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /** A query string decoded; a repeated key keeps all its values joined with commas, as API Gateway does. */
    public static Map<String, String> query(String rawQuery) {
        Map<String, String> parameters = new LinkedHashMap<>();
        for (String pair : rawQuery == null ? new String[0] : rawQuery.split("&")) {
            if (!pair.isEmpty()) {
                int eq = pair.indexOf('=');
                parameters.merge(decode(eq < 0 ? pair : pair.substring(0, eq)),
                        eq < 0 ? "" : decode(pair.substring(eq + 1)), (a, b) -> a + "," + b);
            }
        }
        return parameters;
    }

    private static String decode(String part) {
        try {
            return URLDecoder.decode(part, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return part;
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
