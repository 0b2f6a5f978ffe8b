package ai.joinchat.push.worker;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.json.Json;
import ai.joinchat.push.local.aws.junit.LocalAws;
import ai.joinchat.push.local.aws.junit.LocalAwsExtension;
import ai.joinchat.push.local.lambda.SqsEventSourcePoller;
import ai.joinchat.push.message.OutboundMessage.TextMessage;
import ai.joinchat.push.observability.JsonLogger;
import ai.joinchat.push.queue.QueuedMessage;
import ai.joinchat.push.queue.SqsOutboundQueue;
import ai.joinchat.push.signature.Sha256;
import ai.joinchat.push.store.DeliveryError;
import ai.joinchat.push.store.DynamoContactBindings;
import ai.joinchat.push.store.DynamoMessageRecords;
import ai.joinchat.push.store.Inputs;
import ai.joinchat.push.store.Lifecycle.Transition;
import ai.joinchat.push.store.MessageRecord;
import ai.joinchat.push.store.MessageRecords;
import ai.joinchat.push.store.MessageStatus;
import ai.joinchat.push.testing.StreamHandlers;
import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.services.sqs.model.Message;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.exactly;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The worker through {@link WorkerHandler#handleRequest} on real SQS event JSON, against the
 * local backends with template.yaml provisioned (DynamoDB Local, ElasticMQ with the queue's
 * RedrivePolicy, the local Secrets Manager) and WireMock as the Graph API. Lambda's SQS event
 * source is played by {@link SqsEventSourcePoller} with a zero visibility backoff.
 */
@ExtendWith(LocalAwsExtension.class)
class WorkerIntegrationTest {

    private static final String TOKEN = "integration-page-token-not-real";
    private static final String APP_SECRET = "integration-app-secret-0123456789";
    private static final AtomicInteger PAGE_IDS = new AtomicInteger();

    private static final RateLimitedGraph RATE_LIMIT = new RateLimitedGraph();

    @RegisterExtension
    static final WireMockExtension graph = WireMockExtension.newInstance()
            .options(options().dynamicPort().extensions(RATE_LIMIT)).build();

    private final LocalAws aws;
    private String pageId;
    private String messagesPath;
    private MessageRecords records;
    private SqsOutboundQueue queue;
    private SqsEventSourcePoller poller;
    private int maxReceiveCount;
    private Map<String, String> env;
    /** The worker's clock: the real one, moved on by {@link #clockAhead} (MaxThrottleHours). */
    private volatile Duration clockAhead = Duration.ZERO;

    WorkerIntegrationTest(LocalAws aws) {
        this.aws = aws;
    }

    @BeforeEach
    void setUp() {
        aws.purge("MessageQueue");
        aws.purge("MessageDeadLetterQueue");
        // A page of its own per test: the backends serve every test of the JVM.
        pageId = Long.toString(7_000_000_000L + PAGE_IDS.incrementAndGet() * 1000L + (System.nanoTime() % 1000));
        messagesPath = "/v25.0/" + pageId + "/messages";
        aws.putPageSecret(pageId, "api-secret", TOKEN, null);
        aws.putAppSecret(APP_SECRET, "verify-token");

        env = new HashMap<>(aws.functionEnvironment("WorkerFunction"));
        env.put("GRAPH_API_BASE_URL", graph.baseUrl());
        maxReceiveCount = Integer.parseInt(env.get("MAX_RECEIVE_COUNT"));
        startWorker();
    }

    private void startWorker() {
        if (poller != null) {
            poller.close();
        }
        Clock clock = new Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return java.time.ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return Instant.now().plus(clockAhead);
            }
        };
        // Room for a slow first request on a loaded machine, and still short of the 2.5 s "timeout" stub.
        WorkerHandler handler = new WorkerHandler(WorkerComponents.create(env, clock, Duration.ofMillis(2000),
                DeliveryPolicy.DEFAULT_CLAIM_LEASE));

        records = new DynamoMessageRecords(aws.dynamoDb(), aws.tableName("MessagesTable"), Duration.ofDays(30));
        queue = new SqsOutboundQueue(aws.sqs(), aws.queueUrl("MessageQueue"));
        poller = new SqsEventSourcePoller(aws.sqs(), aws.queueUrl("MessageQueue"),
                aws.stack().queueArn("MessageQueue"), 10,
                event -> StreamHandlers.invoke(handler, event, null), new JsonLogger("sqs-event-source", "WARN"),
                Duration.ZERO);
    }

    /**
     * Lambda's event source with {@code MaximumConcurrency} {@code containers}: that many batches at
     * once, each in a worker container of its own (its own pace cache, executor and clients), as
     * Lambda runs concurrent invocations.
     */
    private void startConcurrentWorkers(int containers) {
        poller.close();
        java.util.concurrent.BlockingQueue<WorkerHandler> idle = new java.util.concurrent.LinkedBlockingQueue<>();
        for (int i = 0; i < containers; i++) {
            idle.add(new WorkerHandler(WorkerComponents.create(env, Clock.systemUTC(), Duration.ofMillis(2000),
                DeliveryPolicy.DEFAULT_CLAIM_LEASE)));
        }
        poller = new SqsEventSourcePoller(aws.sqs(), aws.queueUrl("MessageQueue"),
                aws.stack().queueArn("MessageQueue"), 10, event -> {
                    WorkerHandler container;
                    try {
                        container = idle.take();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException(e);
                    }
                    try {
                        return StreamHandlers.invoke(container, event, null);
                    } finally {
                        idle.add(container);
                    }
                }, new JsonLogger("sqs-event-source", "WARN"), Duration.ZERO, containers);
        poller.start();
    }

    @AfterEach
    void tearDown() {
        poller.close();
        poller = null;
    }

    // ---- helpers ------------------------------------------------------------------------------

    /** Records and enqueues a text message, as the send API does. */
    private QueuedMessage accept(String recipientType, String recipientValue, String text, int delaySeconds) {
        QueuedMessage message = new QueuedMessage(UUID.randomUUID().toString(), pageId,
                WorkerFixture.recipient(recipientType, recipientValue),
                new TextMessage(text, List.of()), "UPDATE",
                null, List.of(), Instant.now(), Instant.now().plusSeconds(10), null, null, null);
        records.createPending(MessageRecord.pending(message.messageId(), pageId, message.recipient(), "text",
                List.of(), Instant.now(), message.decideBy()), Deadline.none());
        assertEquals(MessageRecords.Decision.COMMITTED, records.commit(message.messageId(), Deadline.none()));
        queue.enqueue(message, delaySeconds, Deadline.none());
        return message;
    }

    private QueuedMessage accept(String psid) {
        return accept("id", psid, "Hello from JoinChat", 0);
    }

    private MessageRecord record(QueuedMessage message) {
        return records.find(message.messageId(), Deadline.none()).orElseThrow();
    }

    private void graphAnswers(String psid, String mid) {
        graph.stubFor(post(urlPathEqualTo(messagesPath))
                .willReturn(okJson("{\"recipient_id\":\"" + psid + "\",\"message_id\":\"" + mid + "\"}")));
    }

    private static ResponseDefinitionBuilder graphError(int status, Integer code, Integer subcode) {
        String body = code == null ? "upstream trouble"
                : "{\"error\":{\"message\":\"(#" + code + ") integration error\",\"type\":\"OAuthException\","
                + "\"code\":" + code + (subcode == null ? "" : ",\"error_subcode\":" + subcode)
                + ",\"fbtrace_id\":\"Xyz\"}}";
        return aResponse().withStatus(status).withHeader("Content-Type", "application/json").withBody(body);
    }

    /** Polls until a poll finds the queue empty; returns how many batches were delivered. */
    private int pollUntilEmpty() {
        int batches = 0;
        while (poller.pollOnce(Duration.ZERO) > 0) {
            batches++;
            assertTrue(batches < 50, "the queue does not drain");
        }
        return batches;
    }

    private List<Message> deadLetters() {
        return aws.receiveAll("MessageDeadLetterQueue", 10);
    }

    // ---- tests --------------------------------------------------------------------------------

    @Test
    void deliversAndRecordsFacebooksMessageId() {
        graphAnswers("24681357", "m_integration_1");
        QueuedMessage message = accept("24681357");

        assertEquals(1, poller.pollOnce(Duration.ofSeconds(1)));

        MessageRecord record = record(message);
        assertEquals(MessageStatus.SENT, record.status());
        assertEquals("m_integration_1", record.facebookMessageId());
        assertEquals("24681357", record.psid());
        assertEquals(1, record.attempts());
        graph.verify(exactly(1), postRequestedFor(urlPathEqualTo(messagesPath))
                .withHeader("Authorization", equalTo("Bearer " + TOKEN))
                .withHeader("Content-Type", equalTo("application/json"))
                .withQueryParam("appsecret_proof", equalTo(Sha256.appSecretProof(TOKEN, APP_SECRET)))
                .withRequestBody(equalToJson("{\"recipient\":{\"id\":\"24681357\"},\"messaging_type\":\"UPDATE\","
                        + "\"message\":{\"text\":\"Hello from JoinChat\",\"metadata\":\"" + message.messageId()
                        + "\"}}")));
        assertEquals(0, poller.pollOnce(Duration.ZERO), "the SQS message was deleted");
    }

    @ParameterizedTest(name = "rotated {0}")
    @CsvSource({"page token, 190, Error validating access token: Session has expired",
            "app secret, 100, Invalid appsecret_proof provided in the API argument"})
    void rotatedCredentialsAreFetchedAgainBypassingTheCacheAndTheSendIsRetriedOnce(String what, int code,
                                                                                    String graphMessage) {
        graphAnswers("24681357", "m_before_rotation");
        assertEquals(1, pollUntilEmptyAfter(accept("24681357")), "the secrets are now cached");

        // The operator rotates the credential; the worker's cache still holds the old one.
        boolean token = what.equals("page token");
        String newToken = token ? "rotated-token" : TOKEN;
        String newAppSecret = token ? APP_SECRET : "rotated-app-secret";
        aws.putPageSecret(pageId, "api-secret", newToken, null);
        aws.putAppSecret(newAppSecret, "verify-token");
        graph.resetAll();
        String oldProof = Sha256.appSecretProof(TOKEN, APP_SECRET);
        graph.stubFor(post(urlPathEqualTo(messagesPath)).withQueryParam("appsecret_proof", equalTo(oldProof))
                .willReturn(aResponse().withStatus(400).withHeader("Content-Type", "application/json")
                        .withBody("{\"error\":{\"message\":\"" + graphMessage + "\",\"type\":\"OAuthException\","
                                + "\"code\":" + code + ",\"fbtrace_id\":\"Rot\"}}")));
        String newProof = Sha256.appSecretProof(newToken, newAppSecret);
        graph.stubFor(post(urlPathEqualTo(messagesPath)).withQueryParam("appsecret_proof", equalTo(newProof))
                .willReturn(okJson("{\"recipient_id\":\"24681357\",\"message_id\":\"m_after_rotation\"}")));

        QueuedMessage message = accept("24681357");
        assertEquals(1, poller.pollOnce(Duration.ofSeconds(1)));

        MessageRecord record = record(message);
        assertEquals(MessageStatus.SENT, record.status(), "not failed for good: " + record.error());
        assertEquals("m_after_rotation", record.facebookMessageId());
        graph.verify(exactly(2), postRequestedFor(urlPathEqualTo(messagesPath)));
        graph.verify(exactly(1), postRequestedFor(urlPathEqualTo(messagesPath))
                .withHeader("Authorization", equalTo("Bearer " + newToken)).withQueryParam("appsecret_proof", equalTo(newProof)));
    }

    @Test
    void anInvalidTokenThatDidNotChangeFailsWithoutASecondCall() {
        graph.stubFor(post(urlPathEqualTo(messagesPath)).willReturn(graphError(400, 190, 463)));
        QueuedMessage message = accept("24681357");
        assertEquals(1, poller.pollOnce(Duration.ofSeconds(1)));
        assertEquals(MessageStatus.FAILED, record(message).status());
        assertEquals("190", record(message).error().code());
        graph.verify(exactly(1), postRequestedFor(urlPathEqualTo(messagesPath)));
    }

    private int pollUntilEmptyAfter(QueuedMessage message) {
        return pollUntilEmpty();
    }

    @ParameterizedTest(name = "HTTP {0} code {1}")
    @CsvSource(value = {"500,1", "500,2", "400,341", "400,1200", "500,", "0,timeout"}, nullValues = "")
    void transientFailureIsRetriedThroughSqsAndThenDelivered(int status, String code) {
        String scenario = "transient-" + status + "-" + code;
        ResponseDefinitionBuilder failure = "timeout".equals(code)
                ? okJson("{\"recipient_id\":\"1\",\"message_id\":\"m_too_late\"}").withFixedDelay(2500)
                : graphError(status, code == null ? null : Integer.valueOf(code), null);
        graph.stubFor(post(urlPathEqualTo(messagesPath)).inScenario(scenario)
                .whenScenarioStateIs(Scenario.STARTED).willSetStateTo("recovered").willReturn(failure));
        graph.stubFor(post(urlPathEqualTo(messagesPath)).inScenario(scenario)
                .whenScenarioStateIs("recovered")
                .willReturn(okJson("{\"recipient_id\":\"13572468\",\"message_id\":\"m_after_retry\"}")));
        QueuedMessage message = accept("13572468");

        assertEquals(1, poller.pollOnce(Duration.ofSeconds(1)));
        MessageRecord retrying = record(message);
        // A timeout after the request left is an unknown outcome: it stays sending (an echo may
        // still confirm it) and is sent again at the next attempt only if nothing did.
        assertEquals("timeout".equals(code) ? MessageStatus.SENDING : MessageStatus.QUEUED, retrying.status());
        String expectedCode = "timeout".equals(code) ? "timeout" : code == null ? "http_" + status : code;
        assertEquals(expectedCode, retrying.error().code());
        assertTrue(retrying.error().retryable());

        assertEquals(1, poller.pollOnce(Duration.ofSeconds(1)), "SQS redelivers it");
        MessageRecord sent = record(message);
        assertEquals(MessageStatus.SENT, sent.status());
        assertEquals("m_after_retry", sent.facebookMessageId());
        assertEquals(2, sent.attempts());
        assertNull(sent.error());
        assertEquals(0, poller.pollOnce(Duration.ZERO));
        graph.verify(exactly(2), postRequestedFor(urlPathEqualTo(messagesPath)));
    }

    @ParameterizedTest(name = "HTTP {0} code {1} subcode {2}")
    @CsvSource(value = {"400,100,", "400,10,", "401,190,", "403,200,", "400,551,1545041", "400,613,2018338"},
            nullValues = "")
    void permanentFailureIsRecordedAndNotRetried(int status, int code, Integer subcode) {
        graph.stubFor(post(urlPathEqualTo(messagesPath)).willReturn(graphError(status, code, subcode)));
        QueuedMessage message = accept("11223344");

        assertEquals(1, poller.pollOnce(Duration.ofSeconds(1)));

        MessageRecord record = record(message);
        assertEquals(MessageStatus.FAILED, record.status());
        DeliveryError error = record.error();
        assertEquals(Integer.toString(code), error.code());
        assertEquals(subcode, error.subcode());
        assertEquals("(#" + code + ") integration error", error.message());
        assertFalse(error.retryable());
        assertEquals(0, poller.pollOnce(Duration.ZERO), "acknowledged: SQS does not redeliver it");
        assertEquals(List.of(), deadLetters());
        graph.verify(exactly(1), postRequestedFor(urlPathEqualTo(messagesPath)));
        assertEquals(Integer.toString(code), record.error().code());
    }

    // ---- throttling ---------------------------------------------------------------------------

    /** Accepts a text message to {@code psid} of {@code page}, as the send API does. */
    private QueuedMessage acceptFor(String page, String psid, String text) {
        String saved = pageId;
        pageId = page;
        try {
            return accept("id", psid, text, 0);
        } finally {
            pageId = saved;
        }
    }

    private static String otherPage() {
        return Long.toString(8_000_000_000L + PAGE_IDS.incrementAndGet() * 1000L + (System.nanoTime() % 1000));
    }

    private void awaitAll(List<QueuedMessage> messages, MessageStatus status, Duration limit) throws InterruptedException {
        long until = System.nanoTime() + limit.toNanos();
        for (QueuedMessage message : messages) {
            while (record(message).status() != status) {
                assertTrue(System.nanoTime() < until, message.messageId() + " is " + record(message).status()
                        + " (" + record(message).error() + ")");
                Thread.sleep(50);
            }
        }
    }

    @ParameterizedTest(name = "HTTP {0} code {1} subcode {2}")
    @CsvSource(value = {"400,4,", "400,17,", "400,32,", "400,613,", "400,613,1893016", "400,80001,",
            "400,80006,2446079", "429,,"}, nullValues = "")
    void aThrottledAnswerPutsTheMessageBackQueuedWithoutSpendingAReceiveAndItIsThenSent(int status, Integer code,
                                                                                      Integer subcode) {
        String scenario = "throttled-" + status + "-" + code + "-" + subcode;
        graph.stubFor(post(urlPathEqualTo(messagesPath)).inScenario(scenario)
                .whenScenarioStateIs(Scenario.STARTED).willSetStateTo("recovered")
                .willReturn(graphError(status, code, subcode)));
        graph.stubFor(post(urlPathEqualTo(messagesPath)).inScenario(scenario).whenScenarioStateIs("recovered")
                .willReturn(okJson("{\"recipient_id\":\"13572468\",\"message_id\":\"m_after_throttle\"}")));
        QueuedMessage message = accept("13572468");

        assertEquals(1, poller.pollOnce(Duration.ofSeconds(1)));
        MessageRecord held = record(message);
        assertEquals(MessageStatus.QUEUED, held.status(), "not failed: " + held.error());
        assertEquals(code == null ? "http_429" : code.toString(), held.error().code());
        assertTrue(held.error().retryable());

        List<Message> copies = aws.receiveAll("MessageQueue", 10);
        assertEquals(1, copies.size(), "the original was acknowledged and one fresh copy queued");
        assertEquals("1", copies.get(0).attributesAsStrings().get("ApproximateReceiveCount"),
                "the copy starts a new receive count");
        QueuedMessage copy = QueuedMessage.fromJson(copies.get(0).body());
        assertEquals(message.messageId(), copy.messageId());
        assertTrue(copy.throttledSince() != null && copy.notBefore() != null, copies.get(0).body());
        aws.sqs().changeMessageVisibility(r -> r.queueUrl(aws.queueUrl("MessageQueue"))
                .receiptHandle(copies.get(0).receiptHandle()).visibilityTimeout(0));

        assertEquals(1, poller.pollOnce(Duration.ofSeconds(3)));
        assertEquals(MessageStatus.SENT, record(message).status());
        assertEquals("m_after_throttle", record(message).facebookMessageId());
        assertEquals(0, poller.pollOnce(Duration.ZERO));
        graph.verify(exactly(2), postRequestedFor(urlPathEqualTo(messagesPath)));
    }

    @Test
    void tenThrottledAnswersInARowDoNotUseUpTheFiveReceivesAndTheMessageIsSent() throws InterruptedException {
        String scenario = "throttled-ten-times";
        for (int i = 0; i < 10; i++) {
            graph.stubFor(post(urlPathEqualTo(messagesPath)).inScenario(scenario)
                    .whenScenarioStateIs(i == 0 ? Scenario.STARTED : "throttled-" + i).willSetStateTo("throttled-" + (i + 1))
                    .willReturn(graphError(400, 613, null)));
        }
        graph.stubFor(post(urlPathEqualTo(messagesPath)).inScenario(scenario).whenScenarioStateIs("throttled-10")
                .willReturn(okJson("{\"recipient_id\":\"97531864\",\"message_id\":\"m_after_ten\"}")));
        QueuedMessage message = accept("97531864");
        assertEquals(5, maxReceiveCount);

        poller.start();
        awaitAll(List.of(message), MessageStatus.SENT, Duration.ofSeconds(60));

        assertEquals("m_after_ten", record(message).facebookMessageId());
        graph.verify(exactly(11), postRequestedFor(urlPathEqualTo(messagesPath)));
        assertEquals(List.of(), deadLetters());
    }

    @Test
    void aBurstOf200AboveThePagesRateOf20PerSecondIsDeliveredOnceEachAtCloseToThatRate() throws Exception {
        RATE_LIMIT.limit(pageId, 20);
        graph.stubFor(post(urlPathEqualTo(messagesPath)).willReturn(
                okJson("{\"recipient_id\":\"1\",\"message_id\":\"m_burst\"}").withTransformers(RateLimitedGraph.NAME)));
        List<QueuedMessage> burst = new java.util.ArrayList<>();
        for (int i = 0; i < 200; i++) {
            burst.add(accept("id", Integer.toString(50_000_000 + i), "burst " + i, 0));
        }

        long started = System.nanoTime();
        poller.start();
        awaitAll(burst, MessageStatus.SENT, Duration.ofSeconds(60));
        double seconds = (RATE_LIMIT.lastAcceptedNanos - started) / 1e9;

        double ratio = seconds / 10.0;
        System.out.printf("burst of 200 at 20/s: last delivery after %.2f s, ratio %.2f of 10 s, %d throttled answers%n",
                seconds, ratio, RATE_LIMIT.refused.get());
        for (QueuedMessage message : burst) {
            assertEquals(1, RATE_LIMIT.accepted(message.messageId()), "taken exactly once: " + message.messageId());
        }
        assertEquals(List.of(), deadLetters(), "none failed");
        assertTrue(ratio <= 1.5, "the burst took " + seconds + " s");
    }

    @Test
    void aKeylessMessagePacedPastTheUnclaimedLimitIsStillDeliveredAndItsStatusNeverSaysFailed() throws Exception {
        String scenario = "paced-keyless";
        graph.stubFor(post(urlPathEqualTo(messagesPath)).inScenario(scenario)
                .whenScenarioStateIs(Scenario.STARTED).willSetStateTo("open")
                .willReturn(graphError(400, 613, null).withHeader("Retry-After", "2")));
        graph.stubFor(post(urlPathEqualTo(messagesPath)).inScenario(scenario).whenScenarioStateIs("open")
                .willReturn(okJson("{\"recipient_id\":\"1\",\"message_id\":\"m_keyless\"}")));
        QueuedMessage first = accept("31313131");
        assertEquals(1, poller.pollOnce(Duration.ofSeconds(1)), "the first message is throttled: the page is paced");

        // Accepted without a key: its record stays pending until a worker commits or claims it.
        QueuedMessage keyless = new QueuedMessage(UUID.randomUUID().toString(), pageId,
                WorkerFixture.recipient("id", "32323232"), new TextMessage("no key", List.of()), "UPDATE",
                null, List.of(), Instant.now(), Instant.now().plusSeconds(10), null, null, null);
        records.createPending(MessageRecord.pending(keyless.messageId(), pageId, keyless.recipient(), "text",
                List.of(), Instant.now(), keyless.decideBy()), Deadline.none());
        queue.enqueue(keyless, 0, Deadline.none());
        assertEquals(1, poller.pollOnce(Duration.ofSeconds(1)), "the key-less message, paced behind the first");
        graph.verify(exactly(1), postRequestedFor(urlPathEqualTo(messagesPath)));

        // An hour on, the send API's status read settles a record still pending as failed (not_enqueued).
        records.run(Transition.FAIL_UNCLAIMED, keyless.messageId(),
                Inputs.at(Instant.now()).withError(new DeliveryError("not_enqueued", null, "never claimed", true)),
                Deadline.none());
        assertEquals(MessageStatus.QUEUED, record(keyless).status(), "held for the pace, so committed");

        poller.start();
        awaitAll(List.of(first, keyless), MessageStatus.SENT, Duration.ofSeconds(30));
        assertNull(record(keyless).error());
        graph.verify(exactly(3), postRequestedFor(urlPathEqualTo(messagesPath)));
    }

    @Test
    void anotherPagesMessagesAreNotDelayedWhileAPageIsThrottled() throws Exception {
        RATE_LIMIT.limit(pageId, 20);
        graph.stubFor(post(urlPathEqualTo(messagesPath)).willReturn(
                okJson("{\"recipient_id\":\"1\",\"message_id\":\"m_paced\"}").withTransformers(RateLimitedGraph.NAME)));
        String quietPage = otherPage();
        aws.putPageSecret(quietPage, "api-secret", TOKEN, null);
        graph.stubFor(post(urlPathEqualTo("/v25.0/" + quietPage + "/messages"))
                .willReturn(okJson("{\"recipient_id\":\"2\",\"message_id\":\"m_quiet\"}")));
        List<QueuedMessage> burst = new java.util.ArrayList<>();
        for (int i = 0; i < 120; i++) {
            burst.add(accept("id", Integer.toString(60_000_000 + i), "burst " + i, 0));
        }

        startConcurrentWorkers(4);
        // Until Facebook throttles the busy page, its burst is a backlog any page's messages queue behind.
        long throttledBy = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (RATE_LIMIT.refused.get() == 0) {
            assertTrue(System.nanoTime() < throttledBy, "the busy page is never throttled");
            Thread.sleep(20);
        }
        Thread.sleep(1000);
        List<QueuedMessage> quiet = new java.util.ArrayList<>();
        for (int i = 0; i < 10; i++) {
            Thread.sleep(400);
            quiet.add(acceptFor(quietPage, Integer.toString(70_000_000 + i), "quiet " + i));
        }
        awaitAll(quiet, MessageStatus.SENT, Duration.ofSeconds(30));
        awaitAll(burst, MessageStatus.SENT, Duration.ofSeconds(120));

        assertTrue(RATE_LIMIT.refused.get() > 0, "the busy page was throttled");
        Instant lastBusy = burst.stream().map(m -> record(m).updatedAt()).max(Instant::compareTo).orElseThrow();
        long slowest = 0;
        for (QueuedMessage message : quiet) {
            MessageRecord record = record(message);
            assertEquals(1, record.attempts(), "sent at the first attempt");
            assertNull(record.error(), "never throttled");
            Duration took = Duration.between(record.createdAt(), record.updatedAt());
            slowest = Math.max(slowest, took.toMillis());
            System.out.println("other page's message " + message.messageId() + " sent after " + took.toMillis() + " ms");
        }
        for (QueuedMessage message : quiet) {
            MessageRecord record = record(message);
            Duration took = Duration.between(record.createdAt(), record.updatedAt());
            assertTrue(took.compareTo(Duration.ofSeconds(2)) <= 0, "the other page's message took " + took);
        }
        System.out.printf("other page: slowest of 10 sent after %d ms while the busy page was paced (until %s)%n",
                slowest, lastBusy);
        assertTrue(quiet.get(quiet.size() - 1).acceptedAt().isBefore(lastBusy), "sent while the busy page was paced");
        for (QueuedMessage message : burst) {
            assertEquals(1, RATE_LIMIT.accepted(message.messageId()), "taken exactly once: " + message.messageId());
        }
    }

    @Test
    void aMessageStillThrottledAfterMaxThrottleHoursEndsFailedRateLimitedRetryable() {
        env.put("MAX_THROTTLE_HOURS", "1");
        startWorker();
        graph.stubFor(post(urlPathEqualTo(messagesPath)).willReturn(graphError(400, 613, null)));
        QueuedMessage message = accept("24682468");

        assertEquals(1, poller.pollOnce(Duration.ofSeconds(1)));
        assertEquals(MessageStatus.QUEUED, record(message).status());
        clockAhead = Duration.ofMinutes(61);
        assertEquals(1, poller.pollOnce(Duration.ofSeconds(3)), "the throttled copy");

        MessageRecord record = record(message);
        assertEquals(MessageStatus.FAILED, record.status());
        assertEquals("rate_limited", record.error().code());
        assertTrue(record.error().retryable());
        assertEquals(0, poller.pollOnce(Duration.ZERO), "acknowledged, nothing left");
        assertEquals(List.of(), deadLetters());
    }

    @Test
    void aMessageThatKeepsFailingEndsInTheDlqRecordedFailed() {
        graph.stubFor(post(urlPathEqualTo(messagesPath)).willReturn(graphError(503, 2, null)));
        QueuedMessage message = accept("99887766");

        for (int receive = 1; receive <= maxReceiveCount; receive++) {
            assertEquals(1, poller.pollOnce(Duration.ofSeconds(1)), "receive " + receive);
            MessageStatus expected = receive < maxReceiveCount ? MessageStatus.QUEUED : MessageStatus.FAILED;
            assertEquals(expected, record(message).status(), "after receive " + receive);
        }
        assertEquals(0, poller.pollOnce(Duration.ofSeconds(1)), "SQS moved it to the DLQ");

        List<Message> dead = deadLetters();
        assertEquals(1, dead.size());
        assertEquals(message.messageId(), QueuedMessage.fromJson(dead.get(0).body()).messageId());
        MessageRecord record = record(message);
        assertEquals(MessageStatus.FAILED, record.status());
        assertEquals("2", record.error().code());
        assertTrue(record.error().retryable());
        assertEquals(maxReceiveCount, record.attempts());
        graph.verify(exactly(maxReceiveCount), postRequestedFor(urlPathEqualTo(messagesPath)));
    }

    @Test
    void aDuplicateSqsDeliveryOfASentMessageSendsOnce() {
        graphAnswers("55667788", "m_once");
        QueuedMessage message = accept("55667788");
        assertEquals(1, poller.pollOnce(Duration.ofSeconds(1)));

        // At-least-once delivery: the same body arrives again (twice, in one batch).
        queue.enqueue(message, 0, Deadline.none());
        queue.enqueue(message, 0, Deadline.none());
        pollUntilEmpty();

        graph.verify(exactly(1), postRequestedFor(urlPathEqualTo(messagesPath)));
        assertEquals("m_once", record(message).facebookMessageId());
        assertEquals(List.of(), deadLetters());
    }

    @Test
    void theDelayIsHonoured() throws InterruptedException {
        graphAnswers("31415926", "m_delayed");
        long enqueued = System.nanoTime();
        QueuedMessage message = accept("id", "31415926", "Later", 2);

        assertEquals(0, poller.pollOnce(Duration.ZERO), "not visible before its delay");
        assertEquals(MessageStatus.QUEUED, record(message).status());

        while (System.nanoTime() - enqueued < Duration.ofMillis(2200).toNanos()) {
            Thread.sleep(50);
        }
        int received = poller.pollOnce(Duration.ofSeconds(2));

        assertEquals(1, received);
        assertEquals(MessageStatus.SENT, record(message).status());
    }

    @ParameterizedTest
    @CsvSource({"uuid,user-7c1e", "phone,+84912345678", "email,jane@example.com"})
    void boundContactsAreResolvedThroughTheBindingsTable(String type, String value) {
        new DynamoContactBindings(aws.dynamoDb(), aws.tableName("ContactBindingsTable"), Clock.systemUTC())
                .bind(pageId, type + ":" + value, "60708090", System.currentTimeMillis(), "test", false,
                        Deadline.none());
        graphAnswers("60708090", "m_bound_" + type);
        QueuedMessage message = accept(type, value, "Hi " + type, 0);

        assertEquals(1, poller.pollOnce(Duration.ofSeconds(1)));

        graph.verify(postRequestedFor(urlPathEqualTo(messagesPath))
                .withRequestBody(equalToJson("{\"recipient\":{\"id\":\"60708090\"}}", true, true)));
        MessageRecord record = record(message);
        assertEquals(MessageStatus.SENT, record.status());
        assertEquals("60708090", record.psid());
    }

    @Test
    void anUnboundContactFailsWithRecipientNotFound() {
        QueuedMessage message = accept("email", "nobody@example.com", "Hi", 0);

        assertEquals(1, poller.pollOnce(Duration.ofSeconds(1)));

        assertEquals("recipient_not_found", record(message).error().code());
        assertEquals(MessageStatus.FAILED, record(message).status());
        assertEquals(0, poller.pollOnce(Duration.ZERO));
        graph.verify(exactly(0), postRequestedFor(urlPathEqualTo(messagesPath)));
    }

    @Test
    void messagesToOneRecipientKeepTheirOrderAcrossTheRealQueue() {
        graphAnswers("42424242", "m_ordered");
        QueuedMessage first = accept("id", "42424242", "first", 0);
        QueuedMessage second = accept("id", "42424242", "second", 0);

        pollUntilEmpty();

        assertEquals(MessageStatus.SENT, record(first).status());
        assertEquals(MessageStatus.SENT, record(second).status());
        graph.verify(exactly(2), postRequestedFor(urlPathEqualTo(messagesPath)));
    }

    @Test
    void anUnreadableBodyReachesTheDlq() {
        aws.sqs().sendMessage(r -> r.queueUrl(aws.queueUrl("MessageQueue")).messageBody("{\"not\":\"a message\"}"));

        pollUntilEmpty();

        List<Message> dead = deadLetters();
        assertEquals(1, dead.size());
        assertEquals("{\"not\":\"a message\"}", dead.get(0).body());
    }

    @Test
    void secretsManagerDownChangesNothingAndTheMessageIsRetried() {
        graphAnswers("86420864", "m_after_outage");
        var secretsManager = aws.secretsManagerControls().orElseThrow();
        QueuedMessage message = accept("86420864");
        secretsManager.failRequests(true);
        try {
            assertEquals(1, poller.pollOnce(Duration.ofSeconds(1)));
        } finally {
            secretsManager.failRequests(false);
        }
        MessageRecord untouched = record(message);
        assertEquals(MessageStatus.QUEUED, untouched.status());
        assertEquals(0, untouched.attempts());
        assertNull(untouched.error());
        graph.verify(exactly(0), postRequestedFor(urlPathEqualTo(messagesPath)));

        assertEquals(1, poller.pollOnce(Duration.ofSeconds(1)), "handed back to SQS, redelivered");
        assertEquals(MessageStatus.SENT, record(message).status());
    }
}
