package ai.joinchat.push.worker;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.json.Json;
import ai.joinchat.push.local.aws.faults.FaultProxy;
import ai.joinchat.push.local.aws.junit.LocalAws;
import ai.joinchat.push.local.aws.junit.LocalAwsExtension;
import ai.joinchat.push.local.lambda.SqsEventSourcePoller;
import ai.joinchat.push.message.MessageJson;
import ai.joinchat.push.message.OutboundMessage.TextMessage;
import ai.joinchat.push.observability.JsonLogger;
import ai.joinchat.push.queue.QueuedMessage;
import ai.joinchat.push.queue.SqsOutboundQueue;
import ai.joinchat.push.signature.Sha256;
import ai.joinchat.push.store.DynamoMessageRecords;
import ai.joinchat.push.store.DynamoQuickReplyOffers;
import ai.joinchat.push.store.MessageRecord;
import ai.joinchat.push.store.MessageRecords;
import ai.joinchat.push.store.MessageStatus;
import ai.joinchat.push.store.QuickReplyOffers;
import ai.joinchat.push.testing.StreamHandlers;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.exactly;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How the worker recovers from a dependency failing at the wrong moment, through
 * {@link WorkerHandler#handleRequest} on the local backends (as {@link WorkerIntegrationTest}),
 * with a {@link FaultProxy} between the worker and DynamoDB Local, the in-JVM Secrets Manager's
 * failure switch, and both of the worker's event sources (the queue and its dead-letter queue).
 */
@ExtendWith(LocalAwsExtension.class)
class WorkerRecoveryOnLocalBackendsTest {

    private static final String TOKEN = "recovery-page-token-not-real";
    private static final String APP_SECRET = "recovery-app-secret-0123456789";
    private static final AtomicInteger PAGE_IDS = new AtomicInteger();
    /** The UpdateExpression of markSent, and of no other worker write. */
    private static final String MARK_SENT = "#status = :sent";

    @RegisterExtension
    static final WireMockExtension graph = WireMockExtension.newInstance().options(options().dynamicPort()).build();

    private final LocalAws aws;
    private final ByteArrayOutputStream output = new ByteArrayOutputStream();
    private FaultProxy dynamo;
    private String pageId;
    private String messagesPath;
    private MessageRecords records;
    private SqsOutboundQueue queue;
    private SqsEventSourcePoller poller;
    private SqsEventSourcePoller deadLetterPoller;

    WorkerRecoveryOnLocalBackendsTest(LocalAws aws) {
        this.aws = aws;
    }

    @BeforeEach
    void setUp() {
        aws.purge("MessageQueue");
        aws.purge("MessageDeadLetterQueue");
        pageId = Long.toString(8_000_000_000L + PAGE_IDS.incrementAndGet() * 1000L + (System.nanoTime() % 1000));
        messagesPath = "/v25.0/" + pageId + "/messages";
        aws.putPageSecret(pageId, "api-secret", TOKEN, null);
        aws.putAppSecret(APP_SECRET, "verify-token");

        dynamo = FaultProxy.start(URI.create(aws.backends().awsEnvironment().get("AWS_ENDPOINT_URL_DYNAMODB")));
        Map<String, String> env = new HashMap<>(aws.functionEnvironment("WorkerFunction"));
        env.put("GRAPH_API_BASE_URL", graph.baseUrl());
        env.put("AWS_ENDPOINT_URL_DYNAMODB", dynamo.endpoint().toString());
        // The worker's logs and metrics (EMF) go to System.out, as in Lambda: keep a copy to read.
        PrintStream original = System.out;
        System.setOut(new PrintStream(new Tee(original, output), true, StandardCharsets.UTF_8));
        WorkerHandler handler;
        try {
            handler = new WorkerHandler(WorkerComponents.create(env, Clock.systemUTC(), Duration.ofMillis(2000),
                DeliveryPolicy.DEFAULT_CLAIM_LEASE));
        } finally {
            System.setOut(original);
        }

        records = new DynamoMessageRecords(aws.dynamoDb(), aws.tableName("MessagesTable"), Duration.ofDays(30));
        queue = new SqsOutboundQueue(aws.sqs(), aws.queueUrl("MessageQueue"));
        JsonLogger pollerLog = new JsonLogger("sqs-event-source", "WARN");
        poller = new SqsEventSourcePoller(aws.sqs(), aws.queueUrl("MessageQueue"), aws.stack().queueArn("MessageQueue"),
                10, event -> StreamHandlers.invoke(handler, event, null), pollerLog, Duration.ZERO);
        deadLetterPoller = new SqsEventSourcePoller(aws.sqs(), aws.queueUrl("MessageDeadLetterQueue"),
                aws.stack().queueArn("MessageDeadLetterQueue"), 10, event -> StreamHandlers.invoke(handler, event, null),
                pollerLog, Duration.ZERO);
    }

    @AfterEach
    void tearDown() {
        poller.close();
        deadLetterPoller.close();
        dynamo.close();
    }

    /** Records, commits and enqueues a text message, as the send API does. */
    private QueuedMessage accept(JsonNode content) {
        QueuedMessage message = new QueuedMessage(UUID.randomUUID().toString(), pageId,
                WorkerFixture.recipient("id", "24681357"), MessageJson.read("text", content), "UPDATE", null, List.of(), Instant.now(),
                Instant.now().plusSeconds(10), null, null, null);
        records.createPending(MessageRecord.pending(message.messageId(), pageId, message.recipient(), "text",
                List.of(), Instant.now(), message.decideBy()), Deadline.none());
        assertEquals(MessageRecords.Decision.COMMITTED, records.commit(message.messageId(), Deadline.none()));
        queue.enqueue(message, 0, Deadline.none());
        return message;
    }

    private QueuedMessage accept(String text) {
        return accept(Json.object().put("template_type", "text").put("text", text));
    }

    private MessageRecord record(QueuedMessage message) {
        return records.find(message.messageId(), Deadline.none()).orElseThrow();
    }

    private String output() {
        return output.toString(StandardCharsets.UTF_8);
    }

    // ---- Graph accepted it, the sent record could not be written ----------------------------------

    @Test
    void markSentFailingAfterGraphAcceptedItRecordsSentAndTheOffersThroughACopyWithoutSendingAgain() {
        graph.stubFor(post(urlPathEqualTo(messagesPath))
                .willReturn(okJson("{\"recipient_id\":\"24681357\",\"message_id\":\"m_recorded_late\"}")));
        ObjectNode content = Json.object().put("template_type", "text").put("text", "May we call you?");
        content.putArray("quick_replies").addObject().put("content_type", "user_phone_number");
        QueuedMessage message = accept(content);

        dynamo.fail("UpdateItem", MARK_SENT, FaultProxy.Fault.ERROR);
        assertEquals(1, poller.pollOnce(Duration.ofSeconds(1)));
        assertEquals(MessageStatus.SENDING, record(message).status(), "DynamoDB refused the sent write");
        graph.verify(exactly(1), postRequestedFor(urlPathEqualTo(messagesPath)));

        dynamo.clear();
        // The copy is delayed a moment (DynamoDB gets time to recover), then only records.
        assertEquals(1, poller.pollOnce(Duration.ofSeconds(5)), "a copy that records the send was queued");
        MessageRecord sent = record(message);
        assertEquals(MessageStatus.SENT, sent.status());
        assertEquals("m_recorded_late", sent.facebookMessageId());
        assertEquals("24681357", sent.psid());
        QuickReplyOffers.Offer offer = new QuickReplyOffers.Offer(pageId, "24681357", QuickReplyOffers.Kind.PHONE);
        assertEquals(Set.of(offer), new DynamoQuickReplyOffers(aws.dynamoDb(), aws.tableName("ContactStateTable"))
                .live(List.of(offer), Instant.now(), Deadline.none()), "the phone offer is recorded, so a tap can bind");
        graph.verify(exactly(1), postRequestedFor(urlPathEqualTo(messagesPath)));
        assertEquals(0, poller.pollOnce(Duration.ZERO));
        assertTrue(output().contains("\"SentRecordsRequeued\":1") && output().contains("\"SentRecordedLate\":1"),
                "the operator sees both steps");
    }

    @Test
    void aCopyThatCannotRecordOnItsLastReceiveIsRecordedSentFromTheDeadLetterQueueNeverFailed() {
        graph.stubFor(post(urlPathEqualTo(messagesPath))
                .willReturn(okJson("{\"recipient_id\":\"24681357\",\"message_id\":\"m_dead_lettered\"}")));
        QueuedMessage message = accept("Hello");
        dynamo.fail("UpdateItem", MARK_SENT, FaultProxy.Fault.ERROR);
        assertEquals(1, poller.pollOnce(Duration.ofSeconds(1)));

        // DynamoDB stays down for the sent write through every receive of the copy.
        int receives = Integer.parseInt(aws.functionEnvironment("WorkerFunction").get("MAX_RECEIVE_COUNT"));
        for (int receive = 1; receive <= receives; receive++) {
            assertEquals(1, poller.pollOnce(Duration.ofSeconds(5)), "receive " + receive + " of the copy");
            assertEquals(MessageStatus.SENDING, record(message).status(), "never failed: Facebook has it");
        }
        assertEquals(0, poller.pollOnce(Duration.ofSeconds(1)), "the copy was dead-lettered");

        dynamo.clear();
        assertEquals(1, deadLetterPoller.pollOnce(Duration.ofSeconds(1)));
        assertEquals(MessageStatus.SENT, record(message).status());
        assertEquals("m_dead_lettered", record(message).facebookMessageId());
        graph.verify(exactly(1), postRequestedFor(urlPathEqualTo(messagesPath)));
    }

    // ---- an unreadable record in the dead-letter queue -------------------------------------------

    @Test
    void anUnreadableDeadLetterIsCountedLoggedWithoutItsBodyAndItsMessageRecordedFailed() {
        QueuedMessage message = new QueuedMessage(UUID.randomUUID().toString(), pageId,
                WorkerFixture.recipient("id", "24681357"), new TextMessage("x", List.of()), "UPDATE", null,
                List.of(), Instant.now(), Instant.now().plusSeconds(10), null, null, null);
        records.createPending(MessageRecord.pending(message.messageId(), pageId, message.recipient(), "text",
                List.of(), Instant.now(), message.decideBy()), Deadline.none());
        records.commit(message.messageId(), Deadline.none());
        String secretBody = "{\"v\":99,\"secret_looking_body\":\"do-not-log-me\"}";
        Map<String, MessageAttributeValue> attributes = Map.of("message_id",
                MessageAttributeValue.builder().dataType("String").stringValue(message.messageId()).build());
        aws.sqs().sendMessage(r -> r.queueUrl(aws.queueUrl("MessageDeadLetterQueue")).messageBody(secretBody)
                .messageAttributes(attributes));
        aws.sqs().sendMessage(r -> r.queueUrl(aws.queueUrl("MessageDeadLetterQueue")).messageBody("not even json"));

        int received = 0;
        while (received < 2) {
            int batch = deadLetterPoller.pollOnce(Duration.ofSeconds(1));
            assertTrue(batch > 0, "both dead letters are received");
            received += batch;
        }

        MessageRecord failed = record(message);
        assertEquals(MessageStatus.FAILED, failed.status());
        assertEquals("unreadable_message", failed.error().code());
        assertTrue(failed.error().retryable());
        assertEquals(0, deadLetterPoller.pollOnce(Duration.ZERO), "both are deleted");
        String output = output();
        // One metric document per invocation: the two may arrive in one batch or in two.
        assertEquals(2, Pattern.compile("\"DeadLettersUnreadable\":(\\d+)").matcher(output).results()
                .mapToInt(m -> Integer.parseInt(m.group(1))).sum(), "each one is counted");
        assertEquals(2, output.lines().filter(l -> l.contains("\"event\":\"unreadable_dead_letter\"")).count());
        assertFalse(output.contains("do-not-log-me") || output.contains("not even json"), "no body is logged");
    }

    // ---- Secrets Manager down while a rotated token is fetched --------------------------------

    @Test
    void aSecretsManagerBlipWhileRefreshingARotatedTokenIsRetriedLaterNeverFailed() {
        String oldProof = Sha256.appSecretProof(TOKEN, APP_SECRET);
        graph.stubFor(post(urlPathEqualTo(messagesPath)).withQueryParam("appsecret_proof", equalTo(oldProof))
                .willReturn(okJson("{\"recipient_id\":\"24681357\",\"message_id\":\"m_before_rotation\"}")));
        QueuedMessage first = accept("cache the token");
        assertEquals(1, poller.pollOnce(Duration.ofSeconds(1)));
        assertEquals(MessageStatus.SENT, record(first).status(), "the worker now caches the old token");

        // The operator rotates the token; the worker's cache still holds the old one, which Graph now refuses.
        String newToken = "rotated-during-blip";
        aws.putPageSecret(pageId, "api-secret", newToken, null);
        graph.resetAll();
        graph.stubFor(post(urlPathEqualTo(messagesPath)).withQueryParam("appsecret_proof", equalTo(oldProof))
                .willReturn(aResponse().withStatus(400).withHeader("Content-Type", "application/json")
                        .withBody("{\"error\":{\"message\":\"Error validating access token: Session has expired\","
                                + "\"type\":\"OAuthException\",\"code\":190,\"fbtrace_id\":\"Blip\"}}")));
        graph.stubFor(post(urlPathEqualTo(messagesPath)).withQueryParam("appsecret_proof",
                        equalTo(Sha256.appSecretProof(newToken, APP_SECRET)))
                .willReturn(okJson("{\"recipient_id\":\"24681357\",\"message_id\":\"m_after_blip\"}")));

        QueuedMessage message = accept("Hello after rotation");
        var secretsManager = aws.secretsManagerControls().orElseThrow();
        secretsManager.failRequests(true);
        try {
            assertEquals(1, poller.pollOnce(Duration.ofSeconds(1)));
        } finally {
            secretsManager.failRequests(false);
        }
        MessageRecord retrying = record(message);
        assertEquals(MessageStatus.QUEUED, retrying.status(), "not failed for good: " + retrying.error());
        assertEquals("190", retrying.error().code());
        assertTrue(retrying.error().retryable());

        assertEquals(1, poller.pollOnce(Duration.ofSeconds(1)), "SQS redelivers it");
        MessageRecord sent = record(message);
        assertEquals(MessageStatus.SENT, sent.status(), "sent with the rotated token: " + sent.error());
        assertEquals("m_after_blip", sent.facebookMessageId());
        graph.verify(exactly(1), postRequestedFor(urlPathEqualTo(messagesPath))
                .withHeader("Authorization", equalTo("Bearer " + newToken)));
    }

    /** Writes to both streams. */
    private static final class Tee extends OutputStream {
        private final OutputStream first;
        private final OutputStream second;

        Tee(OutputStream first, OutputStream second) {
            this.first = first;
            this.second = second;
        }

        @Override
        public void write(int b) throws java.io.IOException {
            first.write(b);
            synchronized (second) {
                second.write(b);
            }
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws java.io.IOException {
            first.write(bytes, offset, length);
            synchronized (second) {
                second.write(bytes, offset, length);
            }
        }
    }
}
