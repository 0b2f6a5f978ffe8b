package ai.joinchat.push.local;

import ai.joinchat.push.concurrent.DaemonThreads;
import ai.joinchat.push.graph.AppSecretProof;
import ai.joinchat.push.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
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
 * {@code DELETE /__sandbox/messages} forgets it, and {@code POST /__sandbox/faults} with
 * {@code {"status": 500, "error": {"code": 2, ...}, "count": 1}} makes the next sends fail that way
 * (to watch retries and the dead-letter queue); {@code DELETE /__sandbox/faults} clears them.
 */
public final class GraphApiSandbox implements AutoCloseable {

    private static final Pattern SEND_PATH = Pattern.compile("^/(v\\d+\\.\\d+)/([^/]+)/messages/?$");
    private static final String CONSOLE_SOURCE = "graph";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final HttpServer server;
    private final ExecutorService threads;
    private final Console console;
    private final Map<String, String> pageAccessTokens;
    private final String appSecret;
    private final List<ObjectNode> recorded = new ArrayList<>();
    private final Deque<ObjectNode> faults = new ArrayDeque<>();
    private final java.net.http.HttpClient echoClient = java.net.http.HttpClient.newBuilder()
            .connectTimeout(java.time.Duration.ofSeconds(2)).build();
    private volatile URI echoWebhook;

    private GraphApiSandbox(HttpServer server, ExecutorService threads, Console console,
                            Map<String, String> pageAccessTokens, String appSecret) {
        this.server = server;
        this.threads = threads;
        this.console = console;
        this.pageAccessTokens = Map.copyOf(pageAccessTokens);
        this.appSecret = appSecret;
    }

