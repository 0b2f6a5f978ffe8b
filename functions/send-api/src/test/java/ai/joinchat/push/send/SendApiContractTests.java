package ai.joinchat.push.send;

import ai.joinchat.push.json.Json;
import ai.joinchat.push.local.aws.junit.LocalAws;
import ai.joinchat.push.message.MessageJson;
import ai.joinchat.push.queue.QueuedMessage;
import ai.joinchat.push.signature.SignatureVerifier;
import ai.joinchat.push.store.DynamoContactBindings;
import ai.joinchat.push.testing.ApiGatewayEvents;
import ai.joinchat.push.testing.StreamHandlers;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.model.Message;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Contract section 3 and 4, row by row, through the real {@link SendApiHandler} entry point with
 * API Gateway v2 event JSON, real SDK clients and the local (or LocalStack) backends; queued
 * messages are read back from SQS.
 */
abstract class SendApiContractTests {

    static final String SECRET = "it-api-secret";
    static final String OLD_SECRET = "it-previous-secret";

    LocalAws aws;
    String pageId;
    SendApiHandler handler;

    @BeforeEach
    void setUp(LocalAws aws) {
        this.aws = aws;
        this.pageId = Long.toString(Math.abs(UUID.randomUUID().getMostSignificantBits() % 1_000_000_000_000L));
        aws.putPageSecret(pageId, SECRET, "it-page-token", OLD_SECRET);
        handler = handlerWith(Map.of());
    }

    SendApiHandler handlerWith(Map<String, String> overrides) {
        Map<String, String> env = new HashMap<>(aws.functionEnvironment("SendApiFunction"));
        env.putAll(overrides);
        return new SendApiHandler(SendApiComponents.create(env, Clock.systemUTC()));
    }

    // ---- 202 and what reaches SQS ------------------------------------------------------------

    @Test
    void acceptedTextMessageIsQueuedWithItsMessageIdAndDelay() throws Exception {
        String body = "{\"page_id\":" + pageId + ",\"recipient\":{\"id\":\"24681357\"},"
                + "\"message\":{\"template_type\":\"text\",\"text\":\"Hello World\"},\"delay\":2}";
        JsonNode response = send(body, Map.of("x-joinchat-signature", sign(body, SECRET)));
        assertEquals(202, response.path("statusCode").asInt(), response.toString());
        assertEquals("application/json", response.path("headers").path("content-type").asText());
        JsonNode answer = ApiGatewayEvents.body(response);
        String messageId = answer.path("message_id").asText();
        assertEquals("queued", answer.path("status").asText());
        assertTrue(answer.path("warnings").isArray());

        assertTrue(findQueued(messageId, 1).isEmpty(), "a delay of 2 s keeps the message invisible at first");
        Message message = findQueued(messageId, 8).orElseThrow(() -> new AssertionError("message never queued"));
        QueuedMessage queued = QueuedMessage.fromJson(message.body());
        assertEquals(pageId, queued.pageId());
        assertEquals("id", queued.recipient().type().wireName());
        assertEquals("24681357", queued.recipient().value());
        assertEquals("Hello World", MessageJson.write(queued.message()).path("text").asText());
        assertEquals("UPDATE", queued.messagingType());
        assertEquals(messageId, message.messageAttributes().get("message_id").stringValue());
    }

    @Test
    void messageIdsAreUniqueAndTheRecordStartsQueued() throws Exception {
        String body = textBody("one");
        String first = ApiGatewayEvents.body(send(body, signed(body))).path("message_id").asText();
        String second = ApiGatewayEvents.body(send(body, signed(body))).path("message_id").asText();
        assertNotEquals(first, second);

        String statusBody = "{\"page_id\":\"" + pageId + "\",\"message_id\":\"" + first + "\"}";
        JsonNode status = call("POST", "/api/message_status", statusBody, signed(statusBody), false);
        assertEquals(200, status.path("statusCode").asInt(), status.toString());
        JsonNode record = ApiGatewayEvents.body(status);
        assertEquals(first, record.path("message_id").asText());
        assertEquals("queued", record.path("status").asText());
        assertEquals(0, record.path("attempts").asInt());
        assertEquals("24681357", record.path("recipient").path("id").asText());
        assertTrue(record.has("created_at") && record.has("updated_at"));
    }

    @Test
    void bothHeaderSpellingsAnyCaseAreAccepted() throws Exception {
        String body = textBody("spelling");
        assertEquals(202, send(body, Map.of("x_joinchat_signature", sign(body, SECRET))).path("statusCode").asInt());
        assertEquals(202, send(body, Map.of("X-JoinChat-Signature", sign(body, SECRET))).path("statusCode").asInt());
    }

