package ai.joinchat.push.local;

import ai.joinchat.push.http.HttpApiRequest;
import ai.joinchat.push.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The gateway's translation of HTTP requests into payload format 2.0 events and of results back. */
class HttpApiGatewayTest {

    /** An in-process function that records the event it gets and answers what the test says. */
    private static final class RecordingFunction implements InvocableFunction {
        private final String name;
        final List<JsonNode> events = new ArrayList<>();
        final AtomicReference<Function<JsonNode, CompletableFuture<byte[]>>> answer = new AtomicReference<>(
                event -> CompletableFuture.completedFuture(Json.writeBytes(Json.object()
                        .put("statusCode", 200)
                        .put("body", "ok"))));

        RecordingFunction(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public synchronized CompletableFuture<byte[]> invoke(byte[] event) {
            JsonNode parsed = Json.parse(event).orElseThrow();
            events.add(parsed);
            return answer.get().apply(parsed);
        }

        synchronized JsonNode lastEvent() {
            return events.get(events.size() - 1);
        }
    }

    private final RecordingFunction sendApi = new RecordingFunction("send-api");
    private final RecordingFunction webhook = new RecordingFunction("webhook");
    private final RecordingFunction getOnly = new RecordingFunction("get-only");
    private final ByteArrayOutputStream consoleBytes = new ByteArrayOutputStream();
    private final HttpClient http = HttpClient.newHttpClient();
    private HttpApiGateway gateway;

    @BeforeEach
    void start() {
        gateway = HttpApiGateway.start(0, List.of(
                        new HttpApiGateway.Route("ANY", "/api/send_message", sendApi),
                        new HttpApiGateway.Route("ANY", "/webhook", webhook),
                        new HttpApiGateway.Route("GET", "/only-get", getOnly),
                        new HttpApiGateway.Route("ANY", "$default", sendApi)),
                new Console(new PrintStream(consoleBytes, true, StandardCharsets.UTF_8), false));
    }

    @AfterEach
    void stop() {
        gateway.close();
    }

    private HttpResponse<byte[]> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private URI uri(String pathAndQuery) {
        return URI.create(gateway.baseUri() + pathAndQuery);
    }

    @Test
    void aJsonBodyArrivesAsTheSameStringWithHeadersAndRequestContext() throws Exception {
        String body = "{\"page_id\":\"1234567890\",\"text\":\"héllo ✓\"}";
        send(HttpRequest.newBuilder(uri("/api/send_message"))
                .header("Content-Type", "application/json")
                .header("X-JoinChat-Signature", "abc=")
                .header("User-Agent", "gateway-test")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)));

        JsonNode event = sendApi.lastEvent();
        assertEquals("2.0", event.path("version").asText());
        assertEquals("ANY /api/send_message", event.path("routeKey").asText());
        assertEquals("/api/send_message", event.path("rawPath").asText());
        assertEquals("", event.path("rawQueryString").asText());
        assertFalse(event.path("isBase64Encoded").asBoolean());
        assertEquals(body, event.path("body").asText());
        assertEquals("abc=", event.path("headers").path("x-joinchat-signature").asText());
        assertEquals("application/json", event.path("headers").path("content-type").asText());
        event.path("headers").fieldNames().forEachRemaining(name ->
                assertEquals(name.toLowerCase(Locale.ROOT), name, "header names are lower-case"));

        JsonNode context = event.path("requestContext");
        assertEquals("POST", context.path("http").path("method").asText());
        assertEquals("/api/send_message", context.path("http").path("path").asText());
        assertEquals("HTTP/1.1", context.path("http").path("protocol").asText());
        assertEquals("127.0.0.1", context.path("http").path("sourceIp").asText());
        assertEquals("gateway-test", context.path("http").path("userAgent").asText());
        assertEquals("$default", context.path("stage").asText());
        assertEquals("ANY /api/send_message", context.path("routeKey").asText());
        assertFalse(context.path("requestId").asText().isEmpty());
        assertTrue(context.path("timeEpoch").asLong() > 0);
        assertTrue(context.path("time").asText().matches("\\d{2}/\\w{3}/\\d{4}:\\d{2}:\\d{2}:\\d{2} \\+0000"),
                context.path("time").asText());

