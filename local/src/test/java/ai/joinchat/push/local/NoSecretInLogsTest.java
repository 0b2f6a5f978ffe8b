package ai.joinchat.push.local;

import ai.joinchat.push.json.Json;
import ai.joinchat.push.local.aws.junit.LocalAws;
import ai.joinchat.push.local.aws.junit.LocalAwsExtension;
import ai.joinchat.push.send.SendApiComponents;
import ai.joinchat.push.send.SendApiHandler;
import ai.joinchat.push.signature.SignatureVerifier;
import ai.joinchat.push.signature.WebhookSignatureVerifier;
import ai.joinchat.push.testing.ApiGatewayEvents;
import ai.joinchat.push.testing.SqsEvents;
import ai.joinchat.push.testing.StreamHandlers;
import ai.joinchat.push.webhook.WebhookComponents;
import ai.joinchat.push.webhook.WebhookHandler;
import ai.joinchat.push.worker.DeliveryPolicy;
import ai.joinchat.push.worker.WorkerComponents;
import ai.joinchat.push.worker.WorkerHandler;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.sqs.model.Message;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Invariant 4: no secret, token or signature in any log line. Runs representative send, worker
 * and webhook flows (successes, refusals, a Graph token error, dependency failures) through the
 * real handlers on the local backends with standard output and error captured (JsonLogger and
 * Metrics write there), then searches every captured line for each fixture secret and every
 * signature that was sent.
 */
@ExtendWith(LocalAwsExtension.class)
class NoSecretInLogsTest {

    private static final String PAGE_ID = "7770001" + (System.nanoTime() % 100_000);
    private static final String PSID = "24681357";
    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private final String apiSecret = "log-api-secret-" + suffix;
    private final String previousSecret = "log-previous-secret-" + suffix;
    private final String pageToken = "log-page-token-" + suffix;
    private final String appSecret = "log-app-secret-" + suffix;
    private final String verifyToken = "log-verify-token-" + suffix;
    /** Every secret value and every signature or proof that went over the wire. */
    private final Set<String> forbidden = new java.util.HashSet<>();

    @Test
    void noSecretTokenOrSignatureAppearsInAnyLogLine(LocalAws aws) throws Exception {
        aws.putPageSecret(PAGE_ID, apiSecret, pageToken, previousSecret);
        aws.putAppSecret(appSecret, verifyToken);
        forbidden.addAll(List.of(apiSecret, previousSecret, pageToken, appSecret, verifyToken,
                ai.joinchat.push.signature.Sha256.appSecretProof(pageToken, appSecret)));

        ByteArrayOutputStream sandboxConsole = new ByteArrayOutputStream();
        PrintStream originalOut = System.out;
        PrintStream originalErr = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream capture = new PrintStream(captured, true, StandardCharsets.UTF_8);
        try (GraphApiSandbox graph = GraphApiSandbox.start(0,
                new Console(new PrintStream(sandboxConsole, true, StandardCharsets.UTF_8), true),
                Map.of(PAGE_ID, pageToken), appSecret)) {
            System.setOut(capture);
            System.setErr(capture);
            // Built after the redirection: loggers keep the stream they were built with.
            SendApiHandler send = new SendApiHandler(
                    SendApiComponents.create(aws.functionEnvironment("SendApiFunction"), Clock.systemUTC()));
            Map<String, String> workerEnv = new HashMap<>(aws.functionEnvironment("WorkerFunction"));
            workerEnv.put("GRAPH_API_BASE_URL", graph.baseUri().toString());
            workerEnv.put("LOG_LEVEL", "DEBUG");
            WorkerHandler worker = new WorkerHandler(WorkerComponents.create(workerEnv, Clock.systemUTC(),
                    Duration.ofSeconds(5), DeliveryPolicy.DEFAULT_CLAIM_LEASE));
            Map<String, String> webhookEnv = new HashMap<>(aws.functionEnvironment("WebhookFunction"));
            webhookEnv.put("LOG_LEVEL", "DEBUG");
            WebhookHandler webhook = new WebhookHandler(WebhookComponents.create(webhookEnv, Clock.systemUTC(),
                    List.of()));

            List<String> messageIds = sendFlow(aws, send);
            graph.failNextSends(1, 400, Json.parse("{\"message\":\"Error validating access token: Session has expired\","
                    + "\"type\":\"OAuthException\",\"code\":190}"));
            workerFlow(aws, worker);
            webhookFlow(webhook, messageIds.get(0));
        } finally {
            System.setOut(originalOut);
            System.setErr(originalErr);
        }

        String output = captured.toString(StandardCharsets.UTF_8);
        List<String> lines = output.lines().filter(l -> !l.isBlank()).toList();
        for (String component : List.of("send-api", "worker", "webhook")) {
            assertTrue(output.contains("\"" + component + "\""), "the flows logged something from " + component);
        }
        assertTrue(lines.size() > 20, "the flows logged: " + lines.size() + " lines");
        for (String line : lines) {
            for (String secret : forbidden) {
                assertTrue(!line.contains(secret), "a log line contains a secret or signature: " + line);
            }
        }
        originalOut.println("no-secret-in-logs: " + lines.size() + " captured lines, " + forbidden.size()
                + " secrets and signatures searched");
    }