    @Test
    void urlSafeUnpaddedSignaturesAndThePreviousSecretAreAccepted() throws Exception {
        String body = textBody("rotation");
        byte[] mac = Base64.getDecoder().decode(sign(body, SECRET));
        String urlSafe = Base64.getUrlEncoder().withoutPadding().encodeToString(mac);
        assertEquals(202, send(body, Map.of("x-joinchat-signature", urlSafe)).path("statusCode").asInt());
        assertEquals(202, send(body, Map.of("x-joinchat-signature", sign(body, OLD_SECRET))).path("statusCode").asInt());
    }

    @Test
    void base64DeliveredBodiesAreVerifiedOverTheDecodedBytes() throws Exception {
        String body = textBody("b64");
        JsonNode response = call("POST", "/api/send_message", body, signed(body), true);
        assertEquals(202, response.path("statusCode").asInt(), response.toString());
    }

    @Test
    void phpEscapedJsonIsSignedOverTheRawBytes() throws Exception {
        String body = "{\"page_id\":" + pageId + ",\"recipient\":{\"id\":\"123456\"},\"message\":"
                + "{\"template_type\":\"text\",\"text\":\"\\u4f60\\u597d \\/ Hello\"},\"tag\":\"ACCOUNT_UPDATE\",\"delay\":0}";
        JsonNode response = send(body, signed(body));
        assertEquals(202, response.path("statusCode").asInt(), response.toString());
        String messageId = ApiGatewayEvents.body(response).path("message_id").asText();
        QueuedMessage queued = QueuedMessage.fromJson(findQueued(messageId, 5).orElseThrow().body());
        assertEquals("\u4f60\u597d / Hello", MessageJson.write(queued.message()).path("text").asText());

        String reserialised = Json.write(Json.parse(body));
        assertNotEquals(body, reserialised);
        JsonNode mismatch = send(reserialised, signed(body));
        assertEquals(401, mismatch.path("statusCode").asInt(), "the signature covers the bytes, not the JSON value");
    }

    @Test
    void rawUtf8BodiesAreAccepted() throws Exception {
        String body = textBody("\u4f60\u597d\uff0c\u4e16\u754c \ud83d\udc4b");
        assertEquals(202, send(body, signed(body)).path("statusCode").asInt());
    }

    // ---- tag policy and warnings -------------------------------------------------------------

    @Test
    void legacyTagIsDroppedWithAWarningByDefault() throws Exception {
        String body = "{\"page_id\":\"" + pageId + "\",\"recipient\":{\"id\":\"1\"},\"message\":"
                + "{\"template_type\":\"text\",\"text\":\"x\"},\"tag\":\"ACCOUNT_UPDATE\"}";
        JsonNode response = send(body, signed(body));
        assertEquals(202, response.path("statusCode").asInt());
        JsonNode warnings = ApiGatewayEvents.body(response).path("warnings");
        assertEquals(1, warnings.size());
        assertTrue(warnings.get(0).asText().contains("ACCOUNT_UPDATE"));
        QueuedMessage queued = QueuedMessage.fromJson(
                findQueued(ApiGatewayEvents.body(response).path("message_id").asText(), 5).orElseThrow().body());
        assertEquals("UPDATE", queued.messagingType());
        assertEquals(null, queued.tag());
    }

    @Test
    void humanAgentIsSentAsMessageTag() throws Exception {
        String body = "{\"page_id\":\"" + pageId + "\",\"recipient\":{\"id\":\"1\"},\"message\":"
                + "{\"template_type\":\"text\",\"text\":\"x\"},\"tag\":\"HUMAN_AGENT\"}";
        JsonNode response = send(body, signed(body));
        QueuedMessage queued = QueuedMessage.fromJson(
                findQueued(ApiGatewayEvents.body(response).path("message_id").asText(), 5).orElseThrow().body());
        assertEquals("MESSAGE_TAG", queued.messagingType());
        assertEquals("HUMAN_AGENT", queued.tag());
    }

    @Test
    void rejectPolicyAnswers400ForLegacyTags() throws Exception {
        SendApiHandler strict = handlerWith(Map.of("LEGACY_TAG_POLICY", "reject"));
        String body = "{\"page_id\":\"" + pageId + "\",\"recipient\":{\"id\":\"1\"},\"message\":"
                + "{\"template_type\":\"text\",\"text\":\"x\"},\"tag\":\"SHIPPING_UPDATE\"}";
        JsonNode response = signedSend(strict, body);
        assertEquals(400, response.path("statusCode").asInt());
        assertEquals("tag", ApiGatewayEvents.body(response).path("error").path("details").get(0).path("field").asText());
    }

