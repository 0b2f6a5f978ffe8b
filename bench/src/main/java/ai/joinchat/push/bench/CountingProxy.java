package ai.joinchat.push.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An HTTP forwarder in front of one AWS backend that counts the API calls passing through it by
 * operation: the {@code X-Amz-Target} of the JSON protocols ({@code DynamoDB_20120810.PutItem},
 * {@code AmazonSQS.SendMessage}) or the {@code Action} of the query protocol. Used only to count
 * requests per message; it adds a hop, so latency is never measured through it.
 */
final class CountingProxy implements AutoCloseable {

    /** Headers java.net.http sets itself and refuses from callers. */
    private static final Set<String> NOT_FORWARDED = Set.of("connection", "content-length", "expect", "host", "upgrade",
            "transfer-encoding", "keep-alive");

    private final String service;
    private final URI upstream;
    private final HttpServer server;
    private final ExecutorService executor;
    private final HttpClient client;
    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
    /** Capacity units DynamoDB reported, by operation, in thousandths. */
    private final Map<String, AtomicLong> milliUnits = new ConcurrentHashMap<>();

    private CountingProxy(String service, URI upstream, HttpServer server, ExecutorService executor) {
        this.service = service;
        this.upstream = upstream;
        this.server = server;
        this.executor = executor;
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    static CountingProxy start(String service, URI upstream) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
            ExecutorService executor = Executors.newFixedThreadPool(32, runnable -> {
                Thread thread = new Thread(runnable, "counting-proxy-" + service);
                thread.setDaemon(true);
                return thread;
            });
            CountingProxy proxy = new CountingProxy(service, upstream, server, executor);
            server.createContext("/", proxy::forward);
            server.setExecutor(executor);
            server.start();
            return proxy;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the counting proxy for " + service, e);
        }
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Calls per operation since the last reset, e.g. {@code PutItem -> 3}. */
    Map<String, Long> counts() {
        Map<String, Long> snapshot = new TreeMap<>();
        counts.forEach((operation, count) -> snapshot.put(operation, count.get()));
        return snapshot;
    }

    void reset() {
        counts.clear();
        milliUnits.clear();
    }

    /** Capacity units DynamoDB billed per operation since the last reset, index writes included. */
    Map<String, Double> capacityUnits() {
        Map<String, Double> snapshot = new TreeMap<>();
        milliUnits.forEach((operation, units) -> snapshot.put(operation, units.get() / 1000.0));
        return snapshot;
    }

    /**
     * DynamoDB says what a request cost when asked ({@code ReturnConsumedCapacity: INDEXES}: the
     * table's and every index's units); the functions do not ask, so the proxy asks for them. The
     * answer gains a field the SDK ignores.
     */
    private byte[] askForConsumedCapacity(HttpExchange exchange, byte[] body) {
        String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
        if (!service.equals("DynamoDB") || target == null || body.length < 2) {
            return body;
        }
        try {
            com.fasterxml.jackson.databind.node.ObjectNode request = (com.fasterxml.jackson.databind.node.ObjectNode)
                    ai.joinchat.push.json.Json.MAPPER.readTree(body);
            request.put("ReturnConsumedCapacity", "INDEXES");
            return ai.joinchat.push.json.Json.MAPPER.writeValueAsBytes(request);
        } catch (IOException | ClassCastException e) {
            return body;
        }
    }

    private void addConsumedCapacity(String operation, byte[] answer) {
        try {
            com.fasterxml.jackson.databind.JsonNode consumed = ai.joinchat.push.json.Json.MAPPER.readTree(answer)
                    .path("ConsumedCapacity");
            double units = 0;
            Iterable<com.fasterxml.jackson.databind.JsonNode> all = consumed.isArray() ? consumed : List.of(consumed);
            for (com.fasterxml.jackson.databind.JsonNode one : all) {
                units += one.path("CapacityUnits").asDouble(0);
            }
            long milli = Math.round(units * 1000);
            milliUnits.computeIfAbsent(operation, key -> new AtomicLong()).addAndGet(milli);
        } catch (IOException e) {
            // not JSON: nothing billed to count
        }
    }

    String service() {
        return service;
    }

    private void forward(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            String operation = operation(exchange, body);
            count(operation);
            body = askForConsumedCapacity(exchange, body);
            URI target = upstream.resolve(exchange.getRequestURI().toString());
            HttpRequest.Builder request = HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(60))
                    .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
            exchange.getRequestHeaders().forEach((name, values) -> {
                if (!NOT_FORWARDED.contains(name.toLowerCase(Locale.ROOT))) {
                    values.forEach(value -> request.header(name, value));
                }
            });
            HttpResponse<byte[]> response;
            try {
                response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                exchange.sendResponseHeaders(502, -1);
                return;
            } catch (IOException e) {
                exchange.sendResponseHeaders(502, -1);
                return;
            }
            response.headers().map().forEach((name, values) -> {
                if (!NOT_FORWARDED.contains(name.toLowerCase(Locale.ROOT)) && !name.startsWith(":")) {
                    exchange.getResponseHeaders().put(name, List.copyOf(values));
                }
            });
            byte[] answer = response.body();
            if (exchange.getRequestHeaders().getFirst("X-Amz-Target") != null && service.equals("DynamoDB")) {
                addConsumedCapacity(operation, answer);
            }
            exchange.sendResponseHeaders(response.statusCode(), answer.length == 0 ? -1 : answer.length);
            if (answer.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(answer);
                }
            }
        }
    }

    private void count(String operation) {
        counts.computeIfAbsent(operation, key -> new AtomicLong()).incrementAndGet();
    }

    static String operation(HttpExchange exchange, byte[] body) {
        String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
        if (target != null) {
            int dot = target.lastIndexOf('.');
            return dot >= 0 ? target.substring(dot + 1) : target;
        }
        String query = exchange.getRequestURI().getRawQuery();
        String action = action(query);
        if (action == null) {
            action = action(new String(body, StandardCharsets.UTF_8));
        }
        return action == null ? "unknown" : action;
    }

    private static String action(String form) {
        if (form == null) {
            return null;
        }
        for (String pair : form.split("&")) {
            if (pair.startsWith("Action=")) {
                return URLDecoder.decode(pair.substring("Action=".length()), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
