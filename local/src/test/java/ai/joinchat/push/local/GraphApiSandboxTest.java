package ai.joinchat.push.local;

import ai.joinchat.push.signature.Sha256;
import ai.joinchat.push.json.Json;
import ai.joinchat.push.signature.WebhookSignatureVerifier;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GraphApiSandboxTest {

    private static final String PAGE = "1234567890";
    private static final String TOKEN = "demo-page-token";
    private static final String APP_SECRET = "demo-app-secret";

    private final ByteArrayOutputStream consoleBytes = new ByteArrayOutputStream();
    private final HttpClient http = HttpClient.newHttpClient();
    private GraphApiSandbox sandbox;

    @BeforeEach
    void start() {
        sandbox = GraphApiSandbox.start(0, new Console(new PrintStream(consoleBytes, true, StandardCharsets.UTF_8), false),
                Map.of(PAGE, TOKEN), APP_SECRET);
    }

    @AfterEach
    void stop() {
        sandbox.close();
    }

    private HttpResponse<String> sendMessage(String token, String proof, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(sandbox.baseUri() + "/v25.0/" + PAGE
                        + "/messages" + (proof == null ? "" : "?appsecret_proof=" + proof)))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode listed() throws Exception {
        return Json.parse(http.send(HttpRequest.newBuilder(URI.create(sandbox.baseUri() + "/__sandbox/messages")).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }

    @Test
    void recordsAndAnswersASendLikeGraph() throws Exception {
        String body = "{\"recipient\":{\"id\":\"42\"},\"messaging_type\":\"UPDATE\",\"message\":{\"text\":\"Hi\",\"metadata\":\"msg-1\"}}";
        HttpResponse<String> response = sendMessage(TOKEN, Sha256.appSecretProof(TOKEN, APP_SECRET), body);

        assertEquals(200, response.statusCode());
        JsonNode answer = Json.parse(response.body());
        assertEquals("42", answer.path("recipient_id").asText());
        assertTrue(answer.path("message_id").asText().startsWith("m_"));

        JsonNode records = listed();
        assertEquals(1, records.size());
        JsonNode record = records.get(0);
        assertEquals("/v25.0/1234567890/messages", record.path("path").asText());
        assertEquals("v25.0", record.path("graph_version").asText());
        assertEquals(PAGE, record.path("page_id").asText());
        assertTrue(record.path("authorization_present").asBoolean());
        assertTrue(record.path("appsecret_proof_valid").asBoolean());
        assertEquals(Sha256.appSecretProof(TOKEN, APP_SECRET), record.path("query").path("appsecret_proof").asText());
        assertEquals(Json.parse(body), record.path("body"));
        assertEquals(200, record.path("status").asInt());
        assertFalse(record.toString().contains(TOKEN), "the token is never recorded");

        String console = consoleBytes.toString(StandardCharsets.UTF_8);
        assertTrue(console.contains("page 1234567890 -> psid 42: text \"Hi\" [UPDATE]"), console);
        assertFalse(console.contains(TOKEN), "the token is never printed");

        http.send(HttpRequest.newBuilder(URI.create(sandbox.baseUri() + "/__sandbox/messages")).DELETE().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(0, listed().size());
    }

    @Test
    void echoesCarryFacebooksSkewedClockAndReceiptsFollowWithItsWatermarks() throws Exception {
        List<JsonNode> posted = new CopyOnWriteArrayList<>();
        HttpServer webhook = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        webhook.createContext("/webhook", exchange -> {
            byte[] raw = exchange.getRequestBody().readAllBytes();
            assertTrue(new WebhookSignatureVerifier().verify(raw,
                    exchange.getRequestHeaders().getFirst("x-hub-signature-256"), APP_SECRET));
            posted.add(Json.parse(raw).orElseThrow());
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        webhook.start();
        try {
            sandbox.echoTo(URI.create("http://127.0.0.1:" + webhook.getAddress().getPort() + "/webhook"));
            HttpResponse<String> configured = http.send(HttpRequest.newBuilder(URI.create(sandbox.baseUri()
                    + "/__sandbox/receipts")).POST(HttpRequest.BodyPublishers.ofString(
                    "{\"mode\":\"read\",\"delay_ms\":100,\"clock_skew_ms\":-90000}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, configured.statusCode(), configured.body());

            long before = System.currentTimeMillis();
            String body = "{\"recipient\":{\"id\":\"42\"},\"message\":{\"text\":\"Hi\",\"metadata\":\"msg-1\"}}";
            String mid = Json.parse(sendMessage(TOKEN, null, body).body()).path("message_id").asText();
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (posted.size() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(3, posted.size(), "echo, delivery, read: " + posted);

            JsonNode echo = posted.get(0).at("/entry/0/messaging/0");
            long stamp = echo.path("timestamp").asLong();
            assertTrue(echo.path("message").path("is_echo").asBoolean());
            assertTrue(Math.abs(stamp - (before - 90_000)) < 2_000, "Facebook's clock, 90 s behind: " + stamp);
            JsonNode delivery = posted.get(1).at("/entry/0/messaging/0");
            assertEquals("42", delivery.at("/sender/id").asText());
            assertEquals(mid, delivery.at("/delivery/mids/0").asText());
            assertEquals(stamp, delivery.at("/delivery/watermark").asLong(), "the last message's own timestamp");
            JsonNode read = posted.get(2).at("/entry/0/messaging/0");
            assertEquals(stamp, read.at("/read/watermark").asLong());
            assertTrue(read.path("timestamp").asLong() > stamp);
        } finally {
            webhook.stop(0);
        }
    }

    @Test
    void refusesWhatGraphWouldRefuse() throws Exception {
        String body = "{\"recipient\":{\"id\":\"42\"},\"message\":{\"text\":\"Hi\"}}";
        HttpResponse<String> noToken = sendMessage(null, null, body);
        assertEquals(400, noToken.statusCode());
        assertEquals(104, Json.parse(noToken.body()).path("error").path("code").asInt());

        HttpResponse<String> wrongToken = sendMessage("not-the-page-token", null, body);
        assertEquals(190, Json.parse(wrongToken.body()).path("error").path("code").asInt());

        HttpResponse<String> wrongProof = sendMessage(TOKEN, "00ff", body);
        assertEquals(100, Json.parse(wrongProof.body()).path("error").path("code").asInt());

        HttpResponse<String> noRecipient = sendMessage(TOKEN, null, "{\"message\":{\"text\":\"Hi\"}}");
        assertEquals(400, noRecipient.statusCode());
        assertEquals(4, listed().size(), "refused requests are recorded too");
    }

    @Test
    void injectedFaultsAnswerTheNextSends() throws Exception {
        http.send(HttpRequest.newBuilder(URI.create(sandbox.baseUri() + "/__sandbox/faults"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"status\":500,\"count\":1,\"error\":{\"message\":\"Temporary\",\"type\":\"OAuthException\",\"code\":2,\"is_transient\":true}}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        String body = "{\"recipient\":{\"id\":\"42\"},\"message\":{\"text\":\"Hi\"}}";
        HttpResponse<String> failed = sendMessage(TOKEN, null, body);
        assertEquals(500, failed.statusCode());
        assertEquals(2, Json.parse(failed.body()).path("error").path("code").asInt());
        assertEquals(200, sendMessage(TOKEN, null, body).statusCode());
    }

    private JsonNode faults(String method, String json) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(sandbox.baseUri() + "/__sandbox/faults"))
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return Json.parse(response.body());
    }

    private static String to(String psid) {
        return "{\"recipient\":{\"id\":\"" + psid + "\"},\"message\":{\"text\":\"Hi\"}}";
    }

    @Test
    void faultsForOneRecipientLeaveOthersAloneAndSayHowManyRemain() throws Exception {
        JsonNode queued = faults("POST", "{\"psid\":\"42\",\"count\":3,\"status\":500}");
        assertEquals(3, queued.path("queued_faults").asInt(), queued.toString());
        assertEquals(3, queued.path("pending_faults").asInt(), queued.toString());

        assertEquals(200, sendMessage(TOKEN, null, to("43")).statusCode(), "another recipient is not faulted");
        assertEquals(500, sendMessage(TOKEN, null, to("42")).statusCode());

        JsonNode listed = faults("GET", null);
        assertEquals(2, listed.path("pending_faults").asInt(), listed.toString());
        assertEquals("42", listed.path("faults").get(0).path("psid").asText(), listed.toString());
        assertEquals(2, listed.path("faults").get(0).path("remaining").asInt(), listed.toString());
        assertEquals(500, listed.path("faults").get(0).path("status").asInt(), listed.toString());
    }

    @Test
    void faultsLeftOverAreListedAndClearedSoTheNextSendIsTaken() throws Exception {
        faults("POST", "{\"count\":10,\"status\":503}");
        faults("POST", "{\"psid\":\"42\",\"lose_reply\":true}");
        for (int i = 0; i < 5; i++) {
            assertEquals(503, sendMessage(TOKEN, null, to("44")).statusCode());
        }
        JsonNode listed = faults("GET", null);
        assertEquals(6, listed.path("pending_faults").asInt(), listed.toString());
        assertEquals(2, listed.path("faults").size(), listed.toString());
        assertTrue(listed.path("faults").get(1).path("lose_reply").asBoolean(), listed.toString());

        JsonNode cleared = faults("DELETE", null);
        assertEquals(6, cleared.path("cleared_faults").asInt(), cleared.toString());
        assertEquals(0, cleared.path("pending_faults").asInt(), cleared.toString());
        assertEquals(0, faults("GET", null).path("faults").size());
        assertEquals(200, sendMessage(TOKEN, null, to("45")).statusCode(), "an unrelated send is taken");
    }

    @Test
    void clearingTheMessagesClearsThePendingFaultsToo() throws Exception {
        faults("POST", "{\"count\":2}");
        HttpResponse<String> cleared = http.send(HttpRequest.newBuilder(URI.create(sandbox.baseUri() + "/__sandbox/messages"))
                .DELETE().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(2, Json.parse(cleared.body()).path("cleared_faults").asInt(), cleared.body());
        assertEquals(0, sandbox.pendingFaults());
        assertEquals(200, sendMessage(TOKEN, null, to("42")).statusCode());
    }

    @Test
    void aFaultRequestThatMakesNoSenseIsRefused() throws Exception {
        for (String bad : List.of("{\"count\":0}", "{\"count\":\"ten\"}", "{\"psid\":42}", "{\"psid\":\"me\"}",
                "{\"status\":200}")) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(sandbox.baseUri() + "/__sandbox/faults"))
                    .POST(HttpRequest.BodyPublishers.ofString(bad)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(400, response.statusCode(), bad);
        }
        assertEquals(0, sandbox.pendingFaults());
    }

    private HttpResponse<String> rate(String json) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(sandbox.baseUri() + "/__sandbox/rate"));
        return http.send(json == null ? request.GET().build() : request.POST(HttpRequest.BodyPublishers.ofString(json))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aPageAboveItsRateIsAnswered613WithTheUsageHeaderAndThoseCallsAreNeitherTakenNorEchoed() throws Exception {
        List<JsonNode> echoes = new CopyOnWriteArrayList<>();
        HttpServer webhook = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        webhook.createContext("/webhook", exchange -> {
            echoes.add(Json.parse(exchange.getRequestBody().readAllBytes()).orElseThrow());
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        webhook.start();
        try {
            sandbox.echoTo(URI.create("http://127.0.0.1:" + webhook.getAddress().getPort() + "/webhook"));
            assertEquals(GraphApiSandbox.FACEBOOK_RATE_PER_PAGE, Json.parse(rate(null).body())
                    .path("default_per_second").asDouble(), "Facebook's rate unless told otherwise");
            HttpResponse<String> set = rate("{\"page_id\":\"" + PAGE + "\",\"per_second\":5}");
            assertEquals(200, set.statusCode(), set.body());
            assertEquals(5, Json.parse(set.body()).path("pages").path(PAGE).asDouble());

            int taken = 0;
            HttpResponse<String> refused = null;
            long started = System.nanoTime();
            for (int i = 0; i < 12; i++) {
                HttpResponse<String> response = sendMessage(TOKEN, null,
                        "{\"recipient\":{\"id\":\"42\"},\"message\":{\"text\":\"Hi " + i + "\",\"metadata\":\"msg-" + i + "\"}}");
                if (response.statusCode() == 200) {
                    taken++;
                } else {
                    refused = response;
                }
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            assertTrue(taken >= 5 && taken <= 5 + Math.ceil(seconds * 5), "one second's worth at once, then 5/s: "
                    + taken + " in " + seconds + " s");
            assertEquals(400, refused.statusCode());
            JsonNode error = Json.parse(refused.body()).path("error");
            assertEquals(613, error.path("code").asInt());
            assertEquals("(#613) Calls to this api have exceeded the rate limit.", error.path("message").asText());
            assertEquals("OAuthException", error.path("type").asText());
            assertFalse(error.path("fbtrace_id").asText().isEmpty());
            JsonNode usage = Json.parse(refused.headers().firstValue("X-Business-Use-Case-Usage").orElseThrow());
            assertEquals(0, usage.path(PAGE).path(0).path("estimated_time_to_regain_access").asInt());
            assertEquals(12 - taken, Json.parse(rate(null).body()).path("throttled_calls").asInt());

            Thread.sleep(500);
            assertEquals(taken, echoes.size(), "only the calls taken are echoed");
            assertEquals(taken, listedWithStatus(200));
            String console = consoleBytes.toString(StandardCharsets.UTF_8);
            assertTrue(console.contains("refused 400 (#613) Calls to this api have exceeded the rate limit. "
                    + "(page rate 5 calls/s)"), console);

            Thread.sleep(1100);
            assertEquals(200, sendMessage(TOKEN, null, "{\"recipient\":{\"id\":\"42\"},\"message\":{\"text\":\"later\"}}")
                    .statusCode(), "the bucket refills at the page's rate");
            assertEquals(200, sendMessage(TOKEN, null, "{\"recipient\":{\"id\":\"42\"},\"message\":{\"text\":\"x\"}}").statusCode());
            assertEquals(400, rate("{\"page_id\":\"abc\",\"per_second\":5}").statusCode());
            assertEquals(400, rate("{\"per_second\":-1}").statusCode());
            assertEquals(200, rate("{\"page_id\":\"" + PAGE + "\",\"per_second\":0}").statusCode());
            for (int i = 0; i < 20; i++) {
                assertEquals(200, sendMessage(TOKEN, null, "{\"recipient\":{\"id\":\"42\"},\"message\":{\"text\":\"x\"}}")
                        .statusCode(), "0 is unlimited");
            }
        } finally {
            webhook.stop(0);
        }
    }

    private int listedWithStatus(int status) throws Exception {
        int count = 0;
        for (JsonNode record : listed()) {
            count += record.path("status").asInt() == status ? 1 : 0;
        }
        return count;
    }

    @Test
    void describesTemplates() {
        JsonNode body = Json.parse("{\"recipient\":{\"id\":\"7\"},\"messaging_type\":\"MESSAGE_TAG\",\"tag\":\"HUMAN_AGENT\","
                + "\"message\":{\"attachment\":{\"type\":\"template\",\"payload\":{\"template_type\":\"generic\","
                + "\"elements\":[{\"title\":\"a\"},{\"title\":\"b\"}]}},\"quick_replies\":[{}]}}");
        assertEquals("page 1 -> psid 7: generic template (2 elements), 1 quick replies [MESSAGE_TAG HUMAN_AGENT] -> m_x",
                GraphApiSandbox.describe("1", body, 200, Json.parse("{\"message_id\":\"m_x\"}")));
        assertEquals("page 1 -> psid 7: refused 400 (#100) No matching user found",
                GraphApiSandbox.describe("1", body, 400, Json.parse("{\"error\":{\"code\":100,\"message\":\"(#100) No matching user found\"}}")));
    }
}