    @Test
    void listTemplateIsAcceptedWithAWarning() throws Exception {
        String body = "{\"page_id\":\"" + pageId + "\",\"recipient\":{\"uuid\":\"u-1\"},\"message\":{\"template_type\":\"list\","
                + "\"elements\":[{\"title\":\"A\",\"subtitle\":\"a\"},{\"title\":\"B\",\"image_url\":\"https://example.com/b.png\"}]}}";
        JsonNode response = send(body, signed(body));
        assertEquals(202, response.path("statusCode").asInt(), response.toString());
        assertTrue(ApiGatewayEvents.body(response).path("warnings").toString().contains("generic"));
    }

    // ---- errors ------------------------------------------------------------------------------

    @Test
    void missingSignatureIs401MissingSignature() throws Exception {
        JsonNode response = send(textBody("x"), Map.of());
        assertError(response, 401, "missing_signature");
    }

    @Test
    void wrongSignatureAndUnknownPageAreIndistinguishable() throws Exception {
        String body = textBody("x");
        JsonNode wrong = send(body, Map.of("x-joinchat-signature", sign(body, "not-the-secret")));
        String unknownPageBody = body.replace(pageId, "999999999999999");
        JsonNode unknown = send(unknownPageBody, Map.of("x-joinchat-signature", sign(unknownPageBody, SECRET)));
        assertError(wrong, 401, "invalid_signature");
        assertError(unknown, 401, "invalid_signature");
        assertEquals(wrong.path("body").asText(), unknown.path("body").asText());
    }

    @Test
    void bodiesThatAreNotAJsonObjectAre400InvalidJson() throws Exception {
        for (String body : List.of("not json", "[1,2,3]", "\"text\"", "{\"page_id\": 1,")) {
            assertError(send(body, Map.of("x-joinchat-signature", sign(body, SECRET))), 400, "invalid_json");
        }
    }

    @Test
    void everyValidationProblemIsReportedWithItsPath() throws Exception {
        String body = "{\"page_id\":\"" + pageId + "\",\"recipient\":{\"id\":\"1\",\"email\":\"a@b.co\"},"
                + "\"message\":{\"template_type\":\"button\",\"text\":\"\",\"buttons\":[{\"type\":\"web_url\","
                + "\"url\":\"ftp://x\",\"title\":\"This title is far too long\"}]},\"delay\":11}";
        JsonNode response = send(body, signed(body));
        assertError(response, 400, "invalid_request");
        Set<String> fields = new java.util.TreeSet<>();
        ApiGatewayEvents.body(response).path("error").path("details").forEach(d -> fields.add(d.path("field").asText()));
        assertTrue(fields.containsAll(Set.of("recipient", "message.text", "message.buttons[0].url",
                "message.buttons[0].title", "delay")), fields.toString());
    }

    @Test
    void invalidPageIdIs400() throws Exception {
        String body = "{\"page_id\":\"abc\",\"recipient\":{\"id\":\"1\"},\"message\":{\"template_type\":\"text\",\"text\":\"x\"}}";
        JsonNode response = send(body, signed(body));
        assertError(response, 400, "invalid_request");
        assertEquals("page_id", ApiGatewayEvents.body(response).path("error").path("details").get(0).path("field").asText());
    }

    @Test
    void otherRoutesAndMethodsAnswerJson404And405() throws Exception {
        assertError(call("GET", "/nope", null, Map.of(), false), 404, "not_found");
        assertError(call("POST", "/api/other", "{}", Map.of(), false), 404, "not_found");
        JsonNode wrongMethod = call("GET", "/api/send_message", null, Map.of(), false);
        assertError(wrongMethod, 405, "method_not_allowed");
        assertEquals("POST", wrongMethod.path("headers").path("allow").asText());
        assertError(call("PUT", "/api/message_status", "{}", Map.of(), false), 405, "method_not_allowed");
    }

    @Test
    void bodiesOver64KiBAre413() throws Exception {
        String body = textBody("x".repeat(70_000));
        assertError(send(body, signed(body)), 413, "payload_too_large");
    }

    @Test
    void signedBodiesOfAnySizeUpToLambdasLimitAre413NeverA5xx() throws Exception {
        for (int size : new int[] {1_200_000, 4_000_000}) {
            String body = textBody("x".repeat(size));
            assertError(send(body, signed(body)), 413, "payload_too_large");
            assertError(call("POST", "/api/send_message", body, signed(body), true), 413, "payload_too_large");
        }
    }

