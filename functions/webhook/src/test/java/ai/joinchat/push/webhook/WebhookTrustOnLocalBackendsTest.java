package ai.joinchat.push.webhook;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.local.aws.faults.FaultProxy;
import ai.joinchat.push.local.aws.junit.LocalAws;
import ai.joinchat.push.local.aws.junit.LocalAwsExtension;
import ai.joinchat.push.signature.SignedRef;
import ai.joinchat.push.signature.WebhookSignatureVerifier;
import ai.joinchat.push.store.DynamoContactBindings;
import ai.joinchat.push.store.DynamoMessageRecords;
import ai.joinchat.push.store.DynamoQuickReplyOffers;
import ai.joinchat.push.store.Inputs;
import ai.joinchat.push.store.Lifecycle.Transition;
import ai.joinchat.push.store.MessageRecord;
import ai.joinchat.push.store.MessageStatus;
import ai.joinchat.push.store.QuickReplyOffers;
import ai.joinchat.push.store.StoredFields;
import ai.joinchat.push.testing.ApiGatewayEvents;
import ai.joinchat.push.testing.FakeLambdaContext;
import ai.joinchat.push.testing.StreamHandlers;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

import java.net.URI;
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
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Contract section 6 on the local backends, through {@link WebhookHandler#handleRequest} with
 * API Gateway v2 events: bounded receipts, per-event isolation, signed refs and the unsigned-ref
 * policy, quick-reply offers. DynamoDB work is measured by counting the webhook client's calls
 * with an SDK interceptor, never by timing. Every test uses its own page id.
 */
@ExtendWith(LocalAwsExtension.class)
class WebhookTrustOnLocalBackendsTest {

    private static final String FUNCTION = "WebhookFunction";
    private static final String APP_SECRET = "trust-app-secret";

    private final WebhookSignatureVerifier signatures = new WebhookSignatureVerifier();
    private final DynamoCalls calls = new DynamoCalls();
    private LocalAws aws;
    private WebhookHandler handler;
    private DynamoMessageRecords messages;
    private DynamoContactBindings bindings;
    private String page;

    @BeforeEach
    void setUp(LocalAws aws) {
        this.aws = aws;
        aws.putAppSecret(APP_SECRET, "trust-verify-token");
        handler = new WebhookHandler(WebhookComponents.create(aws.functionEnvironment(FUNCTION), Clock.systemUTC(),
                List.of(calls)));
        messages = new DynamoMessageRecords(aws.dynamoDb(), aws.tableName("MessagesTable"), Duration.ofDays(30));
        bindings = new DynamoContactBindings(aws.dynamoDb(), aws.tableName("ContactBindingsTable"), Clock.systemUTC());
        page = newPage();
    }

    private static String newPage() {
        return Long.toString(ThreadLocalRandom.current().nextLong(100_000_000_000L, 999_999_999_999L));
    }

    // ---- payloads -------------------------------------------------------------------------

    private String payload(String... events) {
        return "{\"object\":\"page\",\"entry\":[{\"id\":\"" + page + "\",\"time\":1795255200999,\"messaging\":["
                + String.join(",", events) + "]}]}";
    }

    private String echo(String psid, String mid, String text, long timestamp) {
        return "{\"sender\":{\"id\":\"" + page + "\"},\"recipient\":{\"id\":\"" + psid + "\"},\"timestamp\":" + timestamp
                + ",\"message\":{\"mid\":\"" + mid + "\",\"is_echo\":true,\"app_id\":1517776481860111,\"text\":\""
                + text + "\"}}";
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

    private String read(String psid, long watermark, long timestamp) {
        return "{\"sender\":{\"id\":\"" + psid + "\"},\"recipient\":{\"id\":\"" + page + "\"},\"timestamp\":" + timestamp
                + ",\"read\":{\"watermark\":" + watermark + "}}";
    }

    private String delivery(String psid, String mid, long watermark) {
        return "{\"sender\":{\"id\":\"" + psid + "\"},\"recipient\":{\"id\":\"" + page + "\"},\"delivery\":{\"mids\":[\""
                + mid + "\"],\"watermark\":" + watermark + "}}";
    }

    private JsonNode post(String body) {
        String signature = signatures.sign(body.getBytes(StandardCharsets.UTF_8), APP_SECRET);
        return StreamHandlers.invoke(handler,
                ApiGatewayEvents.post("/webhook", body, Map.of("x-hub-signature-256", signature), false));
    }

    private static void assertReceived(JsonNode response) {
        assertEquals(200, response.get("statusCode").asInt(), response.toString());
        assertEquals("EVENT_RECEIVED", response.get("body").asText());
    }

    private void putPageSecret(String pageId, String apiSecret, String previous, String unsignedRefs) {
        Map<String, String> value = new HashMap<>();
        value.put("api_secret", apiSecret);
        value.put("page_access_token", "token-" + pageId);
        if (previous != null) {
            value.put("previous_api_secret", previous);
        }
        if (unsignedRefs != null) {
            value.put("unsigned_refs", unsignedRefs);
        }
        aws.putSecret(aws.functionEnvironment(FUNCTION).get("PAGE_SECRET_PREFIX") + pageId, value);
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
        String id = UUID.randomUUID().toString();
        messages.createPending(MessageRecord.pending(id, page, new ai.joinchat.push.request.Recipient(
                ai.joinchat.push.request.RecipientType.ID, psid), "text", List.of(), sentAt.minusSeconds(1),
                sentAt.plusSeconds(10)), ai.joinchat.push.Deadline.none());
        messages.commit(id, ai.joinchat.push.Deadline.none());
        messages.run(Transition.MARK_SENT, id, Inputs.at(sentAt).withPage(page).withSent(facebookMid, psid, sentAt),
                ai.joinchat.push.Deadline.none());
        return id;
    }

    /**
     * {@code count} messages to the PSID, written with BatchWriteItem as the webhook leaves them:
     * half {@code read} before {@code watermark} (out of the sparse index), half {@code delivered}
     * after it (awaiting read, and not covered by a receipt with that watermark).
     */
    private void seedHistory(String psid, int count, long watermark) {
        List<WriteRequest> writes = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            boolean read = i % 2 == 0;
            long sentAt = read ? watermark - 3_600_000L - i : watermark + 60_000L + i;
            Map<String, AttributeValue> item = new HashMap<>();
            item.put("message_id", AttributeValue.fromS(UUID.randomUUID().toString()));
            item.put("page_id", AttributeValue.fromS(page));
            item.put("recipient_type", AttributeValue.fromS("id"));
            item.put("recipient_value", AttributeValue.fromS(psid));
            item.put("template_type", AttributeValue.fromS("text"));
            item.put("status", AttributeValue.fromS(read ? "read" : "delivered"));
            item.put("attempts", AttributeValue.fromN("1"));
            item.put("created_at", AttributeValue.fromS(Instant.ofEpochMilli(sentAt - 1000).toString()));
            item.put("updated_at", AttributeValue.fromS(Instant.ofEpochMilli(sentAt).toString()));
            item.put("warnings", AttributeValue.fromL(List.of()));
            item.put("facebook_message_id", AttributeValue.fromS("m_history-" + psid + "-" + i));
            item.put("psid", AttributeValue.fromS(psid));
            item.put("sent_at", AttributeValue.fromN(Long.toString(sentAt)));
            if (!read) {
                item.put("recipient_psid_key", AttributeValue.fromS(page + "#" + psid + "#r"));
            }
            writes.add(WriteRequest.builder().putRequest(PutRequest.builder().item(item).build()).build());
        }
        for (int from = 0; from < writes.size(); from += 25) {
            List<WriteRequest> batch = writes.subList(from, Math.min(writes.size(), from + 25));
            Map<String, List<WriteRequest>> pending = Map.of(aws.tableName("MessagesTable"), batch);
            while (!pending.isEmpty()) {
                Map<String, List<WriteRequest>> request = pending;
                var response = aws.dynamoDb().batchWriteItem(r -> r.requestItems(request));
                pending = response.hasUnprocessedItems() ? response.unprocessedItems() : Map.of();
            }
        }
    }

    // ---- bounded receipts -----------------------------------------------------------------

    @Test
    void aReceiptForALongHistoryCostsTheSameCallsAsOneForANewUser() {
        Instant now = Instant.now();
        long watermark = now.toEpochMilli();
        seedHistory("7100001", 10_000, watermark);
        String longHistoryNew = sentMessage("7100001", "m_long-new", now.minusSeconds(5));
        String freshOnly = sentMessage("7100002", "m_fresh", now.minusSeconds(5));

        calls.reset();
        long started = System.nanoTime();
        assertReceived(post(payload(read("7100001", watermark, watermark + 1))));
        long longHistoryMillis = (System.nanoTime() - started) / 1_000_000;
        Map<String, Integer> longHistory = calls.snapshot();

        calls.reset();
        started = System.nanoTime();
        assertReceived(post(payload(read("7100002", watermark, watermark + 1))));
        long freshMillis = (System.nanoTime() - started) / 1_000_000;
        Map<String, Integer> fresh = calls.snapshot();
        System.out.println("read receipt over a 10,000-message history: " + longHistoryMillis + " ms, " + longHistory
                + "; for a new user: " + freshMillis + " ms, " + fresh);

        assertEquals(fresh, longHistory, "the same DynamoDB calls, whatever the history");
        assertTrue(calls.total() <= 6, "a handful of calls: " + fresh);
        assertEquals(MessageStatus.READ, messages.find(longHistoryNew, Deadline.none()).orElseThrow().status());
        assertEquals(MessageStatus.READ, messages.find(freshOnly, Deadline.none()).orElseThrow().status());
    }

    @Test
    void aRedeliveredReceiptMovesNothingAndWritesNothing() {
        Instant sentAt = Instant.now().minusSeconds(30);
        String first = sentMessage("7200001", "m_redelivered-1", sentAt);
        String second = sentMessage("7200001", "m_redelivered-2", sentAt.plusSeconds(1));
        long watermark = sentAt.plusSeconds(2).toEpochMilli();
        String body = payload(read("7200001", watermark, watermark + 5));
        assertReceived(post(body));
        assertEquals(MessageStatus.READ, messages.find(first, Deadline.none()).orElseThrow().status());
        assertEquals(MessageStatus.READ, messages.find(second, Deadline.none()).orElseThrow().status());
        Instant readAt = messages.find(first, Deadline.none()).orElseThrow().readAt();

        calls.reset();
        assertReceived(post(body));
        assertEquals(Map.of("Query", 2), calls.snapshot(),
                "the two partitions a read receipt may move, both empty now: no write");
        assertEquals(readAt, messages.find(first, Deadline.none()).orElseThrow().readAt());

        // A delivery receipt after the read, also redelivered: never moves a read message back.
        String deliveryBody = payload(delivery("7200001", "m_redelivered-2", watermark));
        assertReceived(post(deliveryBody));
        assertEquals(MessageStatus.READ, messages.find(second, Deadline.none()).orElseThrow().status());
        calls.reset();
        assertReceived(post(deliveryBody));
        assertEquals(Map.of("Query", 2, "BatchGetItem", 1), calls.snapshot(),
                "the watermark's partition (empty), the mid's message and its status (read): no write");
    }

    @Test
    void aBatchWritesTwentyFiveRecordsPerRequestWhateverReceiptsItCarries() {
        long now = System.currentTimeMillis();
        List<String> events = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            events.add(delivery("73000" + i, "m_batch-new-" + i, now));
            events.add(referral("73010" + i, "campaign=spring", now));
        }
        calls.reset();
        assertReceived(post(payload(events.toArray(String[]::new))));
        Map<String, Integer> counted = calls.snapshot();
        assertEquals(4, counted.get("BatchWriteItem"), "the 100 referrals, 25 per request: " + counted);
        assertTrue(counted.get("Query") <= 200, "at most two queries per new user's delivery receipt: " + counted);
        assertEquals(Set.of("BatchWriteItem", "Query"), counted.keySet(), "nothing else: " + counted);
        assertEquals(100, recordsOfPage().size());
    }

    // ---- isolation ------------------------------------------------------------------------

    @Test
    void aPoisonEventNextToGoodOnesIsSkippedAndTheBatchAnswers200() {
        Instant sentAt = Instant.now().minusSeconds(30);
        String message = sentMessage("7300001", "m_poison-neighbour", sentAt);
        String hugeText = "x".repeat(450 * 1024);
        String hugeMid = "m_" + "y".repeat(2000); // over DynamoDB's 1,024-byte sort key limit: rejected
        JsonNode response = post(payload(
                echo("7300001", "m_huge-text", hugeText, 1795255400000L),
                echo("7300001", hugeMid, "poison", 1795255400001L),
                referral("7300002", "uuid=poison-neighbour", 1795255400002L),
                read("7300001", sentAt.plusSeconds(1).toEpochMilli(), 1795255400003L)));

        assertReceived(response);
        assertEquals(Optional.of("7300002"), bindings.psidFor(page, "uuid:poison-neighbour"));
        assertEquals(MessageStatus.READ, messages.find(message, Deadline.none()).orElseThrow().status());
        List<Map<String, AttributeValue>> records = recordsOfPage();
        assertEquals(2, records.size(), "all but the poison echo (and the read receipt, which is not stored)");
        Map<String, AttributeValue> huge = records.stream()
                .filter(r -> r.get("event_key").s().equals("echo#m_huge-text")).findFirst().orElseThrow();
        assertTrue(huge.get("text").s().length() <= StoredFields.TEXT_MAX_BYTES);
        assertTrue(huge.get("text_truncated").bool());
    }

    @Test
    void throttlingAnswers500AndTheRedeliveryRecordsEachEventOnce() {
        String body = payload(
                echo("7400001", "m_throttled-1", "hello", 1795255500000L),
                referral("7400002", "uuid=throttled-user", 1795255500001L),
                read("7400001", 1795255500000L, 1795255500002L));

        calls.throttle = Set.of("PutItem");
        JsonNode throttled = post(body);
        assertEquals(500, throttled.get("statusCode").asInt(), throttled.toString());
        assertEquals(Optional.empty(), bindings.psidFor(page, "uuid:throttled-user"));

        calls.throttle = Set.of();
        assertReceived(post(body));
        assertReceived(post(body));
        assertEquals(Optional.of("7400002"), bindings.psidFor(page, "uuid:throttled-user"));
        List<Map<String, AttributeValue>> records = recordsOfPage();
        assertEquals(2, records.size(), "the echo and the referral; the read receipt is not stored");
        assertEquals(2, records.stream().map(r -> r.get("event_key").s()).distinct().count());
    }

    /**
     * The handler's deadline comes from the Lambda context: with 2 s of the function left, slow
     * DynamoDB calls end in a 500 before the function's timeout, never in a timed-out invocation.
     */
    @Test
    void slowDynamoDbAnswers500WithinTheFunctionsRemainingTime() {
        String body = payload(referral("7400003", "uuid=slow-user", 1795255500003L));
        String signature = signatures.sign(body.getBytes(StandardCharsets.UTF_8), APP_SECRET);
        calls.slowMillis = 3000;
        long started = System.nanoTime();
        JsonNode response = StreamHandlers.invoke(handler, ApiGatewayEvents.post("/webhook", body,
                Map.of("x-hub-signature-256", signature), false), FakeLambdaContext.countingDown(Duration.ofSeconds(2)));
        long millis = (System.nanoTime() - started) / 1_000_000;
        calls.slowMillis = 0;

        assertEquals(500, response.get("statusCode").asInt(), response.toString());
        assertTrue(millis < 2000, "answered after " + millis + " ms");
        assertReceived(post(body));
        assertEquals(Optional.of("7400003"), bindings.psidFor(page, "uuid:slow-user"));
    }

    /** A webhook built from the template's environment with {@code change} applied, as a misdeployed function is. */
    private JsonNode postTo(Map<String, String> change, String body) {
        Map<String, String> env = new HashMap<>(aws.functionEnvironment(FUNCTION));
        env.putAll(change);
        WebhookHandler misdeployed = new WebhookHandler(WebhookComponents.create(env, Clock.systemUTC(), List.of()));
        return StreamHandlers.invoke(misdeployed, ApiGatewayEvents.post("/webhook", body,
                Map.of("x-hub-signature-256", signatures.sign(body.getBytes(StandardCharsets.UTF_8), APP_SECRET)), false));
    }

    /** A referral and a read receipt answered 500 by a misdeployed webhook: redelivered to a fixed one, both apply. */
    private void assertRedeliveredAfterTheFix(String body, String message, String uuid, JsonNode misdeployed) {
        assertEquals(500, misdeployed.get("statusCode").asInt(), misdeployed.toString());
        // Events are processed independently and side by side: the binding may have been written
        // before the failing write answered, but never a wrong one; the redelivery completes it.
        Optional<String> beforeTheFix = bindings.psidFor(page, "uuid:" + uuid);
        assertTrue(beforeTheFix.isEmpty() || beforeTheFix.get().equals("7500002"), beforeTheFix.toString());
        assertReceived(post(body));
        assertEquals(Optional.of("7500002"), bindings.psidFor(page, "uuid:" + uuid));
        assertEquals(MessageStatus.READ, messages.find(message, Deadline.none()).orElseThrow().status());
        assertEquals(1, recordsOfPage().stream().filter(r -> r.get("kind").s().equals("echo")).count());
    }

    private String deploymentFaultBatch(String message, Instant sentAt, String uuid) {
        return payload(echo("7500001", "m_unstorable-" + uuid, "hi", 1795255600000L),
                referral("7500002", "uuid=" + uuid, 1795255600001L),
                read("7500001", sentAt.toEpochMilli(), 1795255600002L));
    }

    @Test
    void aMissingTableAnswers500AndSkipsNothing() {
        Instant sentAt = Instant.now().minusSeconds(30);
        String message = sentMessage("7500001", "m_missing-table", sentAt);
        String body = deploymentFaultBatch(message, sentAt, "missing-table");
        // A real ResourceNotFoundException from DynamoDB Local.
        JsonNode response = postTo(Map.of("WEBHOOK_EVENTS_TABLE", "no-such-table-" + page), body);
        assertRedeliveredAfterTheFix(body, message, "missing-table", response);
    }

    @Test
    void accessDeniedAndExpiredCredentialsAnswer500AndSkipNothing() {
        for (String refusal : List.of("AccessDeniedException", "UnrecognizedClientException", "ExpiredTokenException",
                "KMSAccessDeniedException")) {
            page = newPage();
            Instant sentAt = Instant.now().minusSeconds(30);
            String message = sentMessage("7500001", "m_refused-" + refusal, sentAt);
            String body = deploymentFaultBatch(message, sentAt, refusal.toLowerCase(java.util.Locale.ROOT));
            try (FaultProxy proxy = FaultProxy.start(URI.create(aws.functionEnvironment(FUNCTION)
                    .get("AWS_ENDPOINT_URL_DYNAMODB")))) {
                // DynamoDB refuses every write as an IAM mistake or bad credentials would; reads pass.
                for (String write : List.of("PutItem", "BatchWriteItem", "UpdateItem")) {
                    proxy.answerError(write, 400, refusal);
                }
                JsonNode response = postTo(Map.of("AWS_ENDPOINT_URL_DYNAMODB", proxy.endpoint().toString()), body);
                assertTrue(proxy.faulted() > 0, refusal + " was never answered");
                assertRedeliveredAfterTheFix(body, message, refusal.toLowerCase(java.util.Locale.ROOT), response);
            }
        }
    }

    // ---- refs -----------------------------------------------------------------------------

    @Test
    void anUnsignedTakeoverIsRefusedUnderFirstAllowedUnderLatestAndIgnoredUnderNever() {
        String firstPage = page;
        putPageSecret(firstPage, "secret-first", null, null); // default: first
        assertReceived(post(payload(referral("7600001", "uuid=victim", 1795255700000L))));
        assertReceived(post(payload(referral("7600666", "uuid=victim", 1795255700100L))));
        assertEquals(Optional.of("7600001"), bindings.psidFor(firstPage, "uuid:victim"), "first: no takeover");
        // The owner's own newer visit refreshes the binding.
        assertReceived(post(payload(referral("7600001", "uuid=victim", 1795255700200L))));
        assertEquals(Optional.of("7600001"), bindings.psidFor(firstPage, "uuid:victim"));

        page = newPage();
        putPageSecret(page, "secret-latest", null, "latest");
        assertReceived(post(payload(referral("7600001", "uuid=victim", 1795255700000L))));
        assertReceived(post(payload(referral("7600666", "uuid=victim", 1795255700100L))));
        assertEquals(Optional.of("7600666"), bindings.psidFor(page, "uuid:victim"), "latest: replaced");

        page = newPage();
        putPageSecret(page, "secret-never", null, "never");
        assertReceived(post(payload(referral("7600001", "uuid=victim", 1795255700000L))));
        assertEquals(Optional.empty(), bindings.psidFor(page, "uuid:victim"), "never: unsigned refs bind nothing");
        assertEquals(1, recordsOfPage().size(), "the ref is still recorded");
    }

    @Test
    void signedRefsBindWithTheCurrentOrPreviousSecretOnly() {
        putPageSecret(page, "current-secret", "previous-secret", "never");
        String otherPage = newPage();

        assertReceived(post(payload(referral("7700001", SignedRef.signedRef(page, "signed-user", "current-secret"),
                1795255800000L))));
        assertEquals(Optional.of("7700001"), bindings.psidFor(page, "uuid:signed-user"));

        // A signed ref replaces the binding, whatever unsigned_refs says; the previous key still works.
        assertReceived(post(payload(referral("7700002", SignedRef.signedRef(page, "signed-user", "previous-secret"),
                1795255800100L))));
        assertEquals(Optional.of("7700002"), bindings.psidFor(page, "uuid:signed-user"));

        // Another page's key, the same key for another page id, or a forged signature: nothing.
        assertReceived(post(payload(
                referral("7700666", SignedRef.signedRef(page, "signed-user", "another-pages-secret"), 1795255800200L),
                referral("7700667", SignedRef.signedRef(otherPage, "signed-user", "current-secret"), 1795255800201L),
                referral("7700668", "uuid=signed-user;sig=" + "A".repeat(43), 1795255800202L))));
        assertEquals(Optional.of("7700002"), bindings.psidFor(page, "uuid:signed-user"));
        assertEquals(5, recordsOfPage().size(), "every ref is recorded");
    }

    // ---- quick replies --------------------------------------------------------------------

    @Test
    void aTapBindsOnlyAgainstARecordedOfferOfItsKind() {
        QuickReplyOffers offers = new DynamoQuickReplyOffers(aws.dynamoDb(), aws.tableName("ContactStateTable"));

        // No offer: a text quick reply whose payload looks like a phone binds nothing.
        assertReceived(post(payload(quickReply("7800001", "m_qr-1", "+16505550123", 1795255900000L))));
        assertEquals(Optional.empty(), bindings.psidFor(page, "phone:+16505550123"));

        offers.record(page, "7800001", Set.of(QuickReplyOffers.Kind.PHONE), Set.of(), Instant.now());
        assertReceived(post(payload(
                quickReply("7800001", "m_qr-2", "+1 650 555 0123", 1795255900100L),
                quickReply("7800001", "m_qr-3", "someone@example.com", 1795255900101L),
                quickReply("7800002", "m_qr-4", "+16505550999", 1795255900102L))));
        assertEquals(Optional.of("7800001"), bindings.psidFor(page, "phone:+16505550123"), "offered phone binds");
        assertEquals(Optional.empty(), bindings.psidFor(page, "email:someone@example.com"), "no e-mail offer");
        assertEquals(Optional.empty(), bindings.psidFor(page, "phone:+16505550999"), "offer made to another PSID");

        // A text quick reply sent with the offer: its payload is the developer's data, it never binds.
        offers.record(page, "7800004", Set.of(QuickReplyOffers.Kind.PHONE), Set.of("+16505550142"), Instant.now());
        assertReceived(post(payload(quickReply("7800004", "m_qr-text", "+16505550142", 1795255900150L))));
        assertEquals(Optional.empty(), bindings.psidFor(page, "phone:+16505550142"), "a text quick reply's payload");
        assertReceived(post(payload(quickReply("7800004", "m_qr-own", "+16505550143", 1795255900151L))));
        assertEquals(Optional.of("7800004"), bindings.psidFor(page, "phone:+16505550143"), "the user's own number");

        // An offer older than seven days no longer binds.
        offers.record(page, "7800003", Set.of(QuickReplyOffers.Kind.EMAIL), Set.of(),
                Instant.now().minus(Duration.ofDays(8)));
        assertReceived(post(payload(quickReply("7800003", "m_qr-5", "late@example.com", 1795255900200L))));
        assertEquals(Optional.empty(), bindings.psidFor(page, "email:late@example.com"));
        assertFalse(recordsOfPage().isEmpty());
        assertNotNull(recordsOfPage());
    }
}
