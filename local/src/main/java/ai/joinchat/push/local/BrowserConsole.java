package ai.joinchat.push.local;

import ai.joinchat.push.json.Json;
import ai.joinchat.push.local.http.LocalHttp;
import ai.joinchat.push.signature.SignedRef;
import ai.joinchat.push.signature.WebhookSignatureVerifier;
import ai.joinchat.push.store.MessageItem;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The browser console at {@code /__console/} on the API's port: its static files, a JSON feed of
 * what happened ({@code GET /__console/feed?since=<cursor>}: the latest {@link #CAPACITY} entries
 * in memory, oldest first) and actions that play Facebook or the user. What the console posts is
 * signed here, so no secret ever reaches the browser; the feed holds no token, key or signature.
 */
final class BrowserConsole implements AutoCloseable {

    static final int CAPACITY = 5000;
    private static final int PAGE = 1000;
    private static final int OPEN_PER_CONVERSATION = 50;
    private static final Map<String, String> FILES = Map.of("", "index.html", "console.css", "console.css",
            "console.js", "console.js");

    private final DemoCredentials credentials;
    private final DynamoDbClient dynamoDb;
    private final String messagesTable;
    private final Deque<ObjectNode> entries = new ArrayDeque<>(); // guarded by itself
    private long lastSeq;
    /** Per page and PSID, the messages whose status may still move; guarded by itself. */
    private final Map<String, Deque<String>> open = new ConcurrentHashMap<>();
    private final Map<String, String> lastStatus = new ConcurrentHashMap<>();
    private final Set<String> refreshing = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "browser-console");
        thread.setDaemon(true);
        return thread;
    });
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private volatile URI api;
    private volatile URI sandbox;
    private volatile long watchedUntil = System.nanoTime();

    BrowserConsole(DemoCredentials credentials, DynamoDbClient dynamoDb, String messagesTable) {
        this.credentials = credentials;
        this.dynamoDb = dynamoDb;
        this.messagesTable = messagesTable;
    }

    void serving(URI api, URI sandbox) {
        this.api = api;
        this.sandbox = sandbox;
    }

    /**
     * A status callback sent (contract section 8), from the callbacks function's {@code callback} log
     * line: {@code {"type": "message.read", "webhook_id": ..., "attempt": 1, "answer_status": 200,
     * "outcome": "delivered", "ok": true}} (never the secret or the signature); the feed lists them
     * under {@code callbacks}.
     */
    void callback(String pageId, String psid, String messageId, ObjectNode sentAndAnswer) {
        record("callback", pageId, psid, messageId, sentAndAnswer);
    }

    /** Adds one entry to the feed, dropping the oldest beyond {@link #CAPACITY}. */
    void record(String kind, String pageId, String psid, String messageId, ObjectNode data) {
        ObjectNode entry = Json.object().put("kind", kind).put("at", Instant.now().toString())
                .put("page_id", pageId).put("psid", psid).put("message_id", messageId);
        entry.set("data", data);
        synchronized (entries) {
            entry.put("seq", ++lastSeq);
            entries.addLast(entry);
            if (entries.size() > CAPACITY) {
                entries.removeFirst();
            }
        }
    }

    /** A request the HTTP API answered: send requests and webhook events go to the feed. */
    void exchanged(String method, String path, Headers headers, byte[] body, int status, byte[] answer) {
        if (!"POST".equals(method)) {
            return;
        }
        JsonNode request = Json.parse(body).orElse(Json.object());
        if ("/api/send_message".equals(path)) {
            JsonNode response = Json.parse(answer).orElse(Json.object());
            String pageId = request.path("page_id").asText(null);
            String psid = Json.text(request.path("recipient"), "id");
            String messageId = Json.text(response, "message_id");
            ObjectNode data = Json.object().put("status", status)
                    .put("signature", headers.containsKey("x-joinchat-timestamp") ? "timestamped"
                            : headers.containsKey("x-joinchat-signature") || headers.containsKey("x_joinchat_signature")
                            ? "classic" : "none")
                    .put("idempotency_key", headers.containsKey("idempotency-key"));
            for (String field : List.of("recipient", "message", "tag", "delay")) {
                data.set(field, request.get(field));
            }
            data.set("answer", response);
            record("request", pageId, psid, messageId, data);
            if (status == 202 && messageId != null) {
                if (psid != null) {
                    if (open.size() > CAPACITY) {
                        open.clear(); // a run with many recipients: keep the map bounded, like the feed
                    }
                    Deque<String> ids = open.computeIfAbsent(pageId + '/' + psid, k -> new ArrayDeque<>());
                    synchronized (ids) {
                        ids.addLast(messageId);
                        if (ids.size() > OPEN_PER_CONVERSATION) {
                            ids.removeFirst();
                        }
                    }
                }
                refreshSoon(messageId);
            }
        } else if ("/webhook".equals(path)) {
            boolean fromConsole = "local-console".equals(headers.getFirst("user-agent"));
            for (JsonNode entry : request.path("entry")) {
                for (JsonNode event : entry.path("messaging")) {
                    boolean echo = event.path("message").path("is_echo").asBoolean(false);
                    String psid = Json.text(event.path(echo ? "recipient" : "sender"), "id");
                    String pageId = entry.path("id").asText(null);
                    record("webhook", pageId, psid, echo ? Json.text(event.path("message"), "metadata") : null,
                            Json.object().put("status", status).put("from", fromConsole ? "console" : "facebook")
                                    .set("event", event));
                    Deque<String> ids = open.getOrDefault(pageId + '/' + psid, new ArrayDeque<>());
                    synchronized (ids) {
                        ids.forEach(this::refreshSoon);
                    }
                }
            }
        }
    }

    /** A Send API call the Graph sandbox answered (the sandbox's record: no token, and its query is left out). */
    void graphCall(JsonNode call) {
        JsonNode body = call.path("body");
        ObjectNode data = Json.object().put("status", call.path("status").asInt())
                .put("reply_lost", call.path("reply_lost").asBoolean());
        for (String field : List.of("messaging_type", "tag", "message")) {
            data.set(field, body.get(field));
        }
        data.set("answer", call.get("response"));
        record("graph", call.path("page_id").asText(null), Json.text(body.path("recipient"), "id"),
                Json.text(body.path("message"), "metadata"), data);
    }

    /** A function's JSON log line; those about a message (or a page's throttling) go to the feed. */
    void functionLog(String function, JsonNode log) {
        String messageId = Json.text(log, "message_id");
        if ("callback".equals(Json.text(log, "event"))) {
            ObjectNode sent = Json.object().put("type", Json.text(log, "type")).put("webhook_id", Json.text(log, "webhook_id"))
                    .put("attempt", log.path("attempt").asInt()).put("outcome", Json.text(log, "outcome"))
                    .put("ok", "delivered".equals(Json.text(log, "outcome")));
            sent.set("answer_status", log.get("status"));
            callback(Json.text(log, "page_id"), null, messageId, sent);
            return;
        }
        if (messageId == null && !"page_throttled".equals(Json.text(log, "event"))) {
            return;
        }
        ObjectNode data = ((ObjectNode) log).deepCopy().put("function", function);
        data.remove("_aws");
        record("log", Json.text(log, "page_id"), null, messageId, data);
        if (messageId != null) {
            refreshSoon(messageId);
        }
    }

    /**
     * Statuses are read only while a console polls (a minute after its last poll), so a benchmark or
     * a long run without one costs DynamoDB nothing extra; a console that starts polling gets the
     * statuses of the messages that may still move.
     */
    private void watched() {
        boolean was = System.nanoTime() - watchedUntil < 0;
        watchedUntil = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        if (!was) {
            open.values().forEach(ids -> {
                synchronized (ids) {
                    ids.forEach(this::refreshSoon);
                }
            });
        }
    }

    private void refreshSoon(String messageId) {
        if (System.nanoTime() - watchedUntil < 0 && refreshing.add(messageId)) {
            try {
                refresher.schedule(() -> refresh(messageId), 200, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                refreshing.remove(messageId); // closing
            }
        }
    }

    /** Reads the message's record; a new status (or attempt count) becomes a {@code status} entry. */
    private void refresh(String messageId) {
        refreshing.remove(messageId);
        Map<String, AttributeValue> item;
        try {
            item = dynamoDb.getItem(b -> b.tableName(messagesTable).consistentRead(true)
                    .key(Map.of(MessageItem.MESSAGE_ID, AttributeValue.fromS(messageId)))).item();
        } catch (RuntimeException e) {
            return; // stopping, or DynamoDB Local is busy: the next event refreshes it
        }
        if (item == null || item.isEmpty()) {
            return;
        }
        ObjectNode data = Json.object();
        for (String name : List.of(MessageItem.STATUS, MessageItem.ATTEMPTS, MessageItem.FACEBOOK_MESSAGE_ID,
                MessageItem.ERROR, MessageItem.ECHOED_AT, MessageItem.DELIVERED_AT, MessageItem.READ_AT,
                MessageItem.UPDATED_AT)) {
            if (item.containsKey(name)) {
                data.set(name, toJson(item.get(name)));
            }
        }
        String key = data.path("status").asText() + "/" + data.path("attempts").asText() + "/" + data.has("echoed_at");
        if (lastStatus.size() > 10 * CAPACITY) {
            lastStatus.clear();
        }
        if (!key.equals(lastStatus.put(messageId, key))) {
            record("status", Json.text(toJson(item.get(MessageItem.PAGE_ID)), null),
                    item.containsKey(MessageItem.PSID) ? item.get(MessageItem.PSID).s() : null, messageId, data);
        }
        String status = data.path("status").asText();
        if (status.equals("read") || status.equals("failed")) {
            open.values().forEach(ids -> {
                synchronized (ids) {
                    ids.remove(messageId);
                }
            });
        }
    }

    private static JsonNode toJson(AttributeValue value) {
        if (value == null) {
            return Json.object().nullNode();
        }
        if (value.s() != null) {
            return Json.object().textNode(value.s());
        }
        if (value.n() != null) {
            return Json.object().numberNode(new java.math.BigDecimal(value.n()));
        }
        if (value.bool() != null) {
            return Json.object().booleanNode(value.bool());
        }
        ObjectNode map = Json.object();
        if (value.hasM()) {
            value.m().forEach((k, v) -> map.set(k, toJson(v)));
        }
        return map;
    }

    /** {@code /__console/...}: the page, the feed and the actions. */
    void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getPath().substring("/__console/".length() - 1);
            String host = String.valueOf(exchange.getRequestHeaders().getFirst("host"));
            if (!host.equals(api.getAuthority()) && !host.equals("localhost:" + api.getPort())) {
                respond(exchange, 403, error("the console answers on " + api.getAuthority() + " only")); // DNS rebinding
            } else if ("GET".equals(method) && path.equals("/feed")) {
                String since = LocalHttp.query(exchange.getRequestURI().getRawQuery()).getOrDefault("since", "0");
                respond(exchange, 200, feed(since.matches("\\d{1,18}") ? Long.parseLong(since) : 0));
            } else if ("GET".equals(method) && FILES.containsKey(path.substring(1))) {
                String file = FILES.get(path.substring(1));
                try (InputStream in = BrowserConsole.class.getResourceAsStream("/console/" + file)) {
                    exchange.getResponseHeaders().set("Cache-Control", "no-store");
                    LocalHttp.respond(exchange, 200, file.endsWith(".html") ? "text/html; charset=UTF-8"
                            : file.endsWith(".css") ? "text/css; charset=UTF-8" : "text/javascript; charset=UTF-8",
                            in.readAllBytes());
                }
            } else if ("POST".equals(method) && crossSite(exchange.getRequestHeaders())) {
                respond(exchange, 403, error("the console's actions are for the console's own page"));
            } else if ("POST".equals(method) && path.matches("/sandbox/(faults|rate|receipts)")) {
                forward(exchange, sandbox == null ? null : sandbox.resolve("/__sandbox/" + path.substring(9)), null);
            } else if ("POST".equals(method) && path.equals("/user")) {
                userEvent(exchange);
            } else {
                respond(exchange, 404, error("not found"));
            }
        }
    }

    /** A browser on another site may post here too: only the console's page (same origin, JSON) may. */
    private boolean crossSite(Headers headers) {
        String origin = headers.getFirst("origin");
        String type = String.valueOf(headers.getFirst("content-type"));
        return !type.startsWith("application/json") || origin != null && !origin.equals(api.toString())
                && !origin.equals(api.toString().replace("127.0.0.1", "localhost"));
    }

    ObjectNode feed(long since) {
        watched();
        ObjectNode feed = Json.object();
        ArrayNode list = feed.putArray("entries");
        ArrayNode callbacks = feed.putArray("callbacks");
        synchronized (entries) {
            since = since > lastSeq ? 0 : since; // a page left open across a restart of local mode starts again
            List<ObjectNode> newer = new ArrayList<>();
            for (Iterator<ObjectNode> newestFirst = entries.descendingIterator(); newestFirst.hasNext(); ) {
                ObjectNode entry = newestFirst.next();
                if (entry.path("seq").asLong() <= since) {
                    break;
                }
                newer.add(entry);
            }
            java.util.Collections.reverse(newer);
            List<ObjectNode> page = newer.subList(0, Math.min(PAGE, newer.size()));
            page.forEach(entry -> ("callback".equals(entry.path("kind").asText()) ? callbacks : list).add(entry));
            feed.put("cursor", page.isEmpty() ? Math.min(since, lastSeq) : page.get(page.size() - 1).path("seq").asLong())
                    .put("more", newer.size() > page.size())
                    .put("dropped", !entries.isEmpty() && entries.getFirst().path("seq").asLong() > since + 1);
        }
        feed.put("page_id", credentials.pageId()).put("sandbox", sandbox != null);
        return feed;
    }

    /**
     * {@code POST /__console/user}: what the user's device would post, signed with the app secret:
     * {@code {"kind": "delivery" | "read" | "referral" | "quick_reply" | "text", "psid": ..., "mids": [...],
     * "watermark": ..., "uuid": ..., "signed": true, "ref": ..., "payload": ..., "text": ...}}.
     */
    private void userEvent(HttpExchange exchange) throws IOException {
        JsonNode request = Json.parse(exchange.getRequestBody().readAllBytes()).orElse(Json.object());
        String psid = Json.text(request, "psid");
        String kind = String.valueOf(Json.text(request, "kind"));
        String pageId = credentials.pageId();
        if (psid == null || !psid.matches("\\d{1,40}")) {
            respond(exchange, 400, error("psid must be digits"));
            return;
        }
        long now = System.currentTimeMillis();
        long watermark = request.path("watermark").asLong(now);
        ObjectNode event = Json.object();
        event.putObject("sender").put("id", psid);
        event.putObject("recipient").put("id", pageId);
        event.put("timestamp", now);
        switch (kind) {
            case "delivery" -> {
                ObjectNode delivery = event.putObject("delivery").put("watermark", watermark);
                delivery.set("mids", request.path("mids").isArray() ? request.get("mids") : Json.MAPPER.createArrayNode());
            }
            case "read" -> event.putObject("read").put("watermark", watermark);
            case "referral" -> {
                String uuid = request.path("uuid").asText("");
                String ref = request.path("signed").asBoolean() ? SignedRef.signedRef(pageId, uuid, credentials.apiSecret())
                        : request.path("ref").asText("uuid=" + uuid);
                event.putObject("referral").put("ref", ref).put("source", "SHORTLINK").put("type", "OPEN_THREAD");
            }
            case "quick_reply", "text" -> {
                ObjectNode message = event.putObject("message").put("mid", "m_console_" + now)
                        .put("text", request.path("text").asText(""));
                if (kind.equals("quick_reply")) {
                    message.putObject("quick_reply").put("payload", request.path("payload").asText(""));
                }
            }
            default -> {
                respond(exchange, 400, error("kind must be delivery, read, referral, quick_reply or text"));
                return;
            }
        }
        ObjectNode payload = Json.object().put("object", "page");
        payload.putArray("entry").addObject().put("id", pageId).put("time", now).putArray("messaging").add(event);
        byte[] raw = Json.writeBytes(payload);
        forward(exchange, api.resolve("/webhook"), new WebhookSignatureVerifier().sign(raw, credentials.appSecret()), raw);
    }

    private void forward(HttpExchange exchange, URI target, String hubSignature) throws IOException {
        forward(exchange, target, hubSignature, exchange.getRequestBody().readAllBytes());
    }

    /** Posts {@code body} to {@code target} and answers with its status and body. */
    private void forward(HttpExchange exchange, URI target, String hubSignature, byte[] body) throws IOException {
        if (target == null) {
            respond(exchange, 409, error("GRAPH_API_BASE_URL is set: there is no sandbox to drive"));
            return;
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(30))
                .header("content-type", "application/json").header("user-agent", "local-console")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (hubSignature != null) {
            request.header("x-hub-signature-256", hubSignature);
        }
        try {
            HttpResponse<byte[]> answer = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            LocalHttp.respond(exchange, answer.statusCode(), "application/json; charset=UTF-8",
                    Json.parse(answer.body()).isPresent() ? answer.body()
                            : Json.writeBytes(Json.object().put("answer", new String(answer.body()))));
        } catch (IOException | InterruptedException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            respond(exchange, 502, error("no answer from " + target.getPath()));
        }
    }

    private static ObjectNode error(String message) {
        return Json.object().set("error", Json.object().put("message", message));
    }

    private static void respond(HttpExchange exchange, int status, JsonNode body) throws IOException {
        LocalHttp.respond(exchange, status, "application/json; charset=UTF-8", Json.writeBytes(body));
    }

    @Override
    public void close() {
        refresher.shutdownNow();
    }
}