    @Test
    void idempotencyKeyAnswersTheFirstMessageIdAndQueuesOnce() throws Exception {
        String body = textBody("idempotent");
        Map<String, String> headers = new HashMap<>(signed(body));
        headers.put("Idempotency-Key", "order-" + UUID.randomUUID());
        JsonNode first = send(body, headers);
        JsonNode again = send(body, headers);
        assertEquals(202, first.path("statusCode").asInt());
        assertEquals(202, again.path("statusCode").asInt());
        String messageId = ApiGatewayEvents.body(first).path("message_id").asText();
        assertEquals(messageId, ApiGatewayEvents.body(again).path("message_id").asText());

        String other = textBody("a different body");
        Map<String, String> conflicting = new HashMap<>(signed(other));
        conflicting.put("idempotency-key", headers.get("Idempotency-Key"));
        assertError(send(other, conflicting), 409, "idempotency_conflict");

        List<Message> all = new ArrayList<>();
        long deadline = System.currentTimeMillis() + 4000;
        while (System.currentTimeMillis() < deadline) {
            all.addAll(aws.receiveAll("MessageQueue", 50));
        }
        long copies = all.stream().filter(m -> m.body().contains(messageId)).count();
        assertEquals(1, copies, "the repeat enqueued nothing new");
    }

    // ---- timestamped signatures and replays -------------------------------------------------

    @Test
    void timestampedRequestIsAccepted() throws Exception {
        String body = textBody("timestamped");
        JsonNode response = send(body, timestamped(body, SECRET, now()));
        assertEquals(202, response.path("statusCode").asInt(), response.toString());
        String messageId = ApiGatewayEvents.body(response).path("message_id").asText();
        assertTrue(findQueued(messageId, 5).isPresent());
    }

    @Test
    void replayInsideTheWindowAnswersTheSameMessageIdAndQueuesNothing() throws Exception {
        String body = textBody("replayed " + UUID.randomUUID());
        long ts = now();
        Map<String, String> headers = timestamped(body, SECRET, ts);
        JsonNode first = send(body, headers);
        assertEquals(202, first.path("statusCode").asInt(), first.toString());
        String messageId = ApiGatewayEvents.body(first).path("message_id").asText();

        JsonNode replay = send(body, headers);
        assertEquals(202, replay.path("statusCode").asInt(), replay.toString());
        assertEquals(messageId, ApiGatewayEvents.body(replay).path("message_id").asText());
        String urlSafe = Base64.getUrlEncoder().withoutPadding()
                .encodeToString(Base64.getDecoder().decode(headers.get("x-joinchat-signature")));
        JsonNode respelled = send(body, Map.of("x-joinchat-timestamp", Long.toString(ts), "x_joinchat_signature", urlSafe));
        assertEquals(messageId, ApiGatewayEvents.body(respelled).path("message_id").asText(),
                "another Base64 spelling of the same signature is the same request");

        List<Message> all = new ArrayList<>();
        long deadline = System.currentTimeMillis() + 4000;
        while (System.currentTimeMillis() < deadline) {
            all.addAll(aws.receiveAll("MessageQueue", 50));
        }
        assertEquals(1, all.stream().filter(m -> m.body().contains(messageId)).count(), "the replays enqueued nothing");
        assertEquals(0, all.stream().filter(m -> m.body().contains("replayed") && !m.body().contains(messageId)).count());

        JsonNode later = send(body, timestamped(body, SECRET, ts + 1));
        assertEquals(202, later.path("statusCode").asInt());
        assertNotEquals(messageId, ApiGatewayEvents.body(later).path("message_id").asText(),
                "a newly signed request (new timestamp) is a new message");
    }

    @Test
    void fifteenMinuteOldTimestampIs401() throws Exception {
        String body = textBody("stale");
        assertError(send(body, timestamped(body, SECRET, now() - 900)), 401, "invalid_signature");
        assertError(send(body, timestamped(body, SECRET, now() + 900)), 401, "invalid_signature");
    }

    @Test
    void timestampHeaderWithABodyOnlySignatureIs401() throws Exception {
        String body = textBody("body only");
        assertError(send(body, Map.of("x-joinchat-timestamp", Long.toString(now()),
                "x-joinchat-signature", sign(body, SECRET))), 401, "invalid_signature");
        assertError(send(body, Map.of("x-joinchat-timestamp", "soon",
                "x-joinchat-signature", sign(body, SECRET))), 401, "invalid_signature");
    }

    @Test
    void requireTimestampRefusesTheClassicForm() throws Exception {
        String strictPage = pageId + "7";
        String prefix = aws.functionEnvironment("SendApiFunction").get("PAGE_SECRET_PREFIX");
        String secretString = "{\"api_secret\":\"" + SECRET + "\",\"page_access_token\":\"t\",\"require_timestamp\":true}";
        aws.secretsManager().createSecret(b -> b.name(prefix + strictPage).secretString(secretString));
        String body = textBody("strict").replace(pageId, strictPage);
        assertError(send(body, signed(body)), 401, "invalid_signature");
        assertEquals(202, send(body, timestamped(body, SECRET, now())).path("statusCode").asInt());
    }

