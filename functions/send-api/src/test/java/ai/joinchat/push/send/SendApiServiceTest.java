package ai.joinchat.push.send;

import ai.joinchat.push.store.DeliveryError;
import ai.joinchat.push.Deadline;
import ai.joinchat.push.DependencyUnavailableException;
import ai.joinchat.push.http.HttpApiRequest;
import ai.joinchat.push.http.HttpApiResponse;
import ai.joinchat.push.json.Json;
import ai.joinchat.push.testing.InMemoryContactBindings;
import ai.joinchat.push.testing.InMemoryMessageRecords;
import ai.joinchat.push.observability.JsonLogger;
import ai.joinchat.push.observability.Metrics;
import ai.joinchat.push.queue.OutboundQueue;
import ai.joinchat.push.queue.QueuedMessage;
import ai.joinchat.push.send.request.SendRequestValidator;
import ai.joinchat.push.send.request.TagPolicy;
import ai.joinchat.push.secrets.SecretsProvider;
import ai.joinchat.push.signature.Sha256;
import ai.joinchat.push.signature.SignatureVerifier;
import ai.joinchat.push.request.Recipient;
import ai.joinchat.push.request.RecipientType;
import ai.joinchat.push.send.store.DynamoIdempotencyKeys;
import ai.joinchat.push.store.DynamoMessageRecords;
import ai.joinchat.push.store.Inputs;
import ai.joinchat.push.store.Lifecycle.Transition;
import ai.joinchat.push.send.store.IdempotencyKeys;
import ai.joinchat.push.store.MessageRecord;
import ai.joinchat.push.store.MessageStatus;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsResponse;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The send path's failure handling, with in-memory stand-ins for AWS. */
class SendApiServiceTest {

    private static final String SECRET = "unit-secret";
    private static final String BODY = "{\"page_id\":\"42\",\"recipient\":{\"id\":\"777\"},"
            + "\"message\":{\"template_type\":\"text\",\"text\":\"hi\"}}";

    private final InMemoryMessageRecords records = new InMemoryMessageRecords();
    private final List<QueuedMessage> queued = new ArrayList<>();
    private final Map<String, IdempotencyKeys.Reservation> keys = new HashMap<>();
    private final AtomicInteger ids = new AtomicInteger();
    private boolean queueDown;
    private boolean keysUnreadable;
    private final ByteArrayOutputStream logs = new ByteArrayOutputStream();
    private final Clock clock = Clock.fixed(Instant.parse("2026-11-21T10:00:00Z"), ZoneOffset.UTC);

