package ai.joinchat.push.local.guarantee;

import ai.joinchat.push.json.Json;
import ai.joinchat.push.local.GraphApiSandbox;
import ai.joinchat.push.secrets.TokenBucket;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * The Messenger Send API as the delivery guarantee meets it: a message Facebook takes is
 * echoed to the page's webhook (with our message id as {@code metadata}) whether or not the
 * caller ever hears the reply. Counts, per message id, how often Facebook took it: exactly-once
 * means one, whatever failed on the way. Like Facebook, it stamps what it takes with its own
 * clock, which runs {@link #CLOCK_SKEW} behind this machine's, so the rig never depends on the
 * two clocks agreeing.
 *
 * <p>Like Facebook, it can limit a page's calls ({@link #limitRate}): a token bucket per page
 * holding one second's worth; a call above the rate, like a {@link Behaviour#THROTTLED} one, is
 * answered HTTP 400, Graph code 613, with the {@code X-Business-Use-Case-Usage} header, and is
 * neither taken nor echoed.
 */
final class FakeMessenger implements AutoCloseable {

    /** What Facebook does with one Send API call. */
    enum Behaviour {
        /** Takes it, echoes it, answers 200. */
        OK,
        /** Does not take it: HTTP 500 with a transient Graph error. */
        TRANSIENT_ERROR,
        /** Takes it and echoes it, but the connection is cut before the reply. */
        LOST_REPLY,
        /** Does not take it: the page is above its rate (HTTP 400, code 613). */
        THROTTLED
    }

    /** How far Facebook's clock is from this machine's. */
    static final Duration CLOCK_SKEW = Duration.ofSeconds(-30);

    private final HttpServer server;
    private final AtomicLong lastStamp = new AtomicLong();
    private final Map<String, AtomicInteger> taken = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> takenTexts = new ConcurrentHashMap<>();
    private final AtomicInteger mids = new AtomicInteger();
    private final Map<String, TokenBucket> rates = new ConcurrentHashMap<>();
    private final AtomicInteger throttled = new AtomicInteger();
    private volatile BiFunction<String, Integer, Behaviour> plan = (id, call) -> Behaviour.OK;
    private final Consumer<Echo> echoes;
    private volatile Consumer<Echo> echoWatcher = echo -> { };

    /** The page's echo of a message Facebook took, with Facebook's timestamp of it. */
    record Echo(String pageId, String psid, String mid, String messageId, long timestamp) {
    }

    FakeMessenger(Consumer<Echo> echoes) throws IOException {
        this.echoes = echoes;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(16, r -> {
            Thread t = new Thread(r, "fake-messenger");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::serve);
        server.start();
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Limits the page's Send API calls to {@code perSecond} (0: no limit). */
    void limitRate(String pageId, double perSecond) {
        if (perSecond <= 0) {
            rates.remove(pageId);
        } else {
            rates.put(pageId, GraphApiSandbox.oneSecondOf(perSecond));
        }
    }

    /** Also tells {@code watcher} of every echo Facebook posts (a test that keeps Facebook's timestamps). */
    void onEcho(Consumer<Echo> watcher) {
        this.echoWatcher = watcher;
    }

    /** How many calls were answered 613 (above a page's rate, or planned so). */
    int throttled() {
        return throttled.get();
    }

    /**
     * Decides each call within the page's rate by message id and the call's number for that id (1
     * for the first; throttled calls count too).
     */
    void plan(BiFunction<String, Integer, Behaviour> plan) {
        this.plan = plan;
    }

    int taken(String messageId) {
        AtomicInteger n = taken.get(messageId);
        return n == null ? 0 : n.get();
    }

    /** How often Facebook took a message with this text, whatever its message id. */
    int takenWithText(String text) {
        AtomicInteger n = takenTexts.get(text);
        return n == null ? 0 : n.get();
    }

    int calls(String messageId) {
        AtomicInteger n = calls.get(messageId);
        return n == null ? 0 : n.get();
    }

    private void serve(HttpExchange exchange) throws IOException {
        try (exchange) {
            JsonNode body = Json.parse(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            String pageId = exchange.getRequestURI().getPath().split("/")[2];
            String messageId = body.path("message").path("metadata").asText();
            String psid = body.path("recipient").path("id").asText();
            int call = calls.computeIfAbsent(messageId, k -> new AtomicInteger()).incrementAndGet();
            TokenBucket rate = rates.get(pageId);
            Behaviour behaviour = rate != null && !rate.tryTake() ? Behaviour.THROTTLED : plan.apply(messageId, call);
            if (behaviour == Behaviour.THROTTLED) {
                throttled.incrementAndGet();
                exchange.getResponseHeaders().add("X-Business-Use-Case-Usage", "{\"" + pageId + "\":[{\"type\":"
                        + "\"messenger\",\"call_count\":100,\"total_cputime\":1,\"total_time\":1,"
                        + "\"estimated_time_to_regain_access\":0}]}");
                respond(exchange, 400, "{\"error\":{\"message\":\"(#613) Calls to this api have exceeded the rate "
                        + "limit.\",\"type\":\"OAuthException\",\"code\":613,\"fbtrace_id\":\"AFakeTrace\"}}");
                return;
            }
            if (behaviour == Behaviour.TRANSIENT_ERROR) {
                respond(exchange, 500, "{\"error\":{\"message\":\"An unexpected error has occurred.\",\"type\":"
                        + "\"OAuthException\",\"code\":2,\"is_transient\":true}}");
                return;
            }
            String mid = "m_fake_" + mids.incrementAndGet();
            taken.computeIfAbsent(messageId, k -> new AtomicInteger()).incrementAndGet();
            takenTexts.computeIfAbsent(body.path("message").path("text").asText(), k -> new AtomicInteger())
                    .incrementAndGet();
            Echo echo = new Echo(pageId, psid, mid, messageId, facebookNow());
            echoWatcher.accept(echo);
            echoes.accept(echo);
            if (behaviour == Behaviour.LOST_REPLY) {
                return; // closed without a response: the caller's connection breaks
            }
            respond(exchange, 200, "{\"recipient_id\":\"" + psid + "\",\"message_id\":\"" + mid + "\"}");
        }
    }

    /** Facebook's clock: skewed, strictly increasing. */
    private long facebookNow() {
        long now = System.currentTimeMillis() + CLOCK_SKEW.toMillis();
        return lastStamp.updateAndGet(last -> Math.max(last + 1, now));
    }

    private static void respond(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("content-type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