    @Test
    void previousSecretWorksWithBothForms() throws Exception {
        String body = textBody("previous");
        assertEquals(202, send(body, Map.of("x-joinchat-signature", sign(body, OLD_SECRET))).path("statusCode").asInt());
        assertEquals(202, send(body, timestamped(body, OLD_SECRET, now())).path("statusCode").asInt());
        assertError(send(body, timestamped(body, "neither-secret", now())), 401, "invalid_signature");
    }

    @Test
    void sqsFailureIs503WithRetryAfterAndNothingAccepted() throws Exception {
        SendApiHandler broken = handlerWith(Map.of("QUEUE_URL", aws.queueUrl("MessageQueue") + "-missing"));
        String body = textBody("no queue");
        JsonNode response = signedSend(broken, body);
        assertError(response, 503, "unavailable");
        assertFalse(response.path("headers").path("retry-after").asText().isEmpty());
        assertFalse(response.path("body").asText().contains("Exception"), "no stack trace or class names");
    }

    @Test
    void dynamoFailureIs503() throws Exception {
        SendApiHandler broken = handlerWith(Map.of("MESSAGES_TABLE", "no-such-table"));
        String body = textBody("no table");
        JsonNode response = signedSend(broken, body);
        assertError(response, 503, "unavailable");
    }

    @Test
    void aKeyedRequestWhoseKeyWriteIsRefusedIs503AndLeavesNothing() throws Exception {
        SendApiHandler broken = handlerWith(Map.of("IDEMPOTENCY_TABLE", "no-such-table"));
        String body = textBody("no key table");
        Map<String, String> headers = new HashMap<>(signed(body));
        headers.put("Idempotency-Key", "refused-" + UUID.randomUUID());
        JsonNode response = StreamHandlers.invoke(broken, ApiGatewayEvents.post("/api/send_message", body, headers, false));
        assertError(response, 503, "unavailable");
        assertTrue(aws.receiveAll("MessageQueue", 10).stream().noneMatch(m -> m.body().contains("no key table")),
                "the keys come first: a refused key write enqueues nothing");
    }

    @Test
    void secretsManagerFailureIs503AndSecretsAreCached() throws Exception {
        assumeTrue(aws.secretsManagerControls().isPresent(), "needs the in-JVM Secrets Manager's failure switch");
        var controls = aws.secretsManagerControls().get();
        String body = textBody("cache");
        controls.resetRequestCounts();
        assertEquals(202, send(body, signed(body)).path("statusCode").asInt());
        assertEquals(202, send(body, signed(body)).path("statusCode").asInt());
        assertEquals(1, controls.requestCount("GetSecretValue"), "the page secret is fetched once per container");

        SendApiHandler fresh = handlerWith(Map.of());
        controls.failRequests(true);
        try {
            JsonNode response = signedSend(fresh, body);
            assertError(response, 503, "unavailable");
        } finally {
            controls.failRequests(false);
        }
    }

    @Test
    void statusOfAnotherPagesMessageIsNotFound() throws Exception {
        String body = textBody("mine");
        String messageId = ApiGatewayEvents.body(send(body, signed(body))).path("message_id").asText();
        String otherPage = pageId + "1";
        aws.putPageSecret(otherPage, SECRET, "t", null);
        String statusBody = "{\"page_id\":\"" + otherPage + "\",\"message_id\":\"" + messageId + "\"}";
        assertError(call("POST", "/api/message_status", statusBody, signed(statusBody), false), 404, "message_not_found");
        String unknown = "{\"page_id\":\"" + pageId + "\",\"message_id\":\"nope\"}";
        assertError(call("POST", "/api/message_status", unknown, signed(unknown), false), 404, "message_not_found");
        assertError(call("POST", "/api/message_status", unknown, Map.of(), false), 401, "missing_signature");
    }

    // ---- trailing commas (section 3) ----------------------------------------------------------

    @Test
    void theSeedsExampleWithTrailingCommasIsAccepted() throws Exception {
        String body = """
                {
                    "page_id":%s,
                    "recipient":{
                        "id":"123456"
                    },
                    "message":{
                		"template_type":"generic",
                        "elements":[
                           {
                            "title":"Welcome!",
                            "image_url":"https://petersfancybrownhats.com/company_image.png",
                            "subtitle":"We have the right hat for everyone.",
                            "default_action": {
                              "type": "web_url",
                              "url": "https://petersfancybrownhats.com/view?item=103",
                              "webview_height_ratio": "tall",
                            },
                            "buttons":[
                              {
                                "type":"web_url",
                                "url":"https://petersfancybrownhats.com",
                                "title":"View Website"
                              },{
                                "type":"postback",
                                "title":"Start Chatting",
                                "payload":"DEVELOPER_DEFINED_PAYLOAD"
                              }
                            ]
                          }
                        ]
                    },
                	"tag":"ACCOUNT_UPDATE",
                	"delay": 3,
                }
                """.formatted(pageId);
        JsonNode response = send(body, signed(body));
        assertEquals(202, response.path("statusCode").asInt(), response.toString());
    }

