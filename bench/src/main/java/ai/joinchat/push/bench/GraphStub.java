package ai.joinchat.push.bench;

import ai.joinchat.push.json.Json;
import ai.joinchat.push.local.GraphApiSandbox;
import ai.joinchat.push.secrets.TokenBucket;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The Messenger Send API as the benchmark needs it: every {@code POST /{version}/{page}/messages}
 * answers 200 with a new {@code message_id} after a set latency, and is recorded by the metadata
 * (our message id) it carries, with when it arrived, so echoes and receipts can be built and the
 * worker's fan-out measured. Like Facebook, it can limit a page's calls ({@link #limitRate}): above
 * the rate a call is answered HTTP 400, Graph code 613, and not recorded.
 */
final class GraphStub implements AutoCloseable {

    /** One Send API call: our message id (metadata), the PSID, Facebook's mid, when it arrived and ended. */
    record Call(String messageId, String psid, String mid, long arrivedNanos, long answeredNanos) {
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final Map<String, Call> calls = new ConcurrentHashMap<>();
    private final AtomicLong nextMid = new AtomicLong();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private volatile Duration latency = Duration.ZERO;
    private final Map<String, TokenBucket> rates = new ConcurrentHashMap<>();
    private final AtomicInteger throttled = new AtomicInteger();
    private final AtomicInteger takenAgain = new AtomicInteger();

    private GraphStub(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    static GraphStub start() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
            ExecutorService executor = Executors.newCachedThreadPool(runnable -> {
                Thread thread = new Thread(runnable, "graph-stub");
                thread.setDaemon(true);
                return thread;
            });
            GraphStub stub = new GraphStub(server, executor);
            server.createContext("/", stub::handle);
            server.setExecutor(executor);
            server.start();
            return stub;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the Graph API stub", e);
        }
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    void setLatency(Duration latency) {
        this.latency = latency;
    }

    Optional<Call> call(String messageId) {
        return Optional.ofNullable(calls.get(messageId));
    }

    List<Call> calls(List<String> messageIds) {
        List<Call> found = new ArrayList<>();
        for (String id : messageIds) {
            Call call = calls.get(id);
            if (call != null) {
                found.add(call);
            }
        }
        return found;
    }

    /** Limits the page's Send API calls to {@code perSecond} (0: no limit). */
    void limitRate(String pageId, double perSecond) {
        if (perSecond <= 0) {
            rates.remove(pageId);
        } else {
            rates.put(pageId, GraphApiSandbox.oneSecondOf(perSecond));
        }
    }

    /** Calls that carried a message id the stub had taken already (a second delivery). */
    int takenAgain() {
        return takenAgain.get();
    }

    /** Calls answered 613 so far. */
    int throttled() {
        return throttled.get();
    }

    int maxInFlight() {
        return maxInFlight.get();
    }

    void resetMaxInFlight() {
        maxInFlight.set(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            long arrived = System.nanoTime();
            int now = inFlight.incrementAndGet();
            maxInFlight.accumulateAndGet(now, Math::max);
            try {
                byte[] body;
                try (InputStream in = exchange.getRequestBody()) {
                    body = in.readAllBytes();
                }
                if (!"POST".equals(exchange.getRequestMethod()) || !exchange.getRequestURI().getPath().endsWith("/messages")) {
                    answer(exchange, 404, "{\"error\":{\"message\":\"unknown path\",\"code\":100}}");
                    return;
                }
                String[] path = exchange.getRequestURI().getPath().split("/");
                TokenBucket rate = path.length > 2 ? rates.get(path[2]) : null;
                if (rate != null && !rate.tryTake()) {
                    throttled.incrementAndGet();
                    exchange.getResponseHeaders().set("X-Business-Use-Case-Usage", "{\"" + path[2] + "\":[{\"type\":"
                            + "\"messenger\",\"call_count\":100,\"estimated_time_to_regain_access\":0}]}");
                    answer(exchange, 400, "{\"error\":{\"message\":\"(#613) Calls to this api have exceeded the "
                            + "rate limit.\",\"type\":\"OAuthException\",\"code\":613,\"fbtrace_id\":\"Bench\"}}");
                    return;
                }
                JsonNode request = Json.parse(body).orElse(Json.object());
                String psid = request.path("recipient").path("id").asText("");
                String messageId = request.path("message").path("metadata").asText("");
                String mid = "m_bench_" + nextMid.incrementAndGet();
                Duration delay = latency;
                if (!delay.isZero()) {
                    Thread.sleep(delay.toMillis());
                }
                if (calls.put(messageId, new Call(messageId, psid, mid, arrived, System.nanoTime())) != null) {
                    takenAgain.incrementAndGet();
                }
                answer(exchange, 200, "{\"recipient_id\":\"" + psid + "\",\"message_id\":\"" + mid + "\"}");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                inFlight.decrementAndGet();
            }
        }
    }

    private static void answer(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
