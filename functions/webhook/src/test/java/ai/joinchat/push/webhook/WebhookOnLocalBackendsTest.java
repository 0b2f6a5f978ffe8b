package ai.joinchat.push.webhook;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.config.EnvVar;
import ai.joinchat.push.json.Json;
import ai.joinchat.push.local.aws.junit.LocalAws;
import ai.joinchat.push.local.aws.junit.LocalAwsExtension;
import ai.joinchat.push.request.Recipient;
import ai.joinchat.push.request.RecipientType;
import ai.joinchat.push.signature.WebhookSignatureVerifier;
import ai.joinchat.push.store.DynamoContactBindings;
import ai.joinchat.push.store.DynamoMessageRecords;
import ai.joinchat.push.store.DynamoQuickReplyOffers;
import ai.joinchat.push.store.Inputs;
import ai.joinchat.push.store.Lifecycle.Transition;
import ai.joinchat.push.store.MessageRecord;
import ai.joinchat.push.store.MessageRecords;
import ai.joinchat.push.store.MessageStatus;
import ai.joinchat.push.store.QuickReplyOffers;
import ai.joinchat.push.testing.ApiGatewayEvents;
import ai.joinchat.push.testing.StreamHandlers;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The webhook function end to end, through {@link WebhookHandler#handleRequest} with API Gateway
 * v2 events, against DynamoDB Local and the local Secrets Manager with template.yaml provisioned.
 * Every test uses its own page id.
 */
@ExtendWith(LocalAwsExtension.class)
class WebhookOnLocalBackendsTest {

    private static final String FUNCTION = "WebhookFunction";
    private static final String APP_SECRET = "integration-app-secret";
    private static final String VERIFY_TOKEN = "integration-verify-token";

    private final WebhookSignatureVerifier signatures = new WebhookSignatureVerifier();
    private LocalAws aws;
    private WebhookHandler handler;
    private DynamoMessageRecords messages;
    private DynamoContactBindings bindings;
    private String page;

    @BeforeEach
    void setUp(LocalAws aws) {
        this.aws = aws;
        aws.putAppSecret(APP_SECRET, VERIFY_TOKEN);
        handler = new WebhookHandler(WebhookComponents.create(aws.functionEnvironment(FUNCTION), Clock.systemUTC(),
                List.of()));
        messages = new DynamoMessageRecords(aws.dynamoDb(), aws.tableName("MessagesTable"), Duration.ofDays(30));
        bindings = new DynamoContactBindings(aws.dynamoDb(), aws.tableName("ContactBindingsTable"), Clock.systemUTC());
        page = Long.toString(ThreadLocalRandom.current().nextLong(100_000_000_000L, 999_999_999_999L));
    }

    // ---- payloads -------------------------------------------------------------------------

    private String payload(String... events) {
        return "{\"object\":\"page\",\"entry\":[{\"id\":\"" + page + "\",\"time\":1795255200999,\"messaging\":["
                + String.join(",", events) + "]}]}";
    }

    private String echo(String psid, String mid, String metadata, long timestamp) {
        return "{\"sender\":{\"id\":\"" + page + "\"},\"recipient\":{\"id\":\"" + psid + "\"},\"timestamp\":" + timestamp
                + ",\"message\":{\"mid\":\"" + mid + "\",\"is_echo\":true,\"app_id\":1517776481860111"
                + (metadata == null ? "" : ",\"metadata\":\"" + metadata + "\"") + ",\"text\":\"hello\"}}";
    }

    private String referral(String psid, String ref, long timestamp) {
        return "{\"sender\":{\"id\":\"" + psid + "\"},\"recipient\":{\"id\":\"" + page + "\"},\"timestamp\":" + timestamp
                + ",\"referral\":{\"ref\":\"" + ref + "\",\"source\":\"SHORTLINK\",\"type\":\"OPEN_THREAD\"}}";
    }

    private String quickReply(String psid, String mid, String payload, long timestamp) {
        return "{\"sender\":{\"id\":\"" + psid + "\"},\"recipient\":{\"id\":\"" + page + "\"},\"timestamp\":" + timestamp
                + ",\"message\":{\"mid\":\"" + mid + "\",\"text\":\"" + payload + "\",\"quick_reply\":{\"payload\":\""
                + payload + "\"}}}";
    }

    private String delivery(String psid, List<String> mids, Long watermark) {
        StringBuilder list = new StringBuilder();
        mids.forEach(m -> list.append(list.length() == 0 ? "" : ",").append('"').append(m).append('"'));
        return "{\"sender\":{\"id\":\"" + psid + "\"},\"recipient\":{\"id\":\"" + page + "\"},\"delivery\":{\"mids\":["
                + list + "]" + (watermark == null ? "" : ",\"watermark\":" + watermark) + "}}";
    }

    private String read(String psid, long watermark, long timestamp) {
        return "{\"sender\":{\"id\":\"" + psid + "\"},\"recipient\":{\"id\":\"" + page + "\"},\"timestamp\":" + timestamp
                + ",\"read\":{\"watermark\":" + watermark + "}}";
    }

    // ---- invocation -----------------------------------------------------------------------

    private JsonNode post(String body) {
        return post(body, false);
    }

    private JsonNode post(String body, boolean base64) {
        String signature = signatures.sign(body.getBytes(StandardCharsets.UTF_8), APP_SECRET);
        return StreamHandlers.invoke(handler,
                ApiGatewayEvents.post("/webhook", body, Map.of("x-hub-signature-256", signature), base64));
    }

    private static void assertReceived(JsonNode response) {
        assertEquals(200, response.get("statusCode").asInt(), response.toString());
        assertEquals("EVENT_RECEIVED", response.get("body").asText());
        assertTrue(response.at("/headers/content-type").asText().startsWith("text/plain"));
    }

    private static String errorCode(JsonNode response) {
        return Json.parse(response.get("body").asText()).at("/error/code").asText();
    }

    private List<Map<String, AttributeValue>> recordsOfPage() {
        List<Map<String, AttributeValue>> items = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> from = start;
            QueryResponse response = aws.dynamoDb().query(q -> q.tableName(aws.tableName("WebhookEventsTable"))
                    .keyConditionExpression("page_id = :p")
                    .expressionAttributeValues(Map.of(":p", AttributeValue.fromS(page)))
                    .exclusiveStartKey(from));
            items.addAll(response.items());
            start = response.hasLastEvaluatedKey() && !response.lastEvaluatedKey().isEmpty()
                    ? response.lastEvaluatedKey() : null;
        } while (start != null);
        return items;
    }

    private String sentMessage(String psid, String facebookMid, Instant sentAt) {
        return sentMessage(psid, facebookMid, sentAt, sentAt);
    }

    /** A message the worker recorded sent: its Send API call started at {@code callStarted}, Graph answered at {@code replied}. */
    private String sentMessage(String psid, String facebookMid, Instant callStarted, Instant replied) {
        String id = UUID.randomUUID().toString();
        committed(id, page, new Recipient(RecipientType.ID, psid), callStarted.minusSeconds(1));
        messages.run(Transition.MARK_SENT, id, Inputs.at(replied).withPage(page).withSent(facebookMid, psid,
                callStarted), Deadline.none());
        return id;
    }

    /** A record as the send API leaves it after a 202: written pending, then committed. */
    private void committed(String id, String pageId, Recipient recipient, Instant at) {
        messages.createPending(MessageRecord.pending(id, pageId, recipient, "text", List.of(), at, at.plusSeconds(10)),
                Deadline.none());
        assertEquals(MessageRecords.Decision.COMMITTED, messages.commit(id, Deadline.none()));
    }

    // ---- tests ----------------------------------------------------------------------------

    @Test
    void theTemplateSetsEveryVariableTheFunctionReads(LocalAws aws) {
        Map<String, String> environment = aws.stack().environmentOf(FUNCTION);
        for (EnvVar variable : WebhookComponents.DECLARED_ENV) {
            assertTrue(environment.containsKey(variable.name()), variable + " is not set for " + FUNCTION);
        }
    }

    @Test
    void verificationEchoesTheChallengeForTheRightTokenOnly() {
        JsonNode ok = StreamHandlers.invoke(handler, ApiGatewayEvents.get("/webhook",
                "hub.mode=subscribe&hub.verify_token=" + VERIFY_TOKEN + "&hub.challenge=1158201444"));
        assertEquals(200, ok.get("statusCode").asInt());
        assertEquals("1158201444", ok.get("body").asText());
        assertTrue(ok.at("/headers/content-type").asText().startsWith("text/plain"));

        JsonNode refused = StreamHandlers.invoke(handler, ApiGatewayEvents.get("/webhook",
                "hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1158201444"));
        assertEquals(403, refused.get("statusCode").asInt());
        assertEquals("forbidden", errorCode(refused));
    }

    @Test
    void theRawEscapedBodyIsVerifiedAndRecorded() {
        // Facebook escapes non-ASCII as \\uXXXX and / as \\/ and signs exactly those bytes.
        String body = payload("{\"sender\":{\"id\":\"" + page + "\"},\"recipient\":{\"id\":\"5550001\"},"
                + "\"timestamp\":1795255200100,\"message\":{\"mid\":\"m_escaped-1\",\"is_echo\":true,\"app_id\":1,"
                + "\"text\":\"caf\\u00e9 \\u2014 https:\\/\\/joinchat.ai\\/ \\ud83d\\ude00\","
                + "\"attachments\":[{\"type\":\"fallback\",\"url\":\"https:\\/\\/www.messenger.com\\/\",\"payload\":null}]}}");
        byte[] reserialised = Json.writeBytes(Json.parse(body));
        String rawSignature = signatures.sign(body.getBytes(StandardCharsets.UTF_8), APP_SECRET);
        assertFalse(rawSignature.equals(signatures.sign(reserialised, APP_SECRET)),
                "the re-serialised form must differ, or this test proves nothing");

        JsonNode forged = StreamHandlers.invoke(handler, ApiGatewayEvents.post("/webhook", body,
                Map.of("x-hub-signature-256", signatures.sign(reserialised, APP_SECRET)), false));
        assertEquals(401, forged.get("statusCode").asInt());
        assertEquals("invalid_signature", errorCode(forged));
        assertTrue(recordsOfPage().isEmpty());

        assertReceived(post(body));

        List<Map<String, AttributeValue>> records = recordsOfPage();
        assertEquals(1, records.size());
        Map<String, AttributeValue> record = records.get(0);
        assertEquals("echo#m_escaped-1", record.get("event_key").s());
        assertEquals("echo", record.get("kind").s());
        assertEquals("5550001", record.get("psid").s());
        assertEquals("1", record.get("app_id").s());
        assertEquals("café — https://joinchat.ai/ \uD83D\uDE00", record.get("text").s());
        assertEquals("https://www.messenger.com/", Json.parse(record.get("attachments").s()).get(0).get("url").asText());
        assertEquals("1795255200100", record.get("timestamp").n());
        assertNotNull(record.get("recorded_at").s());
        long expiresAt = Long.parseLong(record.get("expires_at").n());
        long expected = Instant.now().plus(Duration.ofDays(30)).getEpochSecond();
        assertTrue(Math.abs(expiresAt - expected) < 120, "expires_at " + expiresAt + " vs " + expected);
    }

    @Test
    void aBase64EncodedBodyIsDecodedBeforeTheSignatureCheck() {
        String body = payload(referral("5550002", "uuid=b64-user", 1795255200200L)
                .replace("SHORTLINK", "CUSTOMER_CHAT_PLUGIN\",\"referer_uri\":\"https:\\/\\/shop.example\\/\\u00e9"));
        assertReceived(post(body, true));
        List<Map<String, AttributeValue>> records = recordsOfPage();
        assertEquals(1, records.size());
        assertEquals("https://shop.example/é", records.get(0).get("referer_uri").s());
        assertEquals(Optional.of("5550002"), bindings.psidFor(page, "uuid:b64-user"));
    }

    @Test
    void missingOrWrongSignaturesRecordNothing() {
        String body = payload(referral("5550003", "uuid=never", 1795255200300L));
        JsonNode missing = StreamHandlers.invoke(handler, ApiGatewayEvents.post("/webhook", body, Map.of(), false));
        assertEquals(401, missing.get("statusCode").asInt());
        assertEquals("missing_signature", errorCode(missing));
        JsonNode wrong = StreamHandlers.invoke(handler, ApiGatewayEvents.post("/webhook", body,
                Map.of("x-hub-signature-256", signatures.sign(body.getBytes(StandardCharsets.UTF_8), "not-the-secret")), false));
        assertEquals(401, wrong.get("statusCode").asInt());
        assertEquals("invalid_signature", errorCode(wrong));
        assertTrue(recordsOfPage().isEmpty());
        assertEquals(Optional.empty(), bindings.psidFor(page, "uuid:never"));
    }

    @Test
    void redeliveryRecordsEachEventOnce() {
        String body = payload(
                echo("5550004", "m_redeliver-1", null, 1795255200400L),
                referral("5550004", "uuid=redelivered", 1795255200401L),
                quickReply("5550004", "m_redeliver-2", "redeliver@example.com", 1795255200402L),
                delivery("5550004", List.of("m_redeliver-1"), 1795255200400L),
                read("5550004", 1795255200400L, 1795255200403L),
                "{\"sender\":{\"id\":\"5550004\"},\"recipient\":{\"id\":\"" + page + "\"},\"timestamp\":1795255200404,"
                        + "\"optin\":{\"ref\":\"newsletter\"}}",
                "{\"sender\":{\"id\":\"5550004\"},\"recipient\":{\"id\":\"" + page + "\"},\"timestamp\":1795255200405,"
                        + "\"reaction\":{\"mid\":\"m_redeliver-1\",\"action\":\"react\",\"emoji\":\"\\u2764\"}}");
        assertReceived(post(body));
        List<Map<String, AttributeValue>> first = recordsOfPage();
        assertEquals(4, first.size(), "the reaction is acknowledged, not recorded; receipts live on as message statuses");

        assertReceived(post(body));
        assertReceived(post(body, true));

        List<Map<String, AttributeValue>> again = recordsOfPage();
        assertEquals(4, again.size());
        assertEquals(first.stream().map(i -> i.get("event_key").s()).sorted().toList(),
                again.stream().map(i -> i.get("event_key").s()).sorted().toList());
        assertEquals(List.of("echo", "optin", "quick_reply", "referral"),
                again.stream().map(i -> i.get("kind").s()).sorted().toList());
    }

    @Test
    void anEchoCarryingAMessageIdMarksItEchoedAndConfirmsItSent() {
        Instant now = Instant.now();
        String queued = UUID.randomUUID().toString();
        committed(queued, page, new Recipient(RecipientType.UUID, "u-1"), now);
        String sent = sentMessage("5550005", "m_sent-1", now);
        String otherPages = UUID.randomUUID().toString();
        committed(otherPages, "42", new Recipient(RecipientType.ID, "1"), now);

        assertReceived(post(payload(
                echo("5550005", "m_queued-echo", queued, 1795255200500L),
                echo("5550005", "m_sent-1", sent, 1795255200501L),
                echo("5550005", "m_other", otherPages, 1795255200502L),
                echo("5550005", "m_unknown", UUID.randomUUID().toString(), 1795255200503L))));

        MessageRecord queuedRecord = messages.find(queued, Deadline.none()).orElseThrow();
        assertEquals(Instant.ofEpochMilli(1795255200500L), queuedRecord.echoedAt());
        assertEquals(MessageStatus.SENT, queuedRecord.status(), "Facebook took it even if the worker never heard back");
        assertEquals("m_queued-echo", queuedRecord.facebookMessageId());
        assertEquals("5550005", queuedRecord.psid());
        MessageRecord sentRecord = messages.find(sent, Deadline.none()).orElseThrow();
        assertEquals(Instant.ofEpochMilli(1795255200501L), sentRecord.echoedAt());
        assertEquals(MessageStatus.SENT, sentRecord.status());
        assertNull(messages.find(otherPages, Deadline.none()).orElseThrow().echoedAt(),
                "another page's echo must not mark it");
        // The echoes of this page's messages are recorded on them; the other two as events.
        assertEquals(List.of("echo#m_other", "echo#m_unknown"),
                recordsOfPage().stream().map(i -> i.get("event_key").s()).sorted().toList());
        Map<String, AttributeValue> echoRecord = aws.dynamoDb().getItem(r -> r.tableName(aws.tableName("MessagesTable"))
                .key(Map.of("message_id", AttributeValue.fromS(queued)))).item();
        assertEquals("m_queued-echo", echoRecord.get("facebook_message_id").s());
        assertEquals(queued, echoRecord.get("message_id").s());
        assertEquals("5550005", echoRecord.get("psid").s());

        // Redelivered: nothing changes, nothing is recorded twice.
        assertReceived(post(payload(echo("5550005", "m_sent-1", sent, 1795255200501L))));
        assertEquals(2, recordsOfPage().size());
        assertEquals(Instant.ofEpochMilli(1795255200501L),
                messages.find(sent, Deadline.none()).orElseThrow().echoedAt());
    }

    @Test
    void deliveryAndReadReceiptsMoveSentMessages() {
        Instant sentAt = Instant.now().minusSeconds(60);
        String byMid = sentMessage("5550006", "m_by-mid", sentAt);
        String byWatermark = sentMessage("5550007", "m_by-watermark", sentAt);
        String read = sentMessage("5550008", "m_read", sentAt);
        String later = sentMessage("5550008", "m_later", sentAt.plusSeconds(30));
        long watermark = sentAt.toEpochMilli() + 1000;

        assertReceived(post(payload(
                delivery("5550006", List.of("m_by-mid"), null),
                delivery("5550007", List.of(), watermark),
                read("5550008", watermark, watermark + 5))));

        assertEquals(MessageStatus.DELIVERED, messages.find(byMid, Deadline.none()).orElseThrow().status());
        assertNotNull(messages.find(byMid, Deadline.none()).orElseThrow().deliveredAt());
        assertEquals(MessageStatus.DELIVERED, messages.find(byWatermark, Deadline.none()).orElseThrow().status());
        assertEquals(MessageStatus.READ, messages.find(read, Deadline.none()).orElseThrow().status());
        assertNotNull(messages.find(read, Deadline.none()).orElseThrow().readAt());
        assertEquals(MessageStatus.SENT, messages.find(later, Deadline.none()).orElseThrow().status(), "sent after the watermark");

        // A late delivery receipt never moves a read message back.
        assertReceived(post(payload(delivery("5550008", List.of("m_read"), watermark))));
        assertEquals(MessageStatus.READ, messages.find(read, Deadline.none()).orElseThrow().status());
    }

    /** Runs {@code body} with a handler built as Lambda builds it, its stdout (metrics, log lines) captured. */
    private java.io.ByteArrayOutputStream withHandlerOnStdout(java.util.function.Consumer<java.io.ByteArrayOutputStream> body) {
        java.io.ByteArrayOutputStream stdout = new java.io.ByteArrayOutputStream();
        java.io.PrintStream original = System.out;
        System.setOut(new java.io.PrintStream(stdout, true, StandardCharsets.UTF_8));
        try {
            handler = new WebhookHandler(WebhookComponents.create(aws.functionEnvironment(FUNCTION),
                    Clock.systemUTC(), List.of()));
            body.accept(stdout);
        } finally {
            System.setOut(original);
        }
        return stdout;
    }

    @Test
    void receiptsCountTheMessagesTheyMovedOnceEach() {
        withHandlerOnStdout(stdout -> {
            Instant sentAt = Instant.now().minusSeconds(60);
            sentMessage("5550030", "m_count-1", sentAt);
            sentMessage("5550030", "m_count-2", sentAt.plusMillis(5));
            long watermark = sentAt.toEpochMilli() + 10;
            String receipt = payload(delivery("5550030", List.of(), watermark));

            assertReceived(post(receipt));
            assertTrue(stdout.toString(StandardCharsets.UTF_8).contains("\"MessagesDelivered\":2"), stdout.toString());
            stdout.reset();
            assertReceived(post(receipt));
            assertFalse(stdout.toString(StandardCharsets.UTF_8).contains("MessagesDelivered"),
                    "a repeated receipt moves nothing and counts nothing");
            assertReceived(post(payload(read("5550030", watermark, watermark + 5))));
            assertTrue(stdout.toString(StandardCharsets.UTF_8).contains("\"MessagesRead\":2"), stdout.toString());
        });
    }

    @Test
    void aPostWritesItsMetricsAsOneDocumentWhenItEnds() {
        java.io.ByteArrayOutputStream stdout = withHandlerOnStdout(out -> {
            Instant sentAt = Instant.now().minusSeconds(60);
            sentMessage("5550031", "m_one-document", sentAt);
            assertReceived(post(payload(delivery("5550031", List.of(), sentAt.toEpochMilli() + 10))));
        });
        List<String> documents = stdout.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains("\"_aws\"")).toList();
        assertEquals(1, documents.size(), "one EMF document per invocation: " + documents);
        JsonNode document = Json.parse(documents.get(0));
        List<String> names = new ArrayList<>();
        document.path("_aws").path("CloudWatchMetrics").path(0).path("Metrics").forEach(m -> names.add(m.path("Name").asText()));
        assertEquals(List.of("WebhookEvents", "MessagesDelivered"), names, "the counts that are 0 are left out");
        assertEquals(1, document.path("WebhookEvents").asInt());
        assertEquals(1, document.path("MessagesDelivered").asInt());
        assertEquals("webhook", document.path("function").asText());
    }

    @Test
    void aWatermarkEqualToTheLastMessagesFacebookTimestampMovesItBeforeItsEcho() {
        // Facebook stamps the message while the Send API call is in flight: after its start, before Graph's reply.
        Instant callStarted = Instant.now().minusSeconds(60);
        Instant replied = callStarted.plusMillis(400);
        long facebookStamp = callStarted.toEpochMilli() + 150;
        String toDeliver = sentMessage("5550020", "m_fb-clock-1", callStarted, replied);
        String toRead = sentMessage("5550021", "m_fb-clock-2", callStarted, replied);

        assertReceived(post(payload(
                delivery("5550020", List.of(), facebookStamp),
                read("5550021", facebookStamp, facebookStamp + 5))));

        assertEquals(MessageStatus.DELIVERED, messages.find(toDeliver, Deadline.none()).orElseThrow().status());
        assertEquals(MessageStatus.READ, messages.find(toRead, Deadline.none()).orElseThrow().status());
    }

    @Test
    void aWatermarkEqualToTheEchosTimestampMovesTheMessageWhateverOurClockSays() {
        // Facebook's clock is 90 s behind the worker's: only the echo's timestamp can be compared with its watermarks.
        Instant callStarted = Instant.now();
        long echoStamp = callStarted.toEpochMilli() - 90_000 + 150;
        String toDeliver = sentMessage("5550022", "m_fb-clock-3", callStarted, callStarted.plusMillis(400));
        String toRead = sentMessage("5550023", "m_fb-clock-4", callStarted, callStarted.plusMillis(400));
        assertReceived(post(payload(
                delivery("5550022", List.of(), echoStamp),
                read("5550023", echoStamp, echoStamp + 5))));
        assertEquals(MessageStatus.SENT, messages.find(toDeliver, Deadline.none()).orElseThrow().status(), "no echo yet: our estimate");
        assertEquals(MessageStatus.SENT, messages.find(toRead, Deadline.none()).orElseThrow().status());

        assertReceived(post(payload(
                echo("5550022", "m_fb-clock-3", toDeliver, echoStamp),
                echo("5550023", "m_fb-clock-4", toRead, echoStamp))));
        assertReceived(post(payload(
                delivery("5550022", List.of(), echoStamp - 1),
                read("5550023", echoStamp - 1, echoStamp + 6))));
        assertEquals(MessageStatus.SENT, messages.find(toDeliver, Deadline.none()).orElseThrow().status(), "a watermark before it");
        assertEquals(MessageStatus.SENT, messages.find(toRead, Deadline.none()).orElseThrow().status());

        assertReceived(post(payload(
                delivery("5550022", List.of(), echoStamp),
                read("5550023", echoStamp, echoStamp + 7))));
        assertEquals(MessageStatus.DELIVERED, messages.find(toDeliver, Deadline.none()).orElseThrow().status());
        assertEquals(MessageStatus.READ, messages.find(toRead, Deadline.none()).orElseThrow().status());

        // Delivered, then read at the same watermark: its place awaiting read kept the echo's timestamp.
        assertReceived(post(payload(read("5550022", echoStamp, echoStamp + 8))));
        assertEquals(MessageStatus.READ, messages.find(toDeliver, Deadline.none()).orElseThrow().status());
    }

    /** Records the quick-reply offers the worker would have recorded when sending to these PSIDs. */
    private void offered(List<String> psids) {
        DynamoQuickReplyOffers offers = new DynamoQuickReplyOffers(aws.dynamoDb(), aws.tableName("ContactStateTable"));
        psids.forEach(psid -> offers.record(page, psid, Set.of(QuickReplyOffers.Kind.PHONE, QuickReplyOffers.Kind.EMAIL),
                Set.of(), Instant.now()));
    }

    @Test
    void uuidRefsAndQuickRepliesBindAndTheNewestBindingWins() {
        // Version 1 behaviour for unsigned refs (the page's unsigned_refs is latest); taps after offers.
        aws.putSecret(aws.functionEnvironment(FUNCTION).get("PAGE_SECRET_PREFIX") + page,
                Map.of("api_secret", "s", "page_access_token", "t", "unsigned_refs", "latest"));
        offered(List.of("6000001", "6000002"));
        assertReceived(post(payload(
                referral("6000001", "uuid=site-user-1", 1795255201000L),
                quickReply("6000001", "m_qr-phone", "+1 (650) 555-0199", 1795255201001L),
                quickReply("6000001", "m_qr-email", "Site.User@Example.COM", 1795255201002L),
                referral("6000001", "summer-sale", 1795255201003L))));
        assertEquals(Optional.of("6000001"), bindings.psidFor(page, "uuid:site-user-1"));
        assertEquals(Optional.of("6000001"), bindings.psidFor(page, "phone:+16505550199"));
        assertEquals(Optional.of("6000001"), bindings.psidFor(page, "email:site.user@example.com"));
        assertEquals(Optional.empty(), bindings.psidFor(page, "uuid:summer-sale"));

        // The same uuid, phone and email later used by another PSID: the newer binding replaces the older.
        String newer = payload(
                referral("6000002", "uuid=site-user-1", 1795255202000L),
                quickReply("6000002", "m_qr-phone-2", "16505550199", 1795255202001L),
                quickReply("6000002", "m_qr-email-2", "site.user@example.com", 1795255202002L));
        assertReceived(post(newer));
        assertEquals(Optional.of("6000002"), bindings.psidFor(page, "uuid:site-user-1"));
        assertEquals(Optional.of("6000002"), bindings.psidFor(page, "phone:+16505550199"));
        assertEquals(Optional.of("6000002"), bindings.psidFor(page, "email:site.user@example.com"));

        // Facebook redelivers the older batch afterwards: it must not take the bindings back.
        assertReceived(post(payload(
                referral("6000001", "uuid=site-user-1", 1795255201000L),
                quickReply("6000001", "m_qr-phone", "+1 (650) 555-0199", 1795255201001L),
                quickReply("6000001", "m_qr-email", "Site.User@Example.COM", 1795255201002L))));
        assertEquals(Optional.of("6000002"), bindings.psidFor(page, "uuid:site-user-1"));
        assertEquals(Optional.of("6000002"), bindings.psidFor(page, "phone:+16505550199"));
        assertEquals(Optional.of("6000002"), bindings.psidFor(page, "email:site.user@example.com"));
    }

    /**
     * Contract section 2: a cold container whose lookup limit (a burst of 20) cannot cover the pages
     * of one batch still binds every signed ref of a configured page (or answers 500 so Facebook
     * redelivers), never 200 with a dropped binding. The container's clock stands still, so the limit
     * never refills during the test.
     */
    @Test
    void aColdContainerBindsTheSignedRefsOfThirtyConfiguredPagesInOneBatch(LocalAws aws) {
        List<String> pages = new ArrayList<>();
        StringBuilder entries = new StringBuilder();
        for (int i = 0; i < 30; i++) {
            String pageId = page + "0" + i;
            aws.putPageSecret(pageId, "ref-secret-" + i, "token-" + i, null);
            pages.add(pageId);
            String ref = ai.joinchat.push.signature.SignedRef.signedRef(pageId, "cold-user-" + i, "ref-secret-" + i);
            entries.append(i == 0 ? "" : ",").append("{\"id\":\"").append(pageId)
                    .append("\",\"time\":1795255200999,\"messaging\":[{\"sender\":{\"id\":\"").append(8_100_000 + i)
                    .append("\"},\"recipient\":{\"id\":\"").append(pageId).append("\"},\"timestamp\":").append(1795255201000L + i)
                    .append(",\"referral\":{\"ref\":\"").append(ref).append("\",\"source\":\"SHORTLINK\",\"type\":\"OPEN_THREAD\"}}]}");
        }
        String body = "{\"object\":\"page\",\"entry\":[" + entries + "]}";
        WebhookHandler cold = new WebhookHandler(WebhookComponents.create(aws.functionEnvironment(FUNCTION),
                Clock.fixed(Instant.now(), java.time.ZoneOffset.UTC), List.of()));

        JsonNode response = StreamHandlers.invoke(cold, ApiGatewayEvents.post("/webhook", body,
                Map.of("x-hub-signature-256", signatures.sign(body.getBytes(StandardCharsets.UTF_8), APP_SECRET)), false));

        assertReceived(response);
        for (int i = 0; i < 30; i++) {
            assertEquals(Optional.of(Integer.toString(8_100_000 + i)), bindings.psidFor(pages.get(i), "uuid:cold-user-" + i),
                    "the signed ref of configured page " + i + " is bound");
        }
    }

    @Test
    void aSecretsManagerFailureIs500(LocalAws aws) {
        var controls = aws.secretsManagerControls().orElseThrow();
        // A fresh handler: its secret cache is empty, so it must ask Secrets Manager.
        WebhookHandler fresh = new WebhookHandler(WebhookComponents.create(aws.functionEnvironment(FUNCTION),
                Clock.systemUTC(), List.of()));
        controls.failRequests(true);
        try {
            String body = payload(echo("5550010", "m_no-secret", null, 1795255201000L));
            JsonNode response = StreamHandlers.invoke(fresh, ApiGatewayEvents.post("/webhook", body,
                    Map.of("x-hub-signature-256", signatures.sign(body.getBytes(StandardCharsets.UTF_8), APP_SECRET)), false));
            assertEquals(500, response.get("statusCode").asInt());
            assertEquals("internal_error", errorCode(response));
            assertTrue(recordsOfPage().isEmpty());
        } finally {
            controls.failRequests(false);
        }
    }

    @Test
    void aThousandEventPostIsRecordedWithinFacebooksBudget() {
        // A container that serves Facebook's traffic is warm: first a 100-event batch on another page.
        String thousandsPage = page;
        page = thousandsPage + "0";
        assertReceived(post(payload(mixedBatch(100, sentAt -> List.of()).toArray(String[]::new))));
        assertEquals(80, recordsOfPage().size(), "every event but the 20 receipts, which are not stored");
        page = thousandsPage;

        List<String> tapping = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            tapping.add("9" + i);
        }
        offered(tapping);
        List<String> known = new ArrayList<>();
        List<String> events = mixedBatch(1000, sentAt -> {
            for (int i = 0; i < 50; i++) {
                known.add(sentMessage("7" + i, "m_known-" + i, sentAt));
            }
            return known;
        });
        assertEquals(1000, events.size());
        String body = payload(events.toArray(String[]::new));

        long started = System.nanoTime();
        JsonNode response = post(body);
        long millis = (System.nanoTime() - started) / 1_000_000;
        System.out.println("1,000-event webhook POST took " + millis + " ms (" + body.length() + " bytes)");

        assertReceived(response);
        assertEquals(750, recordsOfPage().size(),
                "every event but the 200 receipts (not stored) and the 50 echoes of known messages (stored next to them)");
        assertTrue(millis < 5000, "took " + millis + " ms");
        assertEquals(Optional.of("8199"), bindings.psidFor(page, "uuid:bulk-user-199"));
        assertEquals(Optional.of("9149"), bindings.psidFor(page, "email:bulk149@example.com"));
        assertEquals(Optional.of("90"), bindings.psidFor(page, "phone:+84911000000"));
        assertNotNull(messages.find(known.get(49), Deadline.none()).orElseThrow().echoedAt());
        assertEquals(MessageStatus.READ, messages.find(known.get(0), Deadline.none()).orElseThrow().status());
    }

    /**
     * {@code n} events of every recorded kind: 30% echoes (the first of them carrying the ids of
     * messages {@code sentMessages} creates, the rest unknown ids), 20% referrals with uuid refs,
     * 15% e-mail and 15% phone quick replies, 10% delivery and 10% read receipts.
     */
    private List<String> mixedBatch(int n, java.util.function.Function<Instant, List<String>> sentMessages) {
        Instant sentAt = Instant.now().minusSeconds(60);
        List<String> known = sentMessages.apply(sentAt);
        List<String> events = new ArrayList<>(n);
        long t = 1795255300000L;
        for (int i = 0; i < n * 3 / 10; i++) {
            String metadata = i < known.size() ? known.get(i) : UUID.randomUUID().toString();
            events.add(echo("7" + (i % 50), "m_echo-" + i, metadata, t + i));
        }
        for (int i = 0; i < n / 5; i++) {
            events.add(referral("8" + i, "uuid=bulk-user-" + i, t + 1000 + i));
        }
        for (int i = 0; i < n * 3 / 20; i++) {
            events.add(quickReply("9" + i, "m_bulk-email-" + i, "bulk" + i + "@example.com", t + 2000 + i));
        }
        for (int i = 0; i < n * 3 / 20; i++) {
            events.add(quickReply("9" + i, "m_bulk-phone-" + i, "+8491" + (1000000 + i), t + 3000 + i));
        }
        for (int i = 0; i < n / 10; i++) {
            events.add(delivery("7" + (i % 50), List.of("m_known-" + (i % 50), "m_unknown-" + i), null));
        }
        for (int i = 0; i < n / 10; i++) {
            events.add(read("7" + (i % 50), sentAt.toEpochMilli() + i, t + 4000 + i));
        }
        return events;
    }
}
