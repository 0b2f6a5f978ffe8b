package ai.joinchat.push.local;

import ai.joinchat.push.local.http.LocalHttp;
import ai.joinchat.push.secrets.TokenBucket;
import ai.joinchat.push.signature.Sha256;
import ai.joinchat.push.json.Json;
import ai.joinchat.push.signature.WebhookSignatureVerifier;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A local stand-in for the Messenger Send API: {@code POST /{version}/{page_id}/messages} records
 * the request, prints one readable line per message it "delivers" and answers like Graph does,
 * {@code {"recipient_id": ..., "message_id": "m_..."}}. It checks what Graph would check: a JSON
 * body with a recipient and a message, a bearer token (the page's, when it knows the page), and a
 * valid {@code appsecret_proof} when one is sent. The token itself is never recorded or printed.
 *
 * <p>For tests and curious users: {@code GET /__sandbox/messages} lists what was received (JSON),
 * {@code DELETE /__sandbox/messages} forgets it and every pending fault. {@code POST /__sandbox/faults}
 * with {@code {"status": 500, "error": {"code": 2, ...}, "count": 1}} makes the next {@code count}
 * sends fail that way (to watch retries and the dead-letter queue), with {@code {"lose_reply": true}}
 * takes them and cuts the connection before the answer; with {@code "psid"} only sends to that
 * recipient count. Its answer, and {@code GET /__sandbox/faults}, show the faults still pending;
 * {@code DELETE /__sandbox/faults} drops them.
 *
 * <p>Like Facebook, it stamps what it takes with its own clock: the echo's {@code timestamp} is
 * the sandbox's time plus a configurable skew ({@link #facebookClockSkew}), so local runs show
 * that nothing relies on this system's clock agreeing with Facebook's. It can also post the
 * user's delivery and read receipts some time after each echo ({@link #postReceipts}), with
 * Facebook's watermarks: the timestamp of the last message of the conversation delivered (read).
 * {@code POST /__sandbox/receipts} with {@code {"mode": "off" | "delivery" | "read", "delay_ms":
 * 1000, "clock_skew_ms": -90000}} sets both while it runs.
 *
 * <p>Like Facebook, it limits each page's Send API calls ({@link #limitRate}; Facebook's is
 * {@link #FACEBOOK_RATE_PER_PAGE} a second for text): a token bucket per page holding one
 * second's worth of calls. A call above the rate is answered HTTP 400, Graph code 613, with the
 * {@code X-Business-Use-Case-Usage} header Facebook sends (its {@code estimated_time_to_regain_access},
 * in minutes, 0 for a limit that refills within the second); the message is not taken, so it is
 * neither echoed nor counted as delivered. {@code POST /__sandbox/rate} with
 * {@code {"page_id": "...", "per_second": 20}} sets one page's rate ({@code 0}: unlimited; without
 * {@code page_id}: every page's default), {@code GET /__sandbox/rate} shows the rates and how many
 * calls were throttled.
 */
public final class GraphApiSandbox implements AutoCloseable {

    private static final Pattern SEND_PATH = Pattern.compile("^/(v\\d+\\.\\d+)/([^/]+)/messages/?$");
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Messenger's Send API limit for text and templates, calls per second per page. */
    public static final double FACEBOOK_RATE_PER_PAGE = 300;

    /** One page's calls: a token bucket holding one second's worth at the page's rate. */
    private record PageRate(double perSecond, TokenBucket bucket) {
        PageRate(double perSecond) {
            this(perSecond, oneSecondOf(perSecond));
        }
    }

    /** A token bucket holding one second's worth of calls at {@code perSecond}, as Facebook limits a page. */
    public static TokenBucket oneSecondOf(double perSecond) {
        return new TokenBucket((int) Math.max(1, Math.ceil(perSecond)), perSecond, java.time.Clock.systemUTC());
    }

    /** What a faulted send answers instead of taking the message: Graph's error, or nothing (it is taken). */
    private sealed interface Fault permits GraphError, LostReply {
    }

    private record GraphError(int status, JsonNode error) implements Fault {
    }

    private record LostReply() implements Fault {
    }

    /** One request's faults: the next {@code remaining} sends to {@code psid} (any recipient when empty). */
    private static final class PendingFaults {
        final Optional<String> psid;
        final Fault fault;
        int remaining;

        PendingFaults(Optional<String> psid, Fault fault, int count) {
            this.psid = psid;
            this.fault = fault;
            this.remaining = count;
        }

        ObjectNode toJson() {
            ObjectNode json = Json.object();
            psid.ifPresent(id -> json.put("psid", id));
            json.put("remaining", remaining);
            if (fault instanceof GraphError error) {
                json.put("status", error.status()).set("error", error.error().deepCopy());
            } else {
                json.put("lose_reply", true);
            }
            return json;
        }
    }

    private final Console console;
    private final Map<String, String> pageAccessTokens;
    private final String appSecret;
    private final Queue<ObjectNode> recorded = new ConcurrentLinkedQueue<>();
    /** Pending faults, oldest first; guarded by itself. */
    private final List<PendingFaults> faults = new ArrayList<>();
    private final HttpClient echoClient = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private volatile URI echoWebhook;
    private volatile java.util.function.Consumer<JsonNode> observer = record -> { };
    /** Which receipts follow an echo: none, the delivery, or the delivery and then the read. */
    public enum Receipts { OFF, DELIVERY, READ }

    private final AtomicLong lastStamp = new AtomicLong();
    /** Per page and PSID, the Facebook timestamp of the latest message echoed: the receipts' watermark. */
    private final Map<String, Long> latestStamp = new ConcurrentHashMap<>();
    private final ScheduledExecutorService receiptTimer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "graph-sandbox-receipts");
        thread.setDaemon(true);
        return thread;
    });
    private volatile Duration clockSkew = Duration.ZERO;
    private volatile Receipts receipts = Receipts.OFF;
    private volatile Duration receiptDelay = Duration.ofSeconds(1);
    private final LocalHttp http;
    /** Every page's rate unless set per page; 0: unlimited. */
    private volatile double defaultRate = FACEBOOK_RATE_PER_PAGE;
    private final Map<String, Double> pageRates = new ConcurrentHashMap<>();
    private final Map<String, PageRate> buckets = new ConcurrentHashMap<>();
    private final AtomicLong throttledCalls = new AtomicLong();

    private GraphApiSandbox(int port, Console console, Map<String, String> pageAccessTokens, String appSecret) {
        this.console = console;
        this.pageAccessTokens = Map.copyOf(pageAccessTokens);
        this.appSecret = Objects.requireNonNull(appSecret, "appSecret");
        this.http = LocalHttp.serve(port, "graph-sandbox", "cannot open the Graph API sandbox port " + port,
                this::handle);
    }

    /**
     * Starts the sandbox on 127.0.0.1.
     *
     * @param port             0 for a free port
     * @param pageAccessTokens the page access token of each known page (others accept any token)
     * @param appSecret        the app secret that {@code appsecret_proof} must match and echoes are signed with
     */
    public static GraphApiSandbox start(int port, Console console, Map<String, String> pageAccessTokens,
                                        String appSecret) {
        return new GraphApiSandbox(port, console, pageAccessTokens, appSecret);
    }

    /** {@code http://127.0.0.1:<port>}, the worker's {@code GRAPH_API_BASE_URL}. */
    public URI baseUri() {
        return http.baseUri();
    }

    /** Every send request received so far, oldest first. */
    public List<JsonNode> recordedMessages() {
        return recorded.stream().<JsonNode>map(ObjectNode::deepCopy).toList();
    }

    /** Is told of every send request recorded (the browser console's feed). */
    public void observe(java.util.function.Consumer<JsonNode> observer) {
        this.observer = observer;
    }

    /**
     * Like Facebook, echo every message taken to the page's webhook (a signed {@code message_echoes}
     * event whose {@code metadata} is the message id), so the delivery guarantee works locally too.
     */
    public void echoTo(URI webhookUrl) {
        this.echoWebhook = webhookUrl;
    }

    /** The next {@code count} sends are taken (and echoed) but their connection is cut before the reply. */
    public void loseNextReplies(int count) {
        queueFaults(Optional.empty(), count, new LostReply());
    }

    /** Like {@link #loseNextReplies(int)}, for sends to {@code psid} only. */
    public void loseNextRepliesTo(String psid, int count) {
        queueFaults(Optional.of(psid), count, new LostReply());
    }

    /** The next {@code count} sends answer {@code status} with {@code {"error": error}}. */
    public void failNextSends(int count, int status, JsonNode error) {
        queueFaults(Optional.empty(), count, new GraphError(status, error.deepCopy()));
    }

    /** Like {@link #failNextSends(int, int, JsonNode)}, for sends to {@code psid} only. */
    public void failNextSendsTo(String psid, int count, int status, JsonNode error) {
        queueFaults(Optional.of(psid), count, new GraphError(status, error.deepCopy()));
    }

    /** How many sends the pending faults will still answer. */
    public int pendingFaults() {
        synchronized (faults) {
            return faults.stream().mapToInt(pending -> pending.remaining).sum();
        }
    }

    /** Drops every pending fault; answers how many sends they would still have answered. */
    public int clearFaults() {
        synchronized (faults) {
            int cleared = pendingFaults();
            faults.clear();
            return cleared;
        }
    }

    private void queueFaults(Optional<String> psid, int count, Fault fault) {
        if (count < 1) {
            throw new IllegalArgumentException("count must be 1 or more");
        }
        synchronized (faults) {
            faults.add(new PendingFaults(psid, fault, count));
        }
    }

    /** The fault this send to {@code psid} answers, if one is pending for it (the oldest); it is used up. */
    private Optional<Fault> takeFault(String psid) {
        synchronized (faults) {
            for (Iterator<PendingFaults> pending = faults.iterator(); pending.hasNext(); ) {
                PendingFaults next = pending.next();
                if (next.psid.isEmpty() || next.psid.get().equals(psid)) {
                    if (--next.remaining == 0) {
                        pending.remove();
                    }
                    return Optional.of(next.fault);
                }
            }
            return Optional.empty();
        }
    }

    /** {@code {"pending_faults": n, "faults": [...]}}, oldest first. */
    private ObjectNode faultsJson() {
        synchronized (faults) {
            ObjectNode json = Json.object().put("pending_faults", pendingFaults());
            ArrayNode list = json.putArray("faults");
            faults.forEach(pending -> list.add(pending.toJson()));
            return json;
        }
    }

    /**
     * Limits a page's Send API calls to {@code perSecond} (0: unlimited), or, with a null page, every
     * page whose rate was not set on its own.
     */
    public void limitRate(String pageId, double perSecond) {
        if (perSecond < 0 || Double.isNaN(perSecond) || Double.isInfinite(perSecond)) {
            throw new IllegalArgumentException("per_second must be 0 (unlimited) or more");
        }
        if (pageId == null) {
            defaultRate = perSecond;
            buckets.clear();
        } else {
            pageRates.put(pageId, perSecond);
            buckets.remove(pageId);
        }
    }

    /** The page's Send API rate, calls per second (0: unlimited). */
    public double rateOf(String pageId) {
        return pageRates.getOrDefault(pageId, defaultRate);
    }

    /** How many calls were answered 613 so far. */
    public long throttledCalls() {
        return throttledCalls.get();
    }

    /** Takes one of the page's calls; false when the page is above its rate. */
    private boolean withinRate(String pageId) {
        double rate = rateOf(pageId);
        if (rate <= 0) {
            return true;
        }
        PageRate bucket = buckets.compute(pageId, (k, old) -> old != null && old.perSecond() == rate ? old : new PageRate(rate));
        return bucket.bucket().tryTake();
    }

    /** Facebook's clock runs {@code skew} ahead of this machine's (behind when negative): echoes and watermarks use it. */
    public void facebookClockSkew(Duration skew) {
        this.clockSkew = Objects.requireNonNull(skew, "skew");
    }

    /**
     * After each echo, and {@code delay} after it was posted, the user's device acknowledges the
     * message: a delivery receipt (its {@code mid}, and the conversation's latest Facebook
     * timestamp as the watermark), then with {@link Receipts#READ}, {@code delay} later, a read
     * receipt with the watermark of the conversation's latest message at that time.
     */
    public void postReceipts(Receipts mode, Duration delay) {
        this.receipts = Objects.requireNonNull(mode, "mode");
        this.receiptDelay = Objects.requireNonNull(delay, "delay");
    }

    /** Facebook's clock: this machine's plus the skew, strictly increasing like Facebook's message timestamps. */
    private long facebookNow() {
        long now = System.currentTimeMillis() + clockSkew.toMillis();
        return lastStamp.updateAndGet(last -> Math.max(last + 1, now));
    }

    @Override
    public void close() {
        receiptTimer.shutdownNow();
        http.close();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String route = exchange.getRequestMethod().toUpperCase(Locale.ROOT) + " " + path;
            Matcher send = SEND_PATH.matcher(path);
            switch (route) {
                case "GET /__sandbox/messages" -> respond(exchange, 200, Json.MAPPER.valueToTree(recordedMessages()));
                case "DELETE /__sandbox/messages" -> {
                    recorded.clear();
                    respond(exchange, 200, Json.object().put("cleared", true).put("cleared_faults", clearFaults()));
                }
                case "POST /__sandbox/receipts" -> {
                    JsonNode request = Json.parse(exchange.getRequestBody().readAllBytes()).orElse(Json.object());
                    if (request.has("clock_skew_ms")) {
                        facebookClockSkew(Duration.ofMillis(request.path("clock_skew_ms").asLong()));
                    }
                    Receipts mode = Receipts.valueOf(request.path("mode").asText(receipts.name()).toUpperCase(Locale.ROOT));
                    postReceipts(mode, request.has("delay_ms")
                            ? Duration.ofMillis(Math.max(0, request.path("delay_ms").asLong())) : receiptDelay);
                    respond(exchange, 200, Json.object().put("mode", receipts.name().toLowerCase(Locale.ROOT))
                            .put("delay_ms", receiptDelay.toMillis()).put("clock_skew_ms", clockSkew.toMillis()));
                }
                case "GET /__sandbox/rate" -> respond(exchange, 200, rates());
                case "POST /__sandbox/rate" -> {
                    JsonNode request = Json.parse(exchange.getRequestBody().readAllBytes()).orElse(Json.object());
                    JsonNode perSecond = request.path("per_second");
                    String pageId = Json.text(request, "page_id");
                    if (!perSecond.isNumber() || perSecond.asDouble() < 0
                            || (request.has("page_id") && (pageId == null || !pageId.matches("\\d{1,40}")))) {
                        respond(exchange, 400, graphError("(#100) per_second must be a number, 0 or more, and "
                                + "page_id, when given, digits", "OAuthException", 100));
                    } else {
                        limitRate(pageId, perSecond.asDouble());
                        console.print("graph", "graph_rate_set", (pageId == null ? "every page" : "page " + pageId)
                                + ": " + describeRate(perSecond.asDouble()), Console.fields("page_id", pageId));
                        respond(exchange, 200, rates());
                    }
                }
                case "POST /__sandbox/faults" -> queueFaults(exchange);
                case "GET /__sandbox/faults" -> respond(exchange, 200, faultsJson());
                case "DELETE /__sandbox/faults" -> {
                    int cleared = clearFaults();
                    console.print("graph", "graph_faults_cleared", "cleared the pending faults (" + cleared + " sends)",
                            Console.fields("cleared_faults", cleared));
                    respond(exchange, 200, faultsJson().put("cleared_faults", cleared));
                }
                default -> {
                    if (send.matches() && route.startsWith("POST ")) {
                        sendMessage(exchange, send.group(1), send.group(2));
                    } else {
                        respond(exchange, 404, graphError("Unknown path components: " + path, "OAuthException", 2500));
                    }
                }
            }
        }
    }

    /** {@code POST /__sandbox/faults}: {@code count} (default 1) faults, for one {@code psid} or any recipient. */
    private void queueFaults(HttpExchange exchange) throws IOException {
        JsonNode request = Json.parse(exchange.getRequestBody().readAllBytes()).orElse(Json.object());
        JsonNode count = request.path("count");
        JsonNode psid = request.path("psid");
        JsonNode status = request.path("status");
        if (!(count.isMissingNode() || count.canConvertToInt() && count.isIntegralNumber() && count.asInt() >= 1)
                || !(psid.isMissingNode() || psid.isTextual() && psid.asText().matches("\\d{1,40}"))
                || !(status.isMissingNode() || status.isIntegralNumber() && status.asInt() >= 400 && status.asInt() <= 599)) {
            respond(exchange, 400, graphError("(#100) count must be a whole number, 1 or more; psid, when given, "
                    + "digits; status, when given, 400 to 599", "OAuthException", 100));
            return;
        }
        int times = count.asInt(1);
        Optional<String> recipient = psid.isTextual() ? Optional.of(psid.asText()) : Optional.empty();
        Fault fault = request.path("lose_reply").asBoolean(false) ? new LostReply()
                : new GraphError(status.asInt(500), request.path("error").isObject() ? request.get("error")
                : graphError("An unexpected error has occurred. Please retry your request later.", "OAuthException", 2)
                .get("error"));
        queueFaults(recipient, times, fault);
        console.print("graph", "graph_faults_queued", "the next " + times + (times == 1 ? " send" : " sends")
                + recipient.map(id -> " to psid " + id).orElse("") + (fault instanceof GraphError error
                ? " answer " + error.status() + " (#" + error.error().path("code").asText("?") + ")" : " lose their reply")
                + "; " + pendingFaults() + " pending", Console.fields("psid", recipient.orElse(null), "count", times));
        respond(exchange, 200, faultsJson().put("queued_faults", times));
    }

    private void sendMessage(HttpExchange exchange, String version, String pageId) throws IOException {
        Map<String, String> query = LocalHttp.query(exchange.getRequestURI().getRawQuery());
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        String token = authorization != null && authorization.trim().regionMatches(true, 0, "Bearer ", 0, 7)
                ? authorization.trim().substring(7).trim() : query.get("access_token");
        query.replaceAll((key, value) -> "access_token".equals(key) ? "<redacted>" : value);
        byte[] rawBody = exchange.getRequestBody().readAllBytes();
        JsonNode body = Json.parse(rawBody).orElse(null);
        String proof = query.get("appsecret_proof");
        Boolean proofValid = proof == null || token == null || token.isEmpty() ? null // nothing to check
                : constantTimeEquals(Sha256.appSecretProof(token, appSecret), proof.toLowerCase(Locale.ROOT));

        ObjectNode record = Json.object().put("received_at", Instant.now().toString()).put("method", "POST")
                .put("path", exchange.getRequestURI().getPath()).put("graph_version", version).put("page_id", pageId);
        query.forEach(record.putObject("query")::put);
        record.put("authorization_present", authorization != null).put("appsecret_proof_valid", proofValid);
        if (body != null) {
            record.set("body", body);
        } else {
            record.put("raw_body", new String(rawBody, StandardCharsets.UTF_8));
        }

        Optional<Fault> fault = Optional.empty();
        boolean throttled = false;
        int status = 400;
        ObjectNode response;
        if (token == null || token.isEmpty()) {
            response = graphError("An access token is required to request this resource.", "OAuthException", 104);
        } else if (pageAccessTokens.containsKey(pageId) && !constantTimeEquals(pageAccessTokens.get(pageId), token)) {
            response = graphError("Invalid OAuth access token - Cannot parse access token", "OAuthException", 190);
        } else if (Boolean.FALSE.equals(proofValid)) {
            response = graphError("Invalid appsecret_proof provided in the API argument", "GraphMethodException", 100);
        } else if (body == null || !body.path("recipient").isObject()) {
            response = graphError("(#100) The parameter recipient is required", "OAuthException", 100);
        } else if (!body.path("message").isObject()) {
            response = graphError("(#100) The parameter message is required", "OAuthException", 100);
        } else if (!withinRate(pageId)) {
            throttled = true;
            throttledCalls.incrementAndGet();
            response = graphError("(#613) Calls to this api have exceeded the rate limit.", "OAuthException", 613);
        } else if ((fault = takeFault(Json.text(body.get("recipient"), "id"))).orElse(null) instanceof GraphError error) {
            status = error.status();
            response = Json.object().set("error", error.error());
        } else {
            status = 200;
            response = Json.object().put("recipient_id", recipientId(body.get("recipient")))
                    .put("message_id", "m_" + randomId(30));
        }
        boolean replyLost = status == 200 && fault.orElse(null) instanceof LostReply;
        record.put("status", status).put("reply_lost", replyLost).set("response", response);
        recorded.add(record);
        observer.accept(record);
        String messageId = Json.text(response, "message_id");
        // The worker puts the send API's message id in the metadata: the console prints after its acceptance.
        String acceptedAs = body == null ? null : Json.text(body.path("message"), "metadata");
        if (status == 200) {
            echo(pageId, body, messageId);
        }
        if (replyLost) {
            console.printAboutMessage(acceptedAs, "graph", "graph_reply_lost", "took the message for page " + pageId
                    + " and cut the connection before answering (the echo settles it)",
                    Console.fields("page_id", pageId, "message_id", messageId));
            return; // closed without a response: the worker sees a cut connection, an unknown outcome
        }
        if (throttled) {
            console.printAboutMessage(acceptedAs, "graph", "graph_message_throttled", describe(pageId, body, status, response)
                    + " (page rate " + describeRate(rateOf(pageId)) + ")",
                    Console.fields("page_id", pageId, "status", status, "graph_code", 613));
            exchange.getResponseHeaders().add("X-Business-Use-Case-Usage", "{\"" + pageId + "\":[{\"type\":\"messenger\","
                    + "\"call_count\":100,\"total_cputime\":1,\"total_time\":1,\"estimated_time_to_regain_access\":0}]}");
            respond(exchange, status, response);
            return;
        }
        console.printAboutMessage(acceptedAs, "graph", status == 200 ? "graph_message_delivered" : "graph_message_rejected",
                describe(pageId, body, status, response), Console.fields("page_id", pageId, "status", status,
                        "message_id", messageId, "recipient_id", Json.text(response, "recipient_id")));
        respond(exchange, status, response);
    }

    /** Posts the page's echo of a message taken, signed with the app secret, as Facebook would (in the background). */
    private void echo(String pageId, JsonNode body, String mid) {
        URI webhook = echoWebhook;
        String psid = Json.text(body.path("recipient"), "id");
        if (webhook == null || psid == null) {
            return;
        }
        long now = facebookNow();
        latestStamp.merge(pageId + '\n' + psid, now, Math::max);
        ObjectNode message = Json.object().put("is_echo", true).put("app_id", 1).put("mid", mid);
        for (String field : List.of("metadata", "text")) {
            if (body.path("message").path(field).isTextual()) {
                message.put(field, body.path("message").get(field).asText());
            }
        }
        ObjectNode event = Json.object();
        event.putObject("sender").put("id", pageId);
        event.putObject("recipient").put("id", psid);
        event.put("timestamp", now).set("message", message);
        Receipts mode = receipts;
        Duration delay = receiptDelay;
        post(webhook, pageId, now, event).thenRun(() -> {
            if (mode != Receipts.OFF) {
                schedule(delay, () -> receipt(webhook, pageId, psid, mid, mode == Receipts.READ ? delay : null));
            }
        });
    }

    /**
     * The user's delivery receipt for {@code mid}, watermarked with the conversation's latest
     * Facebook timestamp; then, {@code readAfter} later (when not null), the read receipt.
     */
    private void receipt(URI webhook, String pageId, String psid, String mid, Duration readAfter) {
        long watermark = latestStamp.getOrDefault(pageId + '\n' + psid, 0L);
        ObjectNode delivery = Json.object();
        delivery.putObject("sender").put("id", psid);
        delivery.putObject("recipient").put("id", pageId);
        ObjectNode delivered = delivery.putObject("delivery");
        delivered.putArray("mids").add(mid);
        delivered.put("watermark", watermark);
        post(webhook, pageId, facebookNow(), delivery).thenRun(() -> {
            if (readAfter != null) {
                schedule(readAfter, () -> {
                    ObjectNode read = Json.object();
                    read.putObject("sender").put("id", psid);
                    read.putObject("recipient").put("id", pageId);
                    read.put("timestamp", facebookNow());
                    read.putObject("read").put("watermark", latestStamp.getOrDefault(pageId + '\n' + psid, watermark));
                    post(webhook, pageId, facebookNow(), read);
                });
            }
        });
    }

    private void schedule(Duration delay, Runnable task) {
        try {
            receiptTimer.schedule(task, delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closing
        }
    }

    /** Posts one signed webhook entry holding {@code event}, in the background, as Facebook would. */
    private CompletableFuture<Void> post(URI webhook, String pageId, long time, ObjectNode event) {
        ObjectNode payload = Json.object().put("object", "page");
        payload.putArray("entry").addObject().put("id", pageId).put("time", time).putArray("messaging").add(event);
        byte[] raw = Json.writeBytes(payload);
        return echoClient.sendAsync(HttpRequest.newBuilder(webhook).timeout(Duration.ofSeconds(10))
                .header("content-type", "application/json")
                .header("x-hub-signature-256", new WebhookSignatureVerifier().sign(raw, appSecret))
                .POST(HttpRequest.BodyPublishers.ofByteArray(raw)).build(), HttpResponse.BodyHandlers.discarding())
                .<Void>thenApply(response -> null).exceptionally(failure -> null);
    }

    /** One readable line: what was delivered to whom, or why Graph would refuse it. */
    static String describe(String pageId, JsonNode body, int status, JsonNode response) {
        JsonNode recipient = body == null ? Json.object() : body.path("recipient");
        String to = recipient.has("id") ? "psid " + recipient.get("id").asText()
                : recipient.has("phone_number") ? "phone " + recipient.get("phone_number").asText()
                : "recipient " + Json.write(recipient);
        StringBuilder line = new StringBuilder("page ").append(pageId).append(" -> ").append(to).append(": ");
        if (status != 200) {
            JsonNode error = response.path("error");
            String message = error.path("message").asText();
            String code = "(#" + error.path("code").asText() + ")";
            return line.append("refused ").append(status).append(' ')
                    .append(message.startsWith(code) ? message : code + " " + message).toString();
        }
        JsonNode message = body.path("message");
        if (message.has("text")) {
            String text = message.get("text").asText().replace('\n', ' ');
            line.append("text \"").append(text.length() <= 60 ? text : text.substring(0, 57) + "...").append('"');
        } else if (message.path("attachment").path("type").asText().equals("template")) {
            JsonNode payload = message.path("attachment").path("payload");
            line.append(payload.path("template_type").asText("?")).append(" template");
            if (payload.path("elements").isArray()) {
                int count = payload.get("elements").size();
                line.append(" (").append(count).append(count == 1 ? " element)" : " elements)");
            }
        } else if (message.has("attachment")) {
            line.append(message.path("attachment").path("type").asText("?")).append(" attachment");
        }
        if (message.path("quick_replies").isArray()) {
            line.append(", ").append(message.get("quick_replies").size()).append(" quick replies");
        }
        return line.append(" [").append(body.path("messaging_type").asText("RESPONSE"))
                .append(body.hasNonNull("tag") ? " " + body.get("tag").asText() : "")
                .append("] -> ").append(response.path("message_id").asText()).toString();
    }

    private ObjectNode rates() {
        ObjectNode rates = Json.object().put("default_per_second", defaultRate);
        ObjectNode pages = rates.putObject("pages");
        pageRates.forEach(pages::put);
        return rates.put("throttled_calls", throttledCalls.get());
    }

    private static String describeRate(double perSecond) {
        return perSecond <= 0 ? "unlimited" : (perSecond == Math.rint(perSecond)
                ? Long.toString((long) perSecond) : Double.toString(perSecond)) + " calls/s";
    }

    private static String recipientId(JsonNode recipient) {
        if (recipient.hasNonNull("id")) {
            return recipient.get("id").asText();
        }
        // A phone number (customer matching): Graph answers with the page-scoped id it found.
        return Long.toString(1_000_000_000_000_000L + Math.floorMod(recipient.toString().hashCode(), 1_000_000_000L));
    }

    private static ObjectNode graphError(String message, String type, int code) {
        return Json.object().set("error", Json.object().put("message", message).put("type", type).put("code", code)
                .put("fbtrace_id", randomId(11)));
    }

    private static boolean constantTimeEquals(String expected, String actual) {
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), actual.getBytes(StandardCharsets.UTF_8));
    }

    private static String randomId(int bytes) {
        byte[] random = new byte[bytes];
        RANDOM.nextBytes(random);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }

    private static void respond(HttpExchange exchange, int status, JsonNode body) throws IOException {
        LocalHttp.respond(exchange, status, "application/json; charset=UTF-8", Json.writeBytes(body));
    }
}
