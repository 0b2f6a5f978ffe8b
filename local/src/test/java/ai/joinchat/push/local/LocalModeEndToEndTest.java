package ai.joinchat.push.local;

import ai.joinchat.push.json.Json;
import ai.joinchat.push.local.aws.AwsBackends;
import ai.joinchat.push.signature.SignatureVerifier;
import ai.joinchat.push.signature.WebhookSignatureVerifier;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Local mode in this JVM (free ports) with the real function jars, each in its own JVM, driven over
 * HTTP as a developer's backend and Facebook would. Skipped when the function jars are not built
 * (mvn -B verify builds them before this module's tests).
 */
class LocalModeEndToEndTest {

    /** Generous limits for a busy 2-core machine; every wait polls and returns as soon as it can. */
    private static final Duration DELIVERY_LIMIT = Duration.ofSeconds(60);
    private static final Duration HTTP_LIMIT = Duration.ofSeconds(60);
    private static final List<String> FUNCTION_JARS = List.of(
            "functions/send-api/target/send-api.jar",
            "functions/worker/target/worker.jar",
            "functions/webhook/target/webhook.jar");
    private static final AtomicLong NEXT_PSID = new AtomicLong(System.currentTimeMillis() % 1_000_000 * 1_000_000L);

    private static LocalMode localMode;
    private static HttpClient http;
    private static DemoCredentials credentials;

    /** Why the tests are skipped, or null when the function jars are there. */
    private static String skipReason;

    @BeforeAll
    static void startLocalMode() {
        Path root = LocalMode.findRepositoryRoot();
        List<String> missing = FUNCTION_JARS.stream().filter(jar -> !Files.isRegularFile(root.resolve(jar))).toList();
        if (!missing.isEmpty()) {
            skipReason = "local mode end-to-end test skipped: function jars not built (" + String.join(", ", missing)
                    + "); mvn -B verify from the repository root builds them first";
            System.err.println(skipReason);
            return;
        }
        credentials = DemoCredentials.demo();
        localMode = LocalMode.start(new LocalMode.Options(root, 0, false, null, credentials, System.out,
                AwsBackends::awsEnvironment));
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }

    @BeforeEach
    void skipWithoutFunctionJars() {
        Assumptions.assumeTrue(skipReason == null, skipReason);
    }

    @AfterAll
    static void stopLocalMode() {
        if (localMode != null) {
            localMode.close();
        }
    }

    private static String newPsid() {
        return Long.toString(2_000_000_000_000_000L + NEXT_PSID.incrementAndGet());
    }

    private static HttpResponse<String> post(String path, String body, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(localMode.apiUri() + path))
                .timeout(HTTP_LIMIT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        for (int i = 0; i + 1 < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> signedPost(String path, String body) throws Exception {
        return post(path, body, "x-joinchat-signature",
                new SignatureVerifier().sign(body.getBytes(StandardCharsets.UTF_8), credentials.apiSecret()));
    }

    /** Sends and returns the accepted message id. */
    private static String send(String body) throws Exception {
        HttpResponse<String> response = signedPost("/api/send_message", body);
        assertEquals(202, response.statusCode(), response.body());
        JsonNode answer = Json.parse(response.body());
        assertEquals("queued", answer.path("status").asText(), response.body());
        String messageId = answer.path("message_id").asText();
        assertFalse(messageId.isEmpty(), response.body());
        return messageId;
    }

    private static String sendBody(String recipient, String message, String extra) {
        return "{\"page_id\":\"" + credentials.pageId() + "\",\"recipient\":" + recipient + ",\"message\":" + message
                + (extra.isEmpty() ? "" : "," + extra) + "}";
    }

    /** The Graph sandbox's first successful send matching {@code which}, waiting up to the delivery limit. */
    private static JsonNode awaitDelivery(String description, Predicate<JsonNode> which) {
        GraphApiSandbox sandbox = localMode.graphSandbox().orElseThrow();
        return poll(description, () -> sandbox.recordedMessages().stream()
                .filter(record -> record.path("status").asInt() == 200)
                .filter(which)
                .findFirst());
    }

    private static <T> T poll(String description, Supplier<Optional<T>> probe) {
        long deadline = System.nanoTime() + DELIVERY_LIMIT.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<T> found = probe.get();
            if (found.isPresent()) {
                return found.get();
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return fail("waited " + DELIVERY_LIMIT.toSeconds() + " s for " + description + "; sandbox has "
                + localMode.graphSandbox().map(GraphApiSandbox::recordedMessages).orElse(List.of()));
    }

    private static Predicate<JsonNode> toPsid(String psid) {
        return record -> psid.equals(record.path("body").path("recipient").path("id").asText());
    }

    @Test
    void aTextMessageReachesTheSendApiWithTheRightBody() throws Exception {
        String psid = newPsid();
        String messageId = send(sendBody("{\"id\":\"" + psid + "\"}",
                "{\"template_type\":\"text\",\"text\":\"Hello from the end-to-end test\"}", ""));

        JsonNode record = awaitDelivery("the text message to " + psid, toPsid(psid));
        assertEquals("/v25.0/" + credentials.pageId() + "/messages", record.path("path").asText());
        assertTrue(record.path("authorization_present").asBoolean(), record.toString());
        assertTrue(record.path("appsecret_proof_valid").asBoolean(), "appsecret_proof sent and valid: " + record);
        JsonNode body = record.path("body");
        assertEquals(psid, body.path("recipient").path("id").asText());
        assertEquals("UPDATE", body.path("messaging_type").asText());
        assertFalse(body.has("tag"), body.toString());
        assertEquals("Hello from the end-to-end test", body.path("message").path("text").asText());
        assertEquals(messageId, body.path("message").path("metadata").asText(), "metadata carries the message id");
    }

    @Test
    void aDelayedMessageArrivesAfterItsDelayAndNotBefore() throws Exception {
        String psid = newPsid();
        Instant sentAt = Instant.now();
        send(sendBody("{\"id\":\"" + psid + "\"}", "{\"template_type\":\"text\",\"text\":\"Two seconds later\"}",
                "\"delay\":2"));

        JsonNode record = awaitDelivery("the delayed message to " + psid, toPsid(psid));
        Duration waited = Duration.between(sentAt, Instant.parse(record.path("received_at").asText()));
        assertTrue(waited.toMillis() >= 1_900, "delivered " + waited.toMillis() + " ms after sending, before its 2 s delay");
        assertTrue(waited.compareTo(DELIVERY_LIMIT) < 0, "delivered after " + waited);
    }

    @Test
    void aGenericTemplateBecomesATemplateAttachment() throws Exception {
        String psid = newPsid();
        send(sendBody("{\"id\":\"" + psid + "\"}", """
                {"template_type":"generic","elements":[{"title":"Welcome!",
                 "subtitle":"We have the right hat for everyone.",
                 "image_url":"https://example.com/hat.png",
                 "buttons":[{"type":"web_url","url":"https://example.com","title":"View Website"},
                            {"type":"postback","title":"Start Chatting","payload":"START"}]}]}""", ""));

        JsonNode record = awaitDelivery("the generic template to " + psid, toPsid(psid));
        JsonNode attachment = record.path("body").path("message").path("attachment");
        assertEquals("template", attachment.path("type").asText(), record.toString());
        JsonNode payload = attachment.path("payload");
        assertEquals("generic", payload.path("template_type").asText());
        assertEquals("Welcome!", payload.path("elements").get(0).path("title").asText());
        assertEquals("We have the right hat for everyone.", payload.path("elements").get(0).path("subtitle").asText());
        assertEquals(2, payload.path("elements").get(0).path("buttons").size());
        assertEquals("postback", payload.path("elements").get(0).path("buttons").get(1).path("type").asText());
    }

    @Test
    void aWebhookReferralBindsTheUuidToThePsid() throws Exception {
        String psid = newPsid();
        String uuid = "demo-user-42";
        long now = System.currentTimeMillis();
        String event = "{\"object\":\"page\",\"entry\":[{\"id\":\"" + credentials.pageId() + "\",\"time\":" + now
                + ",\"messaging\":[{\"sender\":{\"id\":\"" + psid + "\"},\"recipient\":{\"id\":\""
                + credentials.pageId() + "\"},\"timestamp\":" + now + ",\"referral\":{\"ref\":\"uuid=" + uuid
                + "\",\"source\":\"SHORTLINK\",\"type\":\"OPEN_THREAD\"}}]}]}";

        HttpResponse<String> unsigned = post("/webhook", event);
        assertEquals(401, unsigned.statusCode(), unsigned.body());

        HttpResponse<String> accepted = post("/webhook", event, "X-Hub-Signature-256",
                new WebhookSignatureVerifier().sign(event.getBytes(StandardCharsets.UTF_8), credentials.appSecret()));
        assertEquals(200, accepted.statusCode(), accepted.body());
        assertEquals("EVENT_RECEIVED", accepted.body());

        send(sendBody("{\"uuid\":\"" + uuid + "\"}", "{\"template_type\":\"text\",\"text\":\"Found you by uuid\"}", ""));
        JsonNode record = awaitDelivery("the message to uuid " + uuid, r ->
                "Found you by uuid".equals(r.path("body").path("message").path("text").asText()));
        assertEquals(psid, record.path("body").path("recipient").path("id").asText(), "sent to the bound PSID");
    }

    @Test
    void theWebhookVerificationAnswersTheChallenge() throws Exception {
        String query = "hub.mode=subscribe&hub.verify_token="
                + URLEncoder.encode(credentials.verifyToken(), StandardCharsets.UTF_8) + "&hub.challenge=1158201444";
        HttpResponse<String> verified = http.send(HttpRequest.newBuilder(URI.create(localMode.apiUri() + "/webhook?" + query))
                .timeout(HTTP_LIMIT).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, verified.statusCode(), verified.body());
        assertEquals("1158201444", verified.body());

        HttpResponse<String> refused = http.send(HttpRequest.newBuilder(URI.create(localMode.apiUri()
                        + "/webhook?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1"))
                .timeout(HTTP_LIMIT).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(403, refused.statusCode());
    }

    @Test
    void messageStatusAnswersSentWithFacebooksMessageId() throws Exception {
        String psid = newPsid();
        String messageId = send(sendBody("{\"id\":\"" + psid + "\"}", "{\"template_type\":\"text\",\"text\":\"Status?\"}", ""));
        JsonNode delivered = awaitDelivery("the message to " + psid, toPsid(psid));
        String facebookMessageId = delivered.path("response").path("message_id").asText();

        String statusBody = "{\"page_id\":\"" + credentials.pageId() + "\",\"message_id\":\"" + messageId + "\"}";
        List<String> seen = new ArrayList<>();
        JsonNode status = poll("message_status sent for " + messageId, () -> {
            try {
                HttpResponse<String> response = signedPost("/api/message_status", statusBody);
                seen.add(response.statusCode() + " " + response.body());
                JsonNode answer = Json.parse(response.body());
                return response.statusCode() == 200 && "sent".equals(answer.path("status").asText())
                        ? Optional.of(answer) : Optional.empty();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertEquals(messageId, status.path("message_id").asText());
        assertEquals(facebookMessageId, status.path("facebook_message_id").asText(), String.valueOf(seen));
        assertTrue(status.path("attempts").asInt() >= 1, status.toString());
    }

    /** The delivery record as {@code POST /api/message_status} reports it, once {@code accept} likes it. */
    private static JsonNode awaitStatus(String messageId, Predicate<JsonNode> accept) {
        String statusBody = "{\"page_id\":\"" + credentials.pageId() + "\",\"message_id\":\"" + messageId + "\"}";
        return poll("the status of " + messageId, () -> {
            try {
                HttpResponse<String> response = signedPost("/api/message_status", statusBody);
                JsonNode answer = Json.parse(response.body());
                return response.statusCode() == 200 && accept.test(answer) ? Optional.of(answer) : Optional.empty();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void aReadReceiptPostedByTheSandboxMovesTheMessageToRead() throws Exception {
        GraphApiSandbox sandbox = localMode.graphSandbox().orElseThrow();
        // Facebook's clock 90 s behind ours: only its own timestamps can be compared with its watermarks.
        sandbox.facebookClockSkew(Duration.ofSeconds(-90));
        sandbox.postReceipts(GraphApiSandbox.Receipts.READ, Duration.ofMillis(300));
        try {
            String psid = newPsid();
            String messageId = send(sendBody("{\"id\":\"" + psid + "\"}",
                    "{\"template_type\":\"text\",\"text\":\"Seen?\"}", ""));
            JsonNode status = awaitStatus(messageId, answer -> "read".equals(answer.path("status").asText()));
            assertTrue(status.path("echoed").asBoolean(), status.toString());
        } finally {
            sandbox.postReceipts(GraphApiSandbox.Receipts.OFF, Duration.ofSeconds(1));
            sandbox.facebookClockSkew(Duration.ZERO);
        }
    }

    @Test
    void aPageThrottledByTheSandboxGetsEachOfA30MessageBurstSentExactlyOnceNoneFailed() throws Exception {
        GraphApiSandbox sandbox = localMode.graphSandbox().orElseThrow();
        sandbox.limitRate(credentials.pageId(), 5);
        try {
            long throttledBefore = sandbox.throttledCalls();
            Map<String, String> psidByMessage = new java.util.LinkedHashMap<>();
            for (int i = 0; i < 30; i++) {
                String psid = newPsid();
                psidByMessage.put(send(sendBody("{\"id\":\"" + psid + "\"}",
                        "{\"template_type\":\"text\",\"text\":\"Burst " + i + "\"}", "")), psid);
            }
            for (Map.Entry<String, String> message : psidByMessage.entrySet()) {
                JsonNode status = awaitStatus(message.getKey(), answer -> !"queued".equals(answer.path("status").asText())
                        && !"sending".equals(answer.path("status").asText()));
                assertEquals("sent", status.path("status").asText(), status.toString());
            }
            assertTrue(sandbox.throttledCalls() > throttledBefore, "the sandbox throttled the page");
            for (String psid : psidByMessage.values()) {
                assertEquals(1, sandbox.recordedMessages().stream().filter(toPsid(psid))
                        .filter(record -> record.path("status").asInt() == 200).count(), "taken once: " + psid);
            }
        } finally {
            sandbox.limitRate(credentials.pageId(), GraphApiSandbox.FACEBOOK_RATE_PER_PAGE);
        }
    }

    @Test
    void aTransientGraphErrorIsRetriedThroughTheQueueAndThenSent() throws Exception {
        GraphApiSandbox sandbox = localMode.graphSandbox().orElseThrow();
        String psid = newPsid();
        sandbox.failNextSendsTo(psid, 1, 500, Json.parse("{\"message\":\"An unexpected error has occurred.\","
                + "\"type\":\"OAuthException\",\"code\":2,\"is_transient\":true}"));
        String messageId = send(sendBody("{\"id\":\"" + psid + "\"}",
                "{\"template_type\":\"text\",\"text\":\"Second time lucky\"}", ""));

        JsonNode status = awaitStatus(messageId, answer -> "sent".equals(answer.path("status").asText()));
        assertTrue(status.path("attempts").asInt() >= 2, "sent on a later attempt: " + status);
        List<Integer> answers = sandbox.recordedMessages().stream().filter(toPsid(psid))
                .map(record -> record.path("status").asInt()).toList();
        assertEquals(List.of(500, 200), answers, "one refused send, then one delivered");
    }

    @Test
    void aLostGraphReplyIsSettledByTheSandboxsEchoAndNeverSentAgain() throws Exception {
        GraphApiSandbox sandbox = localMode.graphSandbox().orElseThrow();
        String psid = newPsid();
        sandbox.loseNextRepliesTo(psid, 1);
        String messageId = send(sendBody("{\"id\":\"" + psid + "\"}",
                "{\"template_type\":\"text\",\"text\":\"Did it arrive?\"}", ""));

        // The echo first confirms the message, then records itself next to it: await both writes.
        JsonNode status = awaitStatus(messageId, answer -> "sent".equals(answer.path("status").asText())
                && answer.path("echoed").asBoolean());
        String mid = status.path("facebook_message_id").asText();
        Thread.sleep(3_000); // longer than local mode's redelivery backoff: a resend would show by now
        List<JsonNode> sends = sandbox.recordedMessages().stream().filter(toPsid(psid)).toList();
        assertEquals(1, sends.size(), "Facebook took it once and was never asked again: " + sends);
        assertEquals(mid, sends.get(0).path("response").path("message_id").asText());
        assertTrue(sends.get(0).path("reply_lost").asBoolean(), "the lost reply was this send's; it went to "
                + sandbox.recordedMessages().stream().filter(record -> record.path("reply_lost").asBoolean()).toList());
    }

    @Test
    void aPermanentGraphErrorFailsTheMessageWithoutRetrying() throws Exception {
        GraphApiSandbox sandbox = localMode.graphSandbox().orElseThrow();
        String psid = newPsid();
        sandbox.failNextSendsTo(psid, 1, 400, Json.parse("{\"message\":\"(#100) No matching user found\","
                + "\"type\":\"OAuthException\",\"code\":100,\"error_subcode\":2018001}"));
        String messageId = send(sendBody("{\"id\":\"" + psid + "\"}",
                "{\"template_type\":\"text\",\"text\":\"Nobody home\"}", ""));

        JsonNode status = awaitStatus(messageId, answer -> "failed".equals(answer.path("status").asText()));
        assertEquals("100", status.path("error").path("code").textValue(), status.toString());
        assertEquals(100, status.path("error").path("graph_code").intValue(), status.toString());
        assertFalse(status.path("error").path("retryable").asBoolean(), status.toString());
        assertEquals(1, sandbox.recordedMessages().stream().filter(toPsid(psid)).count(), "not retried");
    }

    private static JsonNode sandboxFaults(String method, String json) throws Exception {
        URI faults = URI.create(localMode.graphSandbox().orElseThrow().baseUri() + "/__sandbox/faults");
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(faults).timeout(HTTP_LIMIT)
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return Json.parse(response.body());
    }

    @Test
    void faultsQueuedBeyondWhatTheWorkerUsesAreListedAndClearedAndAnUnrelatedMessageIsDelivered() throws Exception {
        GraphApiSandbox sandbox = localMode.graphSandbox().orElseThrow();
        String psid = newPsid();
        JsonNode queued = sandboxFaults("POST", "{\"psid\":\"" + psid + "\",\"count\":10,\"status\":400,\"error\":"
                + "{\"message\":\"(#100) No matching user found\",\"type\":\"OAuthException\",\"code\":100}}");
        assertEquals(10, queued.path("pending_faults").asInt(), queued.toString());
        // Ten faults for a permanent error: the worker uses one and fails the message.
        String failed = send(sendBody("{\"id\":\"" + psid + "\"}", "{\"template_type\":\"text\",\"text\":\"Nobody\"}", ""));
        awaitStatus(failed, answer -> "failed".equals(answer.path("status").asText()));

        String other = newPsid();
        String delivered = send(sendBody("{\"id\":\"" + other + "\"}", "{\"template_type\":\"text\",\"text\":\"Unrelated\"}", ""));
        JsonNode status = awaitStatus(delivered, answer -> !"queued".equals(answer.path("status").asText())
                && !"sending".equals(answer.path("status").asText()));
        assertEquals("sent", status.path("status").asText(), "the leftover faults are not this recipient's: " + status);
        assertEquals(List.of(200), sandbox.recordedMessages().stream().filter(toPsid(other))
                .map(record -> record.path("status").asInt()).toList());

        JsonNode listed = sandboxFaults("GET", null);
        assertEquals(9, listed.path("pending_faults").asInt(), listed.toString());
        assertEquals(psid, listed.path("faults").get(0).path("psid").asText(), listed.toString());
        JsonNode cleared = sandboxFaults("DELETE", null);
        assertEquals(9, cleared.path("cleared_faults").asInt(), cleared.toString());
        assertEquals(0, sandboxFaults("GET", null).path("faults").size());

        String again = send(sendBody("{\"id\":\"" + psid + "\"}", "{\"template_type\":\"text\",\"text\":\"Now?\"}", ""));
        assertEquals("sent", awaitStatus(again, answer -> "sent".equals(answer.path("status").asText())
                || "failed".equals(answer.path("status").asText())).path("status").asText(), "no fault left for " + psid);
    }

    @Test
    void anUnknownRouteAnswersTheJsonNotFound() throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(localMode.apiUri() + "/api/nope"))
                .timeout(HTTP_LIMIT).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(404, response.statusCode(), response.body());
        assertTrue(response.headers().firstValue("content-type").orElse("").startsWith("application/json"));
        assertEquals("not_found", Json.parse(response.body()).path("error").path("code").asText(), response.body());
    }

    @Test
    void aBadSignatureIsRefusedAndNothingIsSent() throws Exception {
        String psid = newPsid();
        String body = sendBody("{\"id\":\"" + psid + "\"}", "{\"template_type\":\"text\",\"text\":\"forged\"}", "");
        HttpResponse<String> response = post("/api/send_message", body, "x-joinchat-signature",
                new SignatureVerifier().sign(body.getBytes(StandardCharsets.UTF_8), "not-the-secret"));
        assertEquals(401, response.statusCode(), response.body());
        assertEquals("invalid_signature", Json.parse(response.body()).path("error").path("code").asText());
    }
}