    /**
     * Starts the sandbox on 127.0.0.1.
     *
     * @param port             0 for a free port
     * @param pageAccessTokens the page access token of each known page (others accept any token)
     * @param appSecret        the app secret that {@code appsecret_proof} must match, or null
     */
    public static GraphApiSandbox start(int port, Console console, Map<String, String> pageAccessTokens,
                                        String appSecret) {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
        } catch (IOException e) {
            throw new IllegalStateException("cannot open the Graph API sandbox port " + port, e);
        }
        ExecutorService threads = DaemonThreads.fixedPool("graph-sandbox", 4);
        GraphApiSandbox sandbox = new GraphApiSandbox(server, threads, console, pageAccessTokens, appSecret);
        server.createContext("/", sandbox::handle);
        server.setExecutor(threads);
        server.start();
        return sandbox;
    }

    /** {@code http://127.0.0.1:<port>}, the worker's {@code GRAPH_API_BASE_URL}. */
    public URI baseUri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Every send request received so far, oldest first. */
    public List<JsonNode> recordedMessages() {
        synchronized (recorded) {
            return List.copyOf(recorded.stream().map(ObjectNode::deepCopy).toList());
        }
    }

    public void clearRecordedMessages() {
        synchronized (recorded) {
            recorded.clear();
        }
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
        synchronized (faults) {
            for (int i = 0; i < count; i++) {
                faults.add(Json.object().put("lose_reply", true));
            }
        }
    }

    /** The next {@code count} sends answer {@code status} with {@code {"error": error}}. */
    public void failNextSends(int count, int status, JsonNode error) {
        synchronized (faults) {
            for (int i = 0; i < count; i++) {
                ObjectNode fault = Json.object();
                fault.put("status", status);
                fault.set("error", error.deepCopy());
                faults.add(fault);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
            Matcher send = SEND_PATH.matcher(path);
            if ("/__sandbox/messages".equals(path) && "GET".equals(method)) {
                ArrayNode list = Json.MAPPER.createArrayNode();
                recordedMessages().forEach(list::add);
                respond(exchange, 200, list);
            } else if ("/__sandbox/messages".equals(path) && "DELETE".equals(method)) {
                clearRecordedMessages();
                respond(exchange, 200, Json.object().put("cleared", true));
            } else if ("/__sandbox/faults".equals(path) && "POST".equals(method)) {
                addFaults(exchange);
            } else if ("/__sandbox/faults".equals(path) && "DELETE".equals(method)) {
                synchronized (faults) {
                    faults.clear();
                }
                respond(exchange, 200, Json.object().put("cleared", true));
            } else if (send.matches() && "POST".equals(method)) {
                sendMessage(exchange, send.group(1), send.group(2));
            } else {
                respond(exchange, 404, graphError("Unknown path components: " + path, "OAuthException", 2500));
            }
        }
    }

    private void addFaults(HttpExchange exchange) throws IOException {
        JsonNode request = Json.parse(exchange.getRequestBody().readAllBytes()).orElse(Json.object());
        int status = request.path("status").asInt(500);
        int count = Math.max(1, request.path("count").asInt(1));
        if (request.path("lose_reply").asBoolean(false)) {
            loseNextReplies(count);
            respond(exchange, 200, Json.object().put("queued_faults", count));
            return;
        }
        JsonNode error = request.path("error").isObject() ? request.get("error")
                : graphError("An unexpected error has occurred. Please retry your request later.",
                "OAuthException", 2).get("error");
        failNextSends(count, status, error);
        respond(exchange, 200, Json.object().put("queued_faults", count));
    }

    private void sendMessage(HttpExchange exchange, String version, String pageId) throws IOException {
        Map<String, String> query = parseQuery(exchange.getRequestURI().getRawQuery());
        String token = bearerToken(exchange.getRequestHeaders().getFirst("Authorization"));
        if (token == null && query.containsKey("access_token")) {
            token = query.get("access_token");
        }
        query.replaceAll((key, value) -> "access_token".equals(key) ? "<redacted>" : value);
        byte[] rawBody = exchange.getRequestBody().readAllBytes();
        JsonNode body = Json.parse(rawBody).orElse(null);

        ObjectNode record = Json.object();
        record.put("received_at", Instant.now().toString());
        record.put("method", "POST");
        record.put("path", exchange.getRequestURI().getPath());
        record.put("graph_version", version);
        record.put("page_id", pageId);
        ObjectNode queryNode = record.putObject("query");
        query.forEach(queryNode::put);
        record.put("authorization_present", exchange.getRequestHeaders().getFirst("Authorization") != null);
        Boolean proofValid = checkProof(token, query.get("appsecret_proof"));
        if (proofValid == null) {
            record.putNull("appsecret_proof_valid");
        } else {
            record.put("appsecret_proof_valid", proofValid);
        }
        if (body != null) {
            record.set("body", body);
        } else {
            record.put("raw_body", new String(rawBody, StandardCharsets.UTF_8));
        }

        int status;
        ObjectNode response;
        ObjectNode fault;
        synchronized (faults) {
            fault = faults.poll();
        }
        if (token == null || token.isEmpty()) {
            status = 400;
            response = graphError("An access token is required to request this resource.", "OAuthException", 104);
        } else if (pageAccessTokens.containsKey(pageId) && !constantTimeEquals(pageAccessTokens.get(pageId), token)) {
            status = 400;
            response = graphError("Invalid OAuth access token - Cannot parse access token", "OAuthException", 190);
        } else if (Boolean.FALSE.equals(proofValid)) {
            status = 400;
            response = graphError("Invalid appsecret_proof provided in the API argument", "GraphMethodException", 100);
        } else if (body == null || !body.isObject()) {
            status = 400;
            response = graphError("(#100) The parameter recipient is required", "OAuthException", 100);
        } else if (!body.path("recipient").isObject()) {
            status = 400;
            response = graphError("(#100) The parameter recipient is required", "OAuthException", 100);
        } else if (!body.path("message").isObject() && !body.has("sender_action")) {
            status = 400;
            response = graphError("(#100) The parameter message is required", "OAuthException", 100);
        } else if (fault != null && !fault.path("lose_reply").asBoolean(false)) {
            status = fault.path("status").asInt(500);
            response = Json.object();
            response.set("error", fault.get("error"));
        } else {
            status = 200;
            response = Json.object();
            response.put("recipient_id", recipientId(body.get("recipient")));
            response.put("message_id", "m_" + randomId(30));
        }
        boolean replyLost = status == 200 && fault != null && fault.path("lose_reply").asBoolean(false);
        record.put("status", status);
        record.set("response", response);
        record.put("reply_lost", replyLost);
        synchronized (recorded) {
            recorded.add(record);
        }
        if (status == 200) {
            echo(pageId, body, Json.text(response, "message_id"));
        }
        if (replyLost) {
            console.print(CONSOLE_SOURCE, "graph_reply_lost", "took the message for page " + pageId
                    + " and cut the connection before answering (the echo settles it)",
                    Console.fields("page_id", pageId, "message_id", Json.text(response, "message_id")));
            return; // closed without a response: the worker sees a cut connection, an unknown outcome
        }
        console.print(CONSOLE_SOURCE, status == 200 ? "graph_message_delivered" : "graph_message_rejected",
                describe(pageId, body, status, response),
                Console.fields("page_id", pageId, "status", status,
                        "message_id", Json.text(response, "message_id"),
                        "recipient_id", Json.text(response, "recipient_id")));
        respond(exchange, status, response);
    }

    /** Posts the page's echo of a message taken, signed with the app secret, as Facebook would (in the background). */
    private void echo(String pageId, JsonNode body, String mid) {
        URI webhook = echoWebhook;
        String psid = Json.text(body.path("recipient"), "id");
        if (webhook == null || appSecret == null || psid == null) {
            return;
        }
        long now = System.currentTimeMillis();
        ObjectNode message = Json.object().put("is_echo", true).put("app_id", 1).put("mid", mid);
        JsonNode metadata = body.path("message").get("metadata");
        if (metadata != null && metadata.isTextual()) {
            message.put("metadata", metadata.asText());
        }
        JsonNode text = body.path("message").get("text");
        if (text != null && text.isTextual()) {
            message.put("text", text.asText());
        }
        ObjectNode event = Json.object();
        event.putObject("sender").put("id", pageId);
        event.putObject("recipient").put("id", psid);
        event.put("timestamp", now);
        event.set("message", message);
        ObjectNode payload = Json.object().put("object", "page");
        ObjectNode entry = payload.putArray("entry").addObject().put("id", pageId).put("time", now);
        entry.putArray("messaging").add(event);
        byte[] raw = Json.writeBytes(payload);
        java.net.http.HttpRequest request = java.net.http.HttpRequest.newBuilder(webhook)
                .timeout(java.time.Duration.ofSeconds(10))
                .header("content-type", "application/json")
                .header("x-hub-signature-256", new ai.joinchat.push.signature.WebhookSignatureVerifier().sign(raw, appSecret))
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(raw)).build();
        echoClient.sendAsync(request, java.net.http.HttpResponse.BodyHandlers.discarding());
    }

    /** True/false when an {@code appsecret_proof} was sent and can be checked; null when there is nothing to check. */
    private Boolean checkProof(String token, String proof) {
        if (proof == null) {
            return null;
        }
        if (appSecret == null || appSecret.isEmpty() || token == null || token.isEmpty()) {
            return null;
        }
        return constantTimeEquals(AppSecretProof.compute(token, appSecret), proof.toLowerCase(Locale.ROOT));
    }

    /** One readable line: what was delivered to whom, or why Graph would refuse it. */
    static String describe(String pageId, JsonNode body, int status, JsonNode response) {
        JsonNode recipient = body == null ? Json.object() : body.path("recipient");
        String to = recipient.has("id") ? "psid " + recipient.get("id").asText()
                : recipient.has("phone_number") ? "phone " + recipient.get("phone_number").asText()
                : recipient.has("user_ref") ? "user_ref " + recipient.get("user_ref").asText()
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
            line.append("text \"").append(abbreviate(message.get("text").asText(), 60)).append('"');
        } else if (message.path("attachment").path("type").asText().equals("template")) {
            JsonNode payload = message.path("attachment").path("payload");
            line.append(payload.path("template_type").asText("?")).append(" template");
            if (payload.path("elements").isArray()) {
                int count = payload.get("elements").size();
                line.append(" (").append(count).append(count == 1 ? " element)" : " elements)");
            }
        } else if (message.has("attachment")) {
            line.append(message.path("attachment").path("type").asText("?")).append(" attachment");
        } else if (body.has("sender_action")) {
            line.append("sender action ").append(body.get("sender_action").asText());
        }
        if (message.path("quick_replies").isArray()) {
            line.append(", ").append(message.get("quick_replies").size()).append(" quick replies");
        }
        line.append(" [").append(body.path("messaging_type").asText("RESPONSE"));
        if (body.hasNonNull("tag")) {
            line.append(' ').append(body.get("tag").asText());
        }
        line.append("] -> ").append(response.path("message_id").asText());
        return line.toString();
    }

    private static String recipientId(JsonNode recipient) {
        if (recipient.hasNonNull("id")) {
            return recipient.get("id").asText();
        }
        // Customer matching or a user_ref: Graph answers with the page-scoped id it found.
        String key = recipient.toString();
        return Long.toString(1_000_000_000_000_000L + Math.floorMod(key.hashCode(), 1_000_000_000L));
    }

    private static String bearerToken(String authorization) {
        if (authorization == null) {
            return null;
        }
        String trimmed = authorization.trim();
        return trimmed.regionMatches(true, 0, "Bearer ", 0, 7) ? trimmed.substring(7).trim() : null;
    }

    private static Map<String, String> parseQuery(String rawQuery) {
        Map<String, String> query = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return query;
        }
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            query.put(key, value);
        }
        return query;
    }

    private static ObjectNode graphError(String message, String type, int code) {
        ObjectNode root = Json.object();
        ObjectNode error = root.putObject("error");
        error.put("message", message);
        error.put("type", type);
        error.put("code", code);
        error.put("fbtrace_id", randomId(11));
        return root;
    }

    private static boolean constantTimeEquals(String expected, String actual) {
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), actual.getBytes(StandardCharsets.UTF_8));
    }

    private static String abbreviate(String text, int max) {
        String oneLine = text.replace('\n', ' ');
        return oneLine.length() <= max ? oneLine : oneLine.substring(0, max - 3) + "...";
    }

    private static String randomId(int bytes) {
        byte[] random = new byte[bytes];
        RANDOM.nextBytes(random);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }

    private static void respond(HttpExchange exchange, int status, JsonNode body) throws IOException {
        byte[] bytes = Json.writeBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=UTF-8");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