        HttpApiRequest decoded = HttpApiRequest.fromEvent(event);
        assertArrayEquals(body.getBytes(StandardCharsets.UTF_8), decoded.body());
    }

    @Test
    void bytesThatAreNotUtf8SurviveExactlyAsBase64EvenWhenLabelledJson() throws Exception {
        byte[] body = {'{', '"', 'a', '"', ':', '"', (byte) 0xE9, (byte) 0xFF, (byte) 0xC3, '"', '}', 0};
        send(HttpRequest.newBuilder(uri("/api/send_message"))
                .header("Content-Type", "application/json; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));

        JsonNode event = sendApi.lastEvent();
        assertTrue(event.path("isBase64Encoded").asBoolean());
        assertArrayEquals(body, Base64.getDecoder().decode(event.path("body").asText()));
        assertArrayEquals(body, HttpApiRequest.fromEvent(event).body());
    }

    @Test
    void binaryContentTypesAreBase64Encoded() throws Exception {
        byte[] body = new byte[256];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) i;
        }
        send(HttpRequest.newBuilder(uri("/api/send_message"))
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
        JsonNode event = sendApi.lastEvent();
        assertTrue(event.path("isBase64Encoded").asBoolean());
        assertArrayEquals(body, HttpApiRequest.fromEvent(event).body());
    }

    @Test
    void repeatedHeadersAreJoinedWithCommasAndCookiesAreSeparated() throws Exception {
        send(HttpRequest.newBuilder(uri("/webhook"))
                .header("X-Repeated", "one")
                .header("X-Repeated", "two")
                .header("Cookie", "a=1; b=2")
                .GET());
        JsonNode event = webhook.lastEvent();
        assertEquals("one,two", event.path("headers").path("x-repeated").asText());
        assertFalse(event.path("headers").has("cookie"));
        assertEquals("a=1", event.path("cookies").get(0).asText());
        assertEquals("b=2", event.path("cookies").get(1).asText());
        assertFalse(event.has("body"), "a request without a body has no body field");
    }

    @Test
    void theQueryStringIsKeptRawAndDecodedIntoParameters() throws Exception {
        String rawQuery = "hub.mode=subscribe&hub.verify_token=demo%2Dverify%20token&hub.challenge=42&x=1&x=2";
        send(HttpRequest.newBuilder(uri("/webhook?" + rawQuery)).GET());

        JsonNode event = webhook.lastEvent();
        assertEquals("ANY /webhook", event.path("routeKey").asText());
        assertEquals(rawQuery, event.path("rawQueryString").asText());
        JsonNode parameters = event.path("queryStringParameters");
        assertEquals("subscribe", parameters.path("hub.mode").asText());
        assertEquals("demo-verify token", parameters.path("hub.verify_token").asText());
        assertEquals("42", parameters.path("hub.challenge").asText());
        assertEquals("1,2", parameters.path("x").asText());
        assertEquals("demo-verify token", HttpApiRequest.fromEvent(event).queryParameter("hub.verify_token").orElseThrow());
    }

    @Test
    void routesByExactPathAndMethodThenDefault() throws Exception {
        send(HttpRequest.newBuilder(uri("/only-get")).GET());
        assertEquals(1, getOnly.events.size());

        send(HttpRequest.newBuilder(uri("/only-get")).POST(HttpRequest.BodyPublishers.noBody()));
        assertEquals(1, getOnly.events.size(), "POST is not the GET route's method");
        assertEquals("$default", sendApi.lastEvent().path("routeKey").asText());

        send(HttpRequest.newBuilder(uri("/no/such/route")).DELETE());
        JsonNode event = sendApi.lastEvent();
        assertEquals("$default", event.path("routeKey").asText());
        assertEquals("/no/such/route", event.path("rawPath").asText());
        assertEquals("DELETE", event.path("requestContext").path("http").path("method").asText());
    }

    @Test
    void withoutADefaultRouteAnUnknownPathIsApiGatewaysNotFound() throws Exception {
        try (HttpApiGateway noDefault = HttpApiGateway.start(0,
                List.of(new HttpApiGateway.Route("ANY", "/webhook", webhook)),
                new Console(new PrintStream(consoleBytes, true, StandardCharsets.UTF_8), false))) {
            HttpResponse<byte[]> response = send(HttpRequest.newBuilder(URI.create(noDefault.baseUri() + "/nope")).GET());
            assertEquals(404, response.statusCode());
            assertEquals("{\"message\":\"Not Found\"}", new String(response.body(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void theFunctionsResultBecomesTheHttpResponse() throws Exception {
        sendApi.answer.set(event -> {
            ObjectNode result = Json.object();
            result.put("statusCode", 202);
            result.putObject("headers").put("content-type", "application/json").put("x-custom", "yes");
            result.putArray("cookies").add("session=abc; Path=/");
            result.put("body", "{\"message_id\":\"msg-1\",\"status\":\"queued\"}");
            result.put("isBase64Encoded", false);
            return CompletableFuture.completedFuture(Json.writeBytes(result));
        });
        HttpResponse<byte[]> response = send(HttpRequest.newBuilder(uri("/api/send_message"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")));
        assertEquals(202, response.statusCode());
        assertEquals("yes", response.headers().firstValue("x-custom").orElseThrow());
        assertEquals("session=abc; Path=/", response.headers().firstValue("set-cookie").orElseThrow());
        assertTrue(response.headers().firstValue("apigw-requestid").isPresent());
        assertEquals("{\"message_id\":\"msg-1\",\"status\":\"queued\"}", new String(response.body(), StandardCharsets.UTF_8));
        String line = awaitConsoleLine("POST /api/send_message -> 202");
        assertTrue(line.contains("message_id=msg-1"), line);
    }

    /** The gateway prints its line once the response is written, so it may come a moment after the response. */
    private String awaitConsoleLine(String containing) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            Optional<String> line = consoleBytes.toString(StandardCharsets.UTF_8).lines()
                    .filter(text -> text.contains(containing)).findFirst();
            if (line.isPresent()) {
                return line.get();
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no console line with '" + containing + "' in: " + consoleBytes.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aBase64ResultBodyIsDecoded() throws Exception {
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', 0, (byte) 0xFF};
        sendApi.answer.set(event -> CompletableFuture.completedFuture(Json.writeBytes(Json.object()
                .put("statusCode", 200)
                .put("body", Base64.getEncoder().encodeToString(png))
                .put("isBase64Encoded", true))));
        HttpResponse<byte[]> response = send(HttpRequest.newBuilder(uri("/api/send_message")).GET());
        assertArrayEquals(png, response.body());
    }

    @Test
    void aResultWithoutStatusCodeIsA200WithThatJson() throws Exception {
        sendApi.answer.set(event -> CompletableFuture.completedFuture("{\"hello\":\"world\"}".getBytes(StandardCharsets.UTF_8)));
        HttpResponse<byte[]> response = send(HttpRequest.newBuilder(uri("/api/send_message")).GET());
        assertEquals(200, response.statusCode());
        assertEquals("application/json", response.headers().firstValue("content-type").orElseThrow());
        assertEquals("{\"hello\":\"world\"}", new String(response.body(), StandardCharsets.UTF_8));
    }

    @Test
    void aFunctionErrorIsA500AndATimeoutA503() throws Exception {
        sendApi.answer.set(event -> CompletableFuture.failedFuture(
                new LambdaInvocationException("send-api", "java.lang.NullPointerException", "boom")));
        HttpResponse<byte[]> error = send(HttpRequest.newBuilder(uri("/api/send_message")).GET());
        assertEquals(500, error.statusCode());
        assertEquals("{\"message\":\"Internal Server Error\"}", new String(error.body(), StandardCharsets.UTF_8));

        sendApi.answer.set(event -> CompletableFuture.failedFuture(
                new LambdaInvocationException("send-api", "Sandbox.Timedout", "Task timed out after 10.00 seconds")));
        HttpResponse<byte[]> timeout = send(HttpRequest.newBuilder(uri("/api/send_message")).GET());
        assertEquals(503, timeout.statusCode());
        assertEquals("{\"message\":\"Service Unavailable\"}", new String(timeout.body(), StandardCharsets.UTF_8));
    }
}