    private final SignedRequestAuthenticator authenticator = new SignedRequestAuthenticator(
            new SecretsProvider(id -> id.equals("pages/42")
                    ? Optional.of("{\"api_secret\":\"" + SECRET + "\",\"page_access_token\":\"t\"}")
                    : Optional.empty(), "pages/", "app", new JsonLogger("secrets", "WARN")),
            new SignatureVerifier(), Clock.systemUTC());
    private final JsonLogger log =
            new JsonLogger("test", JsonLogger.Level.DEBUG, new PrintStream(logs, true, StandardCharsets.UTF_8), clock);
    private final Metrics metrics =
            new Metrics("test", new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), clock);

    private final SendApiService service = service(
            authenticator,
            new SendRequestValidator(TagPolicy.fromSetting("drop")),
            records, new FakeKeys(), new FakeQueue(), Executors.newSingleThreadExecutor(), clock,
            () -> "msg-" + ids.incrementAndGet(), log, metrics,
            new BindingsImportService(new InMemoryContactBindings(), clock, log, metrics, NoReplayProtection.keys()));

    @Test
    void sqsFailureAnswers503AndRejectsTheRecord() {
        queueDown = true;
        HttpApiResponse response = handle(service, signed(BODY, Map.of()));
        assertEquals(503, response.statusCode());
        assertEquals("unavailable", Json.parse(response.body()).path("error").path("code").asText());
        assertTrue(response.headers().containsKey("retry-after"));
        assertEquals(MessageStatus.REJECTED, records.get("msg-1").status(),
                "a copy SQS may hold despite the failure is never delivered");
        assertTrue(queued.isEmpty());
    }

    @Test
    void recordFailureAnswers503AndLeavesARejectedTombstone() {
        records.failing.add("createPending");
        HttpApiResponse response = handle(service, signed(BODY, Map.of()));
        assertEquals(503, response.statusCode());
        assertEquals(MessageStatus.REJECTED, records.get("msg-1").status(),
                "the message SQS took is dropped by the worker");
    }

    @Test
    void messageWithoutAKeyIsAnswered202OnceItsRecordAndCopyExist() {
        HttpApiResponse response = handle(service, signed(BODY, Map.of()));
        assertEquals(202, response.statusCode());
        assertEquals(MessageStatus.PENDING, records.get("msg-1").status(),
                "no commit needed: the worker sends a pending record whose copy it holds");
        assertEquals(1, queued.size());
    }

    @Test
    void messageWithAKeyIsCommittedBeforeTheAnswer() {
        HttpApiResponse response = handle(service, signed(BODY, Map.of("Idempotency-Key", "k1")));
        assertEquals(202, response.statusCode());
        assertEquals(MessageStatus.QUEUED, records.get("msg-1").status(),
                "a retry with the key can tell it was answered");
        assertEquals(null, records.get("msg-1").decideBy());
    }

    @Test
    void failedSendLeavesTheKeyToARetry() {
        queueDown = true;
        assertEquals(503, handle(service, signed(BODY, Map.of("Idempotency-Key", "k2"))).statusCode());
        queueDown = false;
        HttpApiResponse retry = handle(service, signed(BODY, Map.of("Idempotency-Key", "k2")));
        assertEquals(202, retry.statusCode());
        assertEquals("msg-2", Json.parse(retry.body()).path("message_id").asText());
        assertEquals(1, queued.size());
        assertEquals(MessageStatus.REJECTED, records.get("msg-1").status());
    }

    @Test
    void retryTakesOverTheKeyOfAPendingMessageWhoseRequestMayStillBeAlive() {
        holdKeyFor("lost", clock.instant().plusSeconds(5));
        HttpApiResponse retry = handle(service, signed(BODY, Map.of("Idempotency-Key", "k3")));
        assertEquals(202, retry.statusCode());
        assertEquals("msg-1", Json.parse(retry.body()).path("message_id").asText());
        assertEquals(MessageStatus.REJECTED, records.get("lost").status(), "exactly one of the two is delivered");
        assertEquals("msg-1", keys.get("42#k3").messageId());
    }

    @Test
    void retryNeverAnswersAPendingMessageEvenAnOverdueOne() {
        holdKeyFor("lost", clock.instant().minusSeconds(5));
        HttpApiResponse retry = handle(service, signed(BODY, Map.of("Idempotency-Key", "k3")));
        assertEquals(202, retry.statusCode());
        assertEquals("msg-1", Json.parse(retry.body()).path("message_id").asText(),
                "SQS may hold no copy of a pending message: the retry sends its own");
        assertEquals(MessageStatus.REJECTED, records.get("lost").status());
        assertEquals(MessageStatus.QUEUED, records.get("msg-1").status());
    }

    @Test
    void retryAnswersACommittedMessageAndQueuesNothing() {
        holdKeyFor("lost", clock.instant().plusSeconds(5));
        records.commit("lost", Deadline.none());
        HttpApiResponse retry = handle(service, signed(BODY, Map.of("Idempotency-Key", "k3")));
        assertEquals(202, retry.statusCode());
        assertEquals("lost", Json.parse(retry.body()).path("message_id").asText());
        assertTrue(records.find("msg-1").isEmpty(), "the retry wrote nothing");
        assertTrue(queued.isEmpty(), "and enqueued nothing");
    }

    @Test
    void sameKeyWithAnotherBodyIs409() {
        holdKeyFor("lost", clock.instant().minusSeconds(5));
        String other = BODY.replace("hi", "other");
        HttpApiResponse response = handle(service, signed(other, Map.of("Idempotency-Key", "k3")));
        assertEquals(409, response.statusCode());
        assertEquals(MessageStatus.PENDING, records.get("lost").status(), "a conflict changes nothing");
    }

    @Test
    void commitAndRejectionBothFailingIs500OutcomeUnknownNever503() {
        records.failing.add("commit");
        records.failing.add("reject");
        HttpApiResponse response = service.handle(signed(BODY, Map.of("Idempotency-Key", "k4")),
                Deadline.in(Duration.ofMillis(300)),
                clock.instant().plusSeconds(1));
        assertEquals(500, response.statusCode(), "503 would promise a non-delivery nobody can guarantee");
        assertTrue(response.body().contains("same Idempotency-Key"), response.body());
        assertEquals(MessageStatus.PENDING, records.get("msg-1").status(),
                "left pending: the worker sends it (it holds the copy) unless a retry with the key rejects it first");
    }

    @Test
    void keyedRetryWhoseEarlierMessageCannotBeReadAnswers500NeverA503() {
        holdKeyFor("earlier", clock.instant().plusSeconds(5));
        records.commit("earlier", Deadline.none());
        records.failing.add("find");
        HttpApiResponse retry = handle(service, signed(BODY, Map.of("Idempotency-Key", "k3")));
        assertEquals(500, retry.statusCode(), "the earlier message may be owed a delivery: " + retry.body());
        assertTrue(retry.body().contains("same Idempotency-Key"), retry.body());
        assertTrue(queued.isEmpty(), "nothing enqueued");
    }

    @Test
    void keyedRejectionWhoseKeysCannotBeReadAgainAnswers500() {
        queueDown = true;
        keysUnreadable = true;
        HttpApiResponse response = handle(service, signed(BODY, Map.of("Idempotency-Key", "k9")));
        assertEquals(500, response.statusCode(), "a 503 needs the keys to say no owed message holds them: "
                + response.body());
        assertEquals(MessageStatus.REJECTED, records.get("msg-1").status(), "its own message is never delivered");
    }

    @Test
    void noKeyDoubleFailureAnswers500NamingTheMessageNotAKey() {
        queueDown = true;
        records.failing.add("reject");
        HttpApiResponse response = service.handle(signed(BODY, Map.of()), Deadline.in(Duration.ofMillis(300)),
                clock.instant().plusSeconds(1));
        assertEquals(500, response.statusCode());
        String message = Json.parse(response.body()).path("error").path("message").asText();
        assertFalse(message.contains("Idempotency-Key"), message);
        assertTrue(message.contains("msg-1"), message);
    }

    @Test
    void statusOfAPendingRecordNoWorkerClaimedLongAfterItsDecisionIsFailed() {
        records.put(MessageRecord.pending("orphan", "42", new Recipient(RecipientType.ID, "777"), "text", List.of(),
                clock.instant().minus(Duration.ofHours(2)), clock.instant().minus(Duration.ofHours(2))));
        records.put(MessageRecord.pending("recent", "42", new Recipient(RecipientType.ID, "777"), "text", List.of(),
                clock.instant().minusSeconds(30), clock.instant().minusSeconds(20)));
        JsonNode orphan = Json.parse(handle(service, signedStatus("orphan")).body());
        assertEquals("failed", orphan.path("status").asText(), orphan.toString());
        assertEquals("not_enqueued", orphan.path("error").path("code").asText());
        assertEquals(MessageStatus.FAILED, records.get("orphan").status(), "a worker's claim now finds it failed");
        assertEquals("queued", Json.parse(handle(service, signedStatus("recent")).body()).path("status").asText(),
                "a worker may still take it");
    }

    @Test
    void commitFailureWithARejectionAnswers503() {
        records.failing.add("commit");
        HttpApiResponse response = handle(service, signed(BODY, Map.of("Idempotency-Key", "k5")));
        assertEquals(503, response.statusCode());
        assertEquals(MessageStatus.REJECTED, records.get("msg-1").status());
    }

    @Test
    void statusOfAPendingMessageIsQueuedAndOfARejectedOneIsNotFound() {
        holdKeyFor("lost", clock.instant().plusSeconds(5));
        records.put(new MessageRecord("gone", "42", null, null, MessageStatus.REJECTED, 0, clock.instant(),
                clock.instant(), null, null, null, null, null, null, null, null, false));
        assertEquals("queued", Json.parse(handle(service, signedStatus("lost")).body()).path("status").asText());
        assertEquals(404, handle(service, signedStatus("gone")).statusCode());
    }

    private void holdKeyFor(String messageId, Instant decideBy) {
        records.put(MessageRecord.pending(messageId, "42", new Recipient(RecipientType.ID, "777"), "text", List.of(),
                clock.instant().minusSeconds(10), decideBy));
        keys.put("42#k3", new IdempotencyKeys.Reservation(Sha256.hex(BODY.getBytes(StandardCharsets.UTF_8)),
                messageId, "{\"message_id\":\"" + messageId + "\",\"status\":\"queued\",\"warnings\":[]}"));
    }

    private HttpApiRequest signedStatus(String messageId) {
        String body = "{\"page_id\":\"42\",\"message_id\":\"" + messageId + "\"}";
        byte[] raw = body.getBytes(StandardCharsets.UTF_8);
        return new HttpApiRequest("POST", "/api/message_status",
                Map.of("x-joinchat-signature", new SignatureVerifier().sign(raw, SECRET)), Map.of(), raw);
    }

    private static final DeliveryError REFUSED = new DeliveryError("2", null, "(#2) Service temporarily unavailable",
            true);

    /** A message accepted, claimed, and failed by Facebook's refusal of its last attempt: resendable. */
    private String failedResendable() {
        HttpApiResponse accepted = handle(service, signed(BODY, Map.of()));
        String id = Json.parse(accepted.body()).path("message_id").asText();
        records.claim(id, clock.instant(), java.time.Duration.ofSeconds(30), null, Deadline.none());
        records.run(Transition.MARK_FAILED_RESENDABLE, id,
                Inputs.at(clock.instant()).withError(REFUSED).withResendBody(queued.get(queued.size() - 1).toJson()),
                Deadline.none());
        return id;
    }

    private HttpApiRequest signedResend(String messageId) {
        String body = "{\"page_id\":\"42\",\"message_id\":\"" + messageId + "\"}";
        byte[] raw = body.getBytes(StandardCharsets.UTF_8);
        return new HttpApiRequest("POST", "/api/resend_message",
                Map.of("x-joinchat-signature", new SignatureVerifier().sign(raw, SECRET)), Map.of(), raw);
    }

    @Test
    void aResendableFailedMessageIsResentOnceUnderItsIdAndAnotherResendIsRefused() {
        String id = failedResendable();
        JsonNode status = Json.parse(handle(service, signedStatus(id)).body());
        assertEquals("failed", status.path("status").asText());
        assertTrue(status.path("resendable").asBoolean(), status.toString());

        HttpApiResponse resent = handle(service, signedResend(id));
        assertEquals(202, resent.statusCode(), resent.body());
        assertEquals(id, Json.parse(resent.body()).path("message_id").asText());
        assertEquals(2, queued.size());
        QueuedMessage copy = queued.get(1);
        assertEquals(id, copy.messageId());
        assertEquals(queued.get(0).message(), copy.message());
        assertEquals(MessageStatus.PENDING, records.get(id).status(), "the worker's claim of the copy commits it");
        assertEquals("queued", Json.parse(handle(service, signedStatus(id)).body()).path("status").asText());

        HttpApiResponse again = handle(service, signedResend(id));
        assertEquals(409, again.statusCode());
        assertEquals("not_resendable", Json.parse(again.body()).path("error").path("code").asText());
        assertEquals(2, queued.size(), "never a second copy");
        assertEquals(404, handle(service, signedResend("no-such-message")).statusCode());
    }

    @Test
    void aResendSqsRefusedAnswers503AndLeavesTheMessageFailedAndResendable() {
        String id = failedResendable();
        queueDown = true;
        HttpApiResponse response = handle(service, signedResend(id));
        assertEquals(503, response.statusCode(), response.body());
        MessageRecord record = records.get(id);
        assertEquals(MessageStatus.FAILED, record.status());
        assertEquals(REFUSED, record.error(), "the failure it had, not the resend's");
        assertTrue(record.resendable());
        queueDown = false;
        assertEquals(202, handle(service, signedResend(id)).statusCode());
    }

    @Test
    void aResendWhoseInvocationDiedBeforeQueueingIsSettledFailedAndResendableAgain() {
        String id = failedResendable();
        // The resend's invocation died after its conditional write and before SendMessage: no copy anywhere.
        records.resend(id, "42", clock.instant().minus(java.time.Duration.ofHours(2)),
                clock.instant().minus(java.time.Duration.ofHours(2)), Deadline.none()).orElseThrow();
        assertEquals(MessageStatus.PENDING, records.get(id).status());

        JsonNode status = Json.parse(handle(service, signedStatus(id)).body());
        assertEquals("failed", status.path("status").asText(), status.toString());
        assertTrue(status.path("resendable").asBoolean(), "its copy is still kept: " + status);
        assertEquals(202, handle(service, signedResend(id)).statusCode());
        assertEquals(2, queued.size(), "the first copy, then the resend's only one");
    }

    @Test
    void aFailedMessageFacebookMayHaveIsNotResendable() {
        HttpApiResponse accepted = handle(service, signed(BODY, Map.of()));
        String id = Json.parse(accepted.body()).path("message_id").asText();
        records.claim(id, clock.instant(), java.time.Duration.ofSeconds(30), null, Deadline.none());
        records.run(Transition.MARK_FAILED, id, Inputs.at(clock.instant()).withError(REFUSED), Deadline.none());
        assertFalse(Json.parse(handle(service, signedStatus(id)).body()).path("resendable").asBoolean(true));
        HttpApiResponse response = handle(service, signedResend(id));
        assertEquals(409, response.statusCode());
        assertTrue(response.body().contains("twice"), response.body());
    }

    @Test
    void acceptedMessageIsLoggedWithItsIdAndWithoutTheSecret() {
        HttpApiResponse response = handle(service, signed(BODY, Map.of()));
        assertEquals(202, response.statusCode());
        String log = logs.toString(StandardCharsets.UTF_8);
        assertTrue(log.contains("\"message_id\":\"msg-1\""), log);
        assertFalse(log.contains(SECRET));
        for (String line : log.split("\n")) {
            assertTrue(Json.parse(line).isObject(), "every log line is one JSON object: " + line);
        }
    }

    @Test
    void keyHeldByAnUnreadableMessageAnswers500NotA503() {
        // DynamoDB refuses the key without returning the old item, and the fallback read then fails.
        DynamoDbClient dynamo = new DynamoDbClient() {
            @Override
            public TransactWriteItemsResponse transactWriteItems(TransactWriteItemsRequest request) {
                throw TransactionCanceledException.builder().message("cancelled").cancellationReasons(
                        CancellationReason.builder().code("None").build(),
                        CancellationReason.builder().code("ConditionalCheckFailed").build()).build();
            }

            @Override
            public GetItemResponse getItem(GetItemRequest request) {
                throw SdkClientException.create("connection reset");
            }

            @Override
            public String serviceName() {
                return "dynamodb";
            }

            @Override
            public void close() {
            }
        };
        SendApiService withDynamoKeys = service(
                new SignedRequestAuthenticator(new SecretsProvider(id -> Optional.of("{\"api_secret\":\"" + SECRET
                        + "\",\"page_access_token\":\"t\"}"), "pages/", "app", new JsonLogger("secrets", "WARN")),
                        new SignatureVerifier(), Clock.systemUTC()),
                new SendRequestValidator(TagPolicy.fromSetting("drop")),
                records, new DynamoIdempotencyKeys(dynamo, "keys",
                        new DynamoMessageRecords(dynamo, "messages", java.time.Duration.ofDays(1))),
                new FakeQueue(), Executors.newSingleThreadExecutor(), clock, () -> "msg-x", log, metrics,
                new BindingsImportService(new InMemoryContactBindings(), clock, log, metrics, NoReplayProtection.keys()));
        HttpApiResponse response = handle(withDynamoKeys, signed(BODY, Map.of("Idempotency-Key", "k-read")));
        assertEquals(500, response.statusCode(), "the key's holder may be owed a delivery: " + response.body());
        assertEquals("internal_error", Json.parse(response.body()).path("error").path("code").asText());
        assertTrue(response.body().contains("same Idempotency-Key"), response.body());
    }

    /** The service as SendApiComponents wires it, over these stand-ins. */
    private static SendApiService service(SignedRequestAuthenticator authenticator, SendRequestValidator validator,
                                          InMemoryMessageRecords records, IdempotencyKeys keys, OutboundQueue queue,
                                          ExecutorService executor, Clock clock, Supplier<String> messageIds,
                                          JsonLogger log, Metrics metrics, BindingsImportService bindingsImport) {
        MessageAcceptor acceptor = new MessageAcceptor(records, keys, queue, executor, clock, log, metrics,
                new KeyHolders(records, keys, clock, log, metrics));
        return new SendApiService(authenticator, validator, records, acceptor, queue, clock, messageIds, log, metrics,
                bindingsImport);
    }

    /** As the handler calls it without a Lambda context: the template's timeout, less the answer's reserve. */
    private static HttpApiResponse handle(SendApiService service, HttpApiRequest request) {
        return service.handle(request, Deadline.ofRemaining(SendApiService.DEFAULT_INVOCATION,
                SendApiHandler.ANSWER_RESERVE), service.clock().instant().plus(SendApiService.DEFAULT_INVOCATION));
    }

    private HttpApiRequest signed(String body, Map<String, String> extraHeaders) {
        byte[] raw = body.getBytes(StandardCharsets.UTF_8);
        Map<String, String> headers = new HashMap<>(extraHeaders);
        headers.put("x-joinchat-signature", new SignatureVerifier().sign(raw, SECRET));
        return new HttpApiRequest("POST", "/api/send_message", headers, Map.of(), raw);
    }

    private final class FakeQueue implements OutboundQueue {
        @Override
        public void enqueue(QueuedMessage message, int delaySeconds, Deadline deadline) {
            if (queueDown) {
                throw new DependencyUnavailableException("SQS", null);
            }
            queued.add(message);
        }
    }

    /** The key and the pending record in one step, as the DynamoDB transaction writes them. */
    private final class FakeKeys implements IdempotencyKeys {
        @Override
        public synchronized Claim claim(List<String> requestKeys, Reservation mine, MessageRecord pending,
                                        Optional<String> previousHolder, Instant now, Deadline deadline) {
            String pageId = pending.pageId();
            Map<String, Reservation> held = new java.util.LinkedHashMap<>();
            for (String key : requestKeys) {
                Reservation existing = keys.get(pageId + "#" + key);
                if (existing != null && !previousHolder.equals(Optional.of(existing.messageId()))) {
                    held.put(key, existing);
                }
            }
            if (!held.isEmpty()) {
                return new Claim.Held(held);
            }
            records.createPending(pending, deadline);
            requestKeys.forEach(key -> keys.put(pageId + "#" + key, mine));
            return new Claim.Won();
        }

        @Override
        public synchronized Map<String, Reservation> holders(String pageId, List<String> requestKeys, Instant now,
                                                             Deadline deadline) {
            if (keysUnreadable) {
                throw new DependencyUnavailableException("DynamoDB", null);
            }
            Map<String, Reservation> holders = new java.util.LinkedHashMap<>();
            requestKeys.stream().filter(key -> keys.containsKey(pageId + "#" + key))
                    .forEach(key -> holders.put(key, keys.get(pageId + "#" + key)));
            return holders;
        }
    }
}
