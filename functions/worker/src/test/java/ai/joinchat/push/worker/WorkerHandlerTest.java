package ai.joinchat.push.worker;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.testing.SqsEvents;
import ai.joinchat.push.testing.StreamHandlers;
import ai.joinchat.push.testing.FakeLambdaContext;
import ai.joinchat.push.json.Json;
import ai.joinchat.push.queue.QueuedMessage;
import ai.joinchat.push.store.MessageRecord;
import ai.joinchat.push.store.MessageStatus;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.exactly;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class WorkerHandlerTest {

    @RegisterExtension
    static final WireMockExtension graph = WireMockExtension.newInstance().options(options().dynamicPort()).build();
    private WorkerFixture fixture;
    private WorkerHandler handler;

    @BeforeEach
    void setUp() {
        graph.stubFor(post(urlPathEqualTo(WorkerFixture.MESSAGES_PATH))
                .willReturn(okJson("{\"recipient_id\":\"24681357\",\"message_id\":\"m_handler\"}")));
        fixture = new WorkerFixture(graph.baseUrl());
        handler = new WorkerHandler(fixture.components);
    }

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    private JsonNode invoke(String event, FakeLambdaContext context) {
        return Json.parse(new String(StreamHandlers.invoke(handler, event.getBytes(StandardCharsets.UTF_8), context),
                StandardCharsets.UTF_8));
    }

    private static ObjectNode sqsRecord(String sqsMessageId, String body, int receiveCount) {
        return SqsEvents.record(sqsMessageId, "handle-" + sqsMessageId, body, receiveCount);
    }

    private static String event(ObjectNode... records) {
        return Json.write(SqsEvents.event(List.of(records)));
    }

    /** Graph answers the message with this metadata 500, code 2: a transient refusal, retried. */
    private void graphRefusesRetryably(String messageId) {
        graph.stubFor(post(urlPathEqualTo(WorkerFixture.MESSAGES_PATH))
                .withRequestBody(matchingJsonPath("$.message.metadata", equalTo(messageId)))
                .atPriority(1)
                .willReturn(aResponse().withStatus(500)
                        .withBody("{\"error\":{\"message\":\"Please retry\",\"code\":2}}")));
    }

    @Test
    void answersThePartialBatchResponse() throws Exception {
        graphRefusesRetryably("m-retry");
        QueuedMessage ok = fixture.accepted(WorkerFixture.text("m-ok", "id", "111", "Hi"));
        QueuedMessage retry = fixture.accepted(WorkerFixture.text("m-retry", "id", "222", "Hi"));

        JsonNode response = invoke(event(sqsRecord("sqs-ok", ok.toJson(), 1),
                sqsRecord("sqs-retry", retry.toJson(), 1),
                sqsRecord("sqs-bad", "{not json", 1)), new FakeLambdaContext(30_000));

        assertEquals(Json.parse("{\"batchItemFailures\":[{\"itemIdentifier\":\"sqs-retry\"},"
                + "{\"itemIdentifier\":\"sqs-bad\"}]}"), response);
        assertEquals(MessageStatus.SENT, fixture.records.get("m-ok").status());
        assertEquals(MessageStatus.QUEUED, fixture.records.get("m-retry").status());
    }

    @Test
    void aBatchWritesItsMetricsAsOneDocumentWhenItEndsItsFailedItemsIncluded() throws Exception {
        graphRefusesRetryably("m-again");
        QueuedMessage ok = fixture.accepted(WorkerFixture.text("m-fine", "id", "111", "Hi"));
        QueuedMessage again = fixture.accepted(WorkerFixture.text("m-again", "id", "222", "Hi"));

        JsonNode response = invoke(event(sqsRecord("sqs-fine", ok.toJson(), 1),
                sqsRecord("sqs-again", again.toJson(), 1)), new FakeLambdaContext(30_000));

        assertEquals("sqs-again", response.path("batchItemFailures").path(0).path("itemIdentifier").asText());
        List<String> documents = fixture.metricBuffer.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(1, documents.size(), "one document per invocation: " + documents);
        JsonNode document = Json.parse(documents.get(0));
        assertEquals(1, document.path("MessagesSent").asInt());
        assertEquals(1, document.path("MessagesRetried").asInt(), "the failed item's metric is not lost");
        assertEquals(2, document.path("GraphLatency").size(), "both Graph calls' latencies: " + document);
        assertEquals(3, document.path("_aws").path("CloudWatchMetrics").path(0).path("Metrics").size(), document.toString());
    }

    @Test
    void anEmptyBatchAnswersNoFailures() throws Exception {
        assertEquals(Json.parse("{\"batchItemFailures\":[]}"), invoke("{\"Records\":[]}", null));
    }

    @Test
    void theReceiveCountComesFromTheAttributes() throws Exception {
        graph.stubFor(post(urlPathEqualTo(WorkerFixture.MESSAGES_PATH)).atPriority(1)
                .willReturn(aResponse().withStatus(500).withBody("{\"error\":{\"message\":\"x\",\"code\":1}}")));
        QueuedMessage message = fixture.accepted(WorkerFixture.text("m-last", "id", "333", "Hi"));

        JsonNode response = invoke(event(sqsRecord("sqs-last", message.toJson(), 5)), null);

        assertEquals("sqs-last", response.path("batchItemFailures").path(0).path("itemIdentifier").asText());
        MessageRecord record = fixture.records.get("m-last");
        assertEquals(MessageStatus.FAILED, record.status(), "receive 5 of 5 is the last one");
        assertEquals(true, record.error().retryable());
    }

    @Test
    void somethingThatIsNotAnSqsEventFailsTheInvocation() {
        assertThrows(IllegalArgumentException.class, () -> invoke("not json", null));
        assertThrows(IllegalArgumentException.class, () -> invoke("{\"Records\":{}}", null));
        assertThrows(IllegalArgumentException.class, () -> invoke("{\"Records\":[{\"body\":\"x\"}]}", null));
    }

    @Test
    void theSampleEventOfTheRepositoryIsDelivered() throws Exception {
        String sample = Files.readString(Path.of("../../events/sqs-delivery.json"));
        // The send API committed it before SQS delivered it.
        fixture.accepted(QueuedMessage.fromJson(Json.parse(sample).path("Records").path(0).path("body").asText()));

        JsonNode response = invoke(sample, new FakeLambdaContext(30_000));

        assertEquals(0, response.path("batchItemFailures").size());
        graph.verify(exactly(1), postRequestedFor(urlPathEqualTo("/v25.0/1234567890/messages"))
                .withRequestBody(equalToJson("""
                        {"recipient":{"id":"24681357"},"messaging_type":"UPDATE",
                         "message":{"text":"Hello from JoinChat","metadata":"0f5c2b7e-6d1a-4c3b-9e8f-2a1b3c4d5e6f"}}
                        """)));
    }

    @Test
    void aShortRemainingTimeStillDeliversTheFirstMessages() throws Exception {
        QueuedMessage message = fixture.accepted(WorkerFixture.text("m-short", "id", "444", "Hi"));

        JsonNode response = invoke(event(sqsRecord("sqs-short", message.toJson(), 1)), new FakeLambdaContext(3_000));

        assertEquals(0, response.path("batchItemFailures").size());
    }

    @Test
    void timeBudgetKeepsTheSendReserve() {
        Duration sendReserve = fixture.components.sendReserve();
        assertBetween(Duration.ofMillis(26_900), Duration.ofSeconds(27),
                Deadline.ofRemaining(Duration.ofSeconds(30), sendReserve).remaining());
        assertBetween(Duration.ofMillis(1_900), Duration.ofSeconds(2),
                Deadline.ofRemaining(Duration.ofSeconds(4), sendReserve).remaining());
    }

    private static void assertBetween(Duration low, Duration high, Duration actual) {
        assertTrue(actual.compareTo(low) >= 0 && actual.compareTo(high) <= 0, actual.toString());
    }

    @Test
    void beforeCheckpointPrimesWithoutNetworkOrRecords() throws Exception {
        fixture.components.priming().beforeCheckpoint(null);
        fixture.components.priming().afterRestore(null);

        assertEquals(0, graph.getAllServeEvents().size());
        assertEquals(false, fixture.records.find("prime").isPresent());
    }

    @Test
    void aMessageTheSendApiNeverCommittedIsNeverSentAndGetsNoRecord() throws Exception {
        QueuedMessage young = WorkerFixture.text("m-new", "id", "555", "Hi");
        QueuedMessage message = new QueuedMessage(young.messageId(), young.pageId(), young.recipient(),
                young.message(), "UPDATE", null, List.of(), Instant.now().minusSeconds(60),
                Instant.now().minusSeconds(45), null, null, null);

        JsonNode response = invoke(event(sqsRecord("sqs-new", message.toJson(), 1)), null);

        assertEquals(0, response.path("batchItemFailures").size(), "acknowledged: it is dropped");
        assertTrue(fixture.records.find("m-new").isEmpty());
        graph.verify(exactly(0), postRequestedFor(urlPathEqualTo("/v25.0/1234567890/messages")));
    }
}