    private List<String> sendFlow(LocalAws aws, SendApiHandler send) throws IOException {
        List<String> ids = new ArrayList<>();
        String body = "{\"page_id\":\"" + PAGE_ID + "\",\"recipient\":{\"id\":\"" + PSID + "\"},"
                + "\"message\":{\"template_type\":\"text\",\"text\":\"log flow\"}}";
        JsonNode classic = invoke(send, "POST", "/api/send_message", "", signedClassic(body, apiSecret), body);
        assertEquals(202, classic.path("statusCode").asInt(), classic.toString());
        ids.add(Json.parse(classic.path("body").asText()).path("message_id").asText());

        long now = System.currentTimeMillis() / 1000;
        String signature = new SignatureVerifier().signTimestamped(bytes(body), now, previousSecret);
        forbidden.add(signature);
        Map<String, String> timestamped = Map.of("x-joinchat-timestamp", Long.toString(now), "x-joinchat-signature", signature);
        assertEquals(202, invoke(send, "POST", "/api/send_message", "", timestamped, body).path("statusCode").asInt());
        assertEquals(202, invoke(send, "POST", "/api/send_message", "", timestamped, body).path("statusCode").asInt(), "replay");

        Map<String, String> keyed = new HashMap<>(signedClassic(body, apiSecret));
        keyed.put("Idempotency-Key", "log-key-" + suffix);
        assertEquals(202, invoke(send, "POST", "/api/send_message", "", keyed, body).path("statusCode").asInt());

        assertEquals(401, invoke(send, "POST", "/api/send_message", "", signedClassic(body, "wrong-" + apiSecret), body)
                .path("statusCode").asInt());
        String unknown = body.replace(PAGE_ID, "999" + PAGE_ID);
        assertEquals(401, invoke(send, "POST", "/api/send_message", "", signedClassic(unknown, apiSecret), unknown)
                .path("statusCode").asInt());
        String invalid = body.replace("\"text\":\"log flow\"", "\"text\":\"\"");
        assertEquals(400, invoke(send, "POST", "/api/send_message", "", signedClassic(invalid, apiSecret), invalid)
                .path("statusCode").asInt());
        String status = "{\"page_id\":\"" + PAGE_ID + "\",\"message_id\":\"" + ids.get(0) + "\"}";
        assertEquals(200, invoke(send, "POST", "/api/message_status", "", signedClassic(status, apiSecret), status)
                .path("statusCode").asInt());

        Map<String, String> brokenEnv = new HashMap<>(aws.functionEnvironment("SendApiFunction"));
        brokenEnv.put("QUEUE_URL", aws.queueUrl("MessageQueue") + "-missing");
        SendApiHandler broken = new SendApiHandler(SendApiComponents.create(brokenEnv, Clock.systemUTC()));
        assertEquals(503, invoke(broken, "POST", "/api/send_message", "", signedClassic(body, apiSecret), body)
                .path("statusCode").asInt());
        return ids;
    }