    @Test
    void jsonWithCommentsOrSingleQuotesIsStillInvalidJson() throws Exception {
        for (String body : List.of(
                "{\"page_id\":\"" + pageId + "\", // comment\n\"recipient\":{\"id\":\"1\"}}",
                "{'page_id':'" + pageId + "'}",
                "{\"page_id\":\"" + pageId + "\",\"delay\":01}",
                "{\"page_id\":\"" + pageId + "\",\"delay\":NaN}")) {
            assertError(send(body, signed(body)), 400, "invalid_json");
        }
    }

    @Test
    void aRepeatedKeyIsInvalidJsonOnEveryRouteAndWritesNothing() throws Exception {
        // Signed bytes that mean one thing to a first-value parser and another to a last-value one.
        String send = "{\"page_id\":\"" + pageId + "\",\"recipient\":{\"id\":\"24681357\"},"
                + "\"message\":{\"template_type\":\"text\",\"text\":\"dup shown\",\"text\":\"dup sent\"},}";
        assertError(send(send, signed(send)), 400, "invalid_json");
        String status = "{\"page_id\":\"" + pageId + "\",\"message_id\":\"a\",\"message_id\":\"b\"}";
        assertError(call("POST", "/api/message_status", status, signed(status), false), 400, "invalid_json");
        String bindings = "{\"page_id\":\"" + pageId + "\",\"bindings\":[{\"psid\":\"1\",\"psid\":\"2\","
                + "\"uuid\":\"dup-key\"}]}";
        assertError(call("POST", "/api/bindings", bindings, signed(bindings), false), 400, "invalid_json");
        String pages = "{\"page_id\":\"" + pageId + "\",\"page_id\":\"" + pageId + "\","
                + "\"recipient\":{\"id\":\"24681357\"},\"message\":{\"template_type\":\"text\",\"text\":\"dup page\"}}";
        assertError(send(pages, signed(pages)), 400, "invalid_json");

        assertTrue(aws.receiveAll("MessageQueue", 10).stream().noneMatch(m -> m.body().contains("dup ")),
                "nothing was queued");
        assertEquals(Optional.empty(), new DynamoContactBindings(aws.dynamoDb(), aws.tableName("ContactBindingsTable"),
                Clock.systemUTC()).psidFor(pageId, "uuid:dup-key"));
    }

    // ---- POST /api/bindings (section 4b) -------------------------------------------------------

    @Test
    void signedImportWritesNormalisedBindingsThatReplaceExistingOnes() throws Exception {
        DynamoContactBindings stored = new DynamoContactBindings(aws.dynamoDb(), aws.tableName("ContactBindingsTable"),
                Clock.systemUTC());
        assertTrue(stored.bind(pageId, "uuid:migrated-1", "999", System.currentTimeMillis() + 60_000, "referral",
                false, ai.joinchat.push.Deadline.none()));

        String body = "{\"page_id\":\"" + pageId + "\",\"bindings\":["
                + "{\"psid\":\"1001\",\"uuid\":\"migrated-1\"},"
                + "{\"psid\":\"1002\",\"phone\":\"+84 912-345-678\"},"
                + "{\"psid\":1003,\"email\":\"Buyer@Example.com\"}]}";
        JsonNode response = call("POST", "/api/bindings", body, signed(body), false);
        assertEquals(200, response.path("statusCode").asInt(), response.toString());
        assertEquals("application/json", response.path("headers").path("content-type").asText());
        JsonNode answer = ApiGatewayEvents.body(response);
        assertEquals(3, answer.path("imported").asInt(), answer.toString());
        assertEquals(0, answer.path("rejected").size());

        assertEquals(Optional.of("1001"), stored.psidFor(pageId, "uuid:migrated-1"), "the owner's import replaces a newer binding");
        assertEquals(Optional.of("1002"), stored.psidFor(pageId, "phone:+84912345678"));
        assertEquals(Optional.of("1003"), stored.psidFor(pageId, "email:buyer@example.com"));
    }

    @Test
    void unsignedOrWronglySignedImportsAre401AndWriteNothing() throws Exception {
        String body = "{\"page_id\":\"" + pageId + "\",\"bindings\":[{\"psid\":\"1\",\"uuid\":\"unsigned-1\"}]}";
        assertError(call("POST", "/api/bindings", body, Map.of(), false), 401, "missing_signature");
        assertError(call("POST", "/api/bindings", body, Map.of("x-joinchat-signature", sign(body, "wrong")), false),
                401, "invalid_signature");
        assertEquals(Optional.empty(), new DynamoContactBindings(aws.dynamoDb(), aws.tableName("ContactBindingsTable"),
                Clock.systemUTC()).psidFor(pageId, "uuid:unsigned-1"));
        assertError(call("GET", "/api/bindings", null, Map.of(), false), 405, "method_not_allowed");
    }

