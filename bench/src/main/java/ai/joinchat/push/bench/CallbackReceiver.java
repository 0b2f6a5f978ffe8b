package ai.joinchat.push.bench;

import ai.joinchat.push.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;

/**
 * The demo page's callback_url during the lifecycle: answers 204 at once and keeps, for each
 * callback, the time from the status change it announces (its body's {@code timestamp}, the
 * record's update time) to its arrival here.
 */
final class CallbackReceiver implements AutoCloseable {

    private final HttpServer server;
    private final List<Long> latencyNanos = new ArrayList<>(); // guarded by itself

    private CallbackReceiver(HttpServer server) {
        this.server = server;
    }

    static CallbackReceiver start() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            CallbackReceiver receiver = new CallbackReceiver(server);
            server.setExecutor(Executors.newCachedThreadPool(r -> {
                Thread thread = new Thread(r, "bench-callback-receiver");
                thread.setDaemon(true);
                return thread;
            }));
            server.createContext("/", exchange -> {
                Instant arrived = Instant.now();
                JsonNode body = Json.parse(exchange.getRequestBody().readAllBytes()).orElse(Json.object());
                exchange.sendResponseHeaders(204, -1);
                exchange.close();
                receiver.arrived(body, arrived);
            });
            server.start();
            return receiver;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/callbacks";
    }

    private void arrived(JsonNode body, Instant at) {
        try {
            Instant changed = Instant.parse(body.path("timestamp").asText());
            synchronized (latencyNanos) {
                latencyNanos.add(java.time.Duration.between(changed, at).toNanos());
            }
        } catch (DateTimeParseException unreadable) {
            // not a callback: nothing to time
        }
    }

    int count() {
        synchronized (latencyNanos) {
            return latencyNanos.size();
        }
    }

    void reset() {
        synchronized (latencyNanos) {
            latencyNanos.clear();
        }
    }

    /** Status change to arrival, per callback received since the last reset. */
    Samples latencies() {
        synchronized (latencyNanos) {
            return Samples.of(latencyNanos.stream().mapToLong(Long::longValue).toArray(), 0);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