    private void workerFlow(LocalAws aws, WorkerHandler worker) throws IOException {
        List<Message> queued = new ArrayList<>();
        long deadline = System.currentTimeMillis() + 5000;
        while (queued.size() < 3 && System.currentTimeMillis() < deadline) {
            queued.addAll(aws.receiveAll("MessageQueue", 10).stream().filter(m -> m.body().contains(PAGE_ID)).toList());
        }
        assertTrue(queued.size() >= 2, "messages to deliver: " + queued.size());
        JsonNode event = SqsEvents.event(queued.stream()
                .map(message -> SqsEvents.record(message.messageId(), message.receiptHandle(), message.body(), 1))
                .toList());
        assertTrue(StreamHandlers.invoke(worker, event).has("batchItemFailures"));
    }

    private void webhookFlow(WebhookHandler webhook, String messageId) throws IOException {
        assertEquals(200, invoke(webhook, "GET", "/webhook",
                "hub.mode=subscribe&hub.verify_token=" + verifyToken + "&hub.challenge=42", Map.of(), null)
                .path("statusCode").asInt());
        assertEquals(403, invoke(webhook, "GET", "/webhook",
                "hub.mode=subscribe&hub.verify_token=" + verifyToken + "x&hub.challenge=42", Map.of(), null)
                .path("statusCode").asInt());
        long at = System.currentTimeMillis();
        String hook = "{\"object\":\"page\",\"entry\":[{\"id\":\"" + PAGE_ID + "\",\"time\":" + at + ",\"messaging\":["
                + "{\"sender\":{\"id\":\"" + PSID + "\"},\"recipient\":{\"id\":\"" + PAGE_ID + "\"},\"timestamp\":" + at
                + ",\"referral\":{\"ref\":\"uuid=log-user-" + suffix + "\",\"source\":\"SHORTLINK\",\"type\":\"OPEN_THREAD\"}},"
                + "{\"sender\":{\"id\":\"" + PAGE_ID + "\"},\"recipient\":{\"id\":\"" + PSID + "\"},\"timestamp\":" + at
                + ",\"message\":{\"is_echo\":true,\"app_id\":1,\"metadata\":\"" + messageId + "\",\"mid\":\"m_log_" + suffix
                + "\",\"text\":\"log flow\"}}]}]}";
        String signature = new WebhookSignatureVerifier().sign(bytes(hook), appSecret);
        forbidden.add(signature);
        forbidden.add(signature.substring("sha256=".length()));
        assertEquals(200, invoke(webhook, "POST", "/webhook", "", Map.of("x-hub-signature-256", signature), hook)
                .path("statusCode").asInt());
        assertEquals(401, invoke(webhook, "POST", "/webhook", "",
                Map.of("x-hub-signature-256", new WebhookSignatureVerifier().sign(bytes(hook), "not-" + appSecret)), hook)
                .path("statusCode").asInt());
    }

    private Map<String, String> signedClassic(String body, String secret) {
        String signature = new SignatureVerifier().sign(bytes(body), secret);
        forbidden.add(signature);
        forbidden.add(Base64.getUrlEncoder().withoutPadding().encodeToString(Base64.getDecoder().decode(signature)));
        return Map.of("x-joinchat-signature", signature);
    }

    private static JsonNode invoke(com.amazonaws.services.lambda.runtime.RequestStreamHandler handler, String method,
                                   String path, String query, Map<String, String> headers, String body) {
        return StreamHandlers.invoke(handler,
                ApiGatewayEvents.request(method, path, query, headers, body == null ? null : bytes(body), false));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