    @Test
    void invalidBindingsAreRejectedByIndexWhileValidOnesImport() throws Exception {
        String body = "{\"page_id\":\"" + pageId + "\",\"bindings\":["
                + "{\"psid\":\"2001\",\"uuid\":\"fine\"},"
                + "{\"psid\":\"2002\",\"phone\":\"123\"},"
                + "{\"psid\":\"x\",\"uuid\":\"bad-psid\"},"
                + "{\"psid\":\"2004\",\"uuid\":\"a\",\"email\":\"a@b.co\"},"
                + "{\"psid\":\"2005\",\"email\":\"also@fine.org\"},]}";
        JsonNode response = call("POST", "/api/bindings", body, signed(body), false);
        assertEquals(200, response.path("statusCode").asInt(), response.toString());
        JsonNode answer = ApiGatewayEvents.body(response);
        assertEquals(2, answer.path("imported").asInt(), answer.toString());
        List<Integer> indexes = new ArrayList<>();
        answer.path("rejected").forEach(r -> {
            indexes.add(r.path("index").asInt());
            assertTrue(r.path("reason").isTextual() && !r.path("reason").asText().isBlank(), r.toString());
        });
        assertEquals(List.of(1, 2, 3), indexes);
        DynamoContactBindings stored = new DynamoContactBindings(aws.dynamoDb(), aws.tableName("ContactBindingsTable"),
                Clock.systemUTC());
        assertEquals(Optional.of("2001"), stored.psidFor(pageId, "uuid:fine"));
        assertEquals(Optional.of("2005"), stored.psidFor(pageId, "email:also@fine.org"));
        assertEquals(Optional.empty(), stored.psidFor(pageId, "uuid:bad-psid"));
    }

    @Test
    void moreThanAHundredBindingsIs400AndImportsNothing() throws Exception {
        StringBuilder body = new StringBuilder("{\"page_id\":\"" + pageId + "\",\"bindings\":[");
        for (int i = 0; i < 101; i++) {
            body.append(i == 0 ? "" : ",").append("{\"psid\":\"").append(3000 + i).append("\",\"uuid\":\"bulk-").append(i).append("\"}");
        }
        String tooMany = body.append("]}").toString();
        JsonNode response = call("POST", "/api/bindings", tooMany, signed(tooMany), false);
        assertError(response, 400, "invalid_request");
        assertEquals("bindings", ApiGatewayEvents.body(response).path("error").path("details").path(0).path("field").asText());
        assertEquals(Optional.empty(), new DynamoContactBindings(aws.dynamoDb(), aws.tableName("ContactBindingsTable"),
                Clock.systemUTC()).psidFor(pageId, "uuid:bulk-0"));

        String hundred = tooMany.replaceFirst(",\\{\"psid\":\"3100\",\"uuid\":\"bulk-100\"\\}", "");
        JsonNode accepted = call("POST", "/api/bindings", hundred, signed(hundred), false);
        assertEquals(200, accepted.path("statusCode").asInt(), accepted.toString());
        assertEquals(100, ApiGatewayEvents.body(accepted).path("imported").asInt(), "100 bindings: four BatchWriteItem calls");
        assertEquals(Optional.of("3099"), new DynamoContactBindings(aws.dynamoDb(), aws.tableName("ContactBindingsTable"),
                Clock.systemUTC()).psidFor(pageId, "uuid:bulk-99"));
    }

    @Test
    void aReplayedTimestampedImportAnswersTheFirstResponseAndNeverOverwritesANewerBinding() throws Exception {
        String contact = "replayed-" + UUID.randomUUID();
        String body = "{\"page_id\":\"" + pageId + "\",\"bindings\":[{\"psid\":\"5001\",\"uuid\":\"" + contact + "\"},"
                + "{\"psid\":\"x\",\"uuid\":\"rejected-one\"}]}";
        Map<String, String> headers = timestamped(body, SECRET, now());
        JsonNode first = call("POST", "/api/bindings", body, headers, false);
        assertEquals(200, first.path("statusCode").asInt(), first.toString());
        assertEquals(1, ApiGatewayEvents.body(first).path("imported").asInt());

        // The user later binds the contact to another PSID through the webhook (a signed ref).
        DynamoContactBindings stored = new DynamoContactBindings(aws.dynamoDb(), aws.tableName("ContactBindingsTable"),
                Clock.systemUTC());
        assertTrue(stored.bind(pageId, "uuid:" + contact, "6002", System.currentTimeMillis() + 1000, "referral",
                false, ai.joinchat.push.Deadline.none()));

        JsonNode replay = call("POST", "/api/bindings", body, headers, false);
        assertEquals(200, replay.path("statusCode").asInt(), replay.toString());
        assertEquals(ApiGatewayEvents.body(first), ApiGatewayEvents.body(replay), "the first request's answer");
        assertEquals(Optional.of("6002"), stored.psidFor(pageId, "uuid:" + contact), "the replay wrote nothing");

        JsonNode resigned = call("POST", "/api/bindings", body, timestamped(body, SECRET, now() + 1), false);
        assertEquals(200, resigned.path("statusCode").asInt(), resigned.toString());
        assertEquals(Optional.of("5001"), stored.psidFor(pageId, "uuid:" + contact),
                "a newly signed import (new timestamp) is the owner's new word");
    }

    @Test
    void anImportThatCannotFinishBeforeTheInvocationsDeadlineIs503AndWritesNothing() throws Exception {
        String body = "{\"page_id\":\"" + pageId + "\",\"bindings\":[{\"psid\":\"7001\",\"uuid\":\"late-import\"}]}";
        call("POST", "/api/message_status", "{\"page_id\":\"" + pageId + "\",\"message_id\":\"warm\"}",
                signed("{\"page_id\":\"" + pageId + "\",\"message_id\":\"warm\"}"), false); // caches the secret
        JsonNode response = StreamHandlers.invoke(handler, ApiGatewayEvents.request("POST", "/api/bindings", "", signed(body),
                body.getBytes(StandardCharsets.UTF_8), false), new ai.joinchat.push.testing.FakeLambdaContext(0));
        assertError(response, 503, "unavailable");
        assertFalse(response.path("headers").path("retry-after").asText().isEmpty());
        assertEquals(Optional.empty(), new DynamoContactBindings(aws.dynamoDb(), aws.tableName("ContactBindingsTable"),
                Clock.systemUTC()).psidFor(pageId, "uuid:late-import"));
    }

    // ---- plumbing ----------------------------------------------------------------------------

    String textBody(String text) {
        return "{\"page_id\":\"" + pageId + "\",\"recipient\":{\"id\":\"24681357\"},\"message\":{\"template_type\":\"text\",\"text\":"
                + Json.MAPPER.valueToTree(text) + "}}";
    }

    static String sign(String body, String secret) {
        return new SignatureVerifier().sign(body.getBytes(StandardCharsets.UTF_8), secret);
    }

    static long now() {
        return System.currentTimeMillis() / 1000;
    }

    /** The timestamped form: x-joinchat-timestamp and the signature over "<timestamp>." + body. */
    static Map<String, String> timestamped(String body, String secret, long unixSeconds) {
        return Map.of("x-joinchat-timestamp", Long.toString(unixSeconds), "x-joinchat-signature",
                new SignatureVerifier().signTimestamped(body.getBytes(StandardCharsets.UTF_8), unixSeconds, secret));
    }

    static Map<String, String> signed(String body) {
        return Map.of("x-joinchat-signature", sign(body, SECRET));
    }

    JsonNode send(String body, Map<String, String> headers) throws IOException {
        return call("POST", "/api/send_message", body, headers, false);
    }

    /** The body, signed with the page's secret, sent to another handler than this test's. */
    static JsonNode signedSend(SendApiHandler target, String body) {
        return StreamHandlers.invoke(target, ApiGatewayEvents.post("/api/send_message", body, signed(body), false));
    }

    JsonNode call(String method, String path, String body, Map<String, String> headers, boolean base64) throws IOException {
        return StreamHandlers.invoke(handler, ApiGatewayEvents.request(method, path, "", headers,
                body == null ? null : body.getBytes(StandardCharsets.UTF_8), base64));
    }

    static void assertError(JsonNode response, int status, String code) {
        assertEquals(status, response.path("statusCode").asInt(), response.toString());
        JsonNode body = ApiGatewayEvents.body(response);
        assertEquals(code, body.path("error").path("code").asText(), body.toString());
        assertTrue(body.path("error").path("message").isTextual());
        assertTrue(body.path("error").path("details").isArray());
    }

    /** Polls the queue for one message id, up to the given seconds. */
    Optional<Message> findQueued(String messageId, int seconds) {
        long deadline = System.currentTimeMillis() + seconds * 1000L;
        do {
            for (Message m : aws.receiveAll("MessageQueue", 10)) {
                if (m.body().contains("\"" + messageId + "\"")) {
                    return Optional.of(m);
                }
            }
        } while (System.currentTimeMillis() < deadline);
        return Optional.empty();
    }
}
