package ai.joinchat.push.local.lambda;

import ai.joinchat.push.json.Json;
import ai.joinchat.push.local.aws.EmbeddedAwsBackends;
import ai.joinchat.push.local.aws.template.DynamoDbStreamEventSource;
import ai.joinchat.push.local.aws.template.ProvisionedStack;
import ai.joinchat.push.local.aws.template.SamTemplate;
import ai.joinchat.push.local.aws.template.StackProvisioner;
import ai.joinchat.push.observability.JsonLogger;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The stream event source on DynamoDB Local and ElasticMQ, with a template of its own (a table with
 * a stream, an OnFailure queue, a function with a DynamoDB event) provisioned per test, and the
 * function played in this JVM.
 */
class DynamoDbStreamEventSourcePollerTest {

    private static final Duration LIMIT = Duration.ofSeconds(20);
    private static final AtomicInteger STACKS = new AtomicInteger();
    private static EmbeddedAwsBackends backends;
    private static DynamoDbClient dynamoDb;
    private static DynamoDbStreamsClient streams;
    private static SqsClient sqs;

    /** Each invocation's event, in order. */
    private final List<JsonNode> events = new CopyOnWriteArrayList<>();
    private final AtomicInteger inFunction = new AtomicInteger();
    private final AtomicInteger mostInFunction = new AtomicInteger();
    private ProvisionedStack stack;
    private DynamoDbStreamEventSourcePoller poller;

    @BeforeAll
    static void startBackends() {
        backends = EmbeddedAwsBackends.start(0, 0, 0);
        dynamoDb = backends.dynamoDb();
        streams = backends.dynamoDbStreams();
        sqs = backends.sqs();
    }

    @AfterAll
    static void stopBackends() {
        dynamoDb.close();
        streams.close();
        sqs.close();
        backends.close();
    }

    @AfterEach
    void stopPoller() {
        if (poller != null) {
            poller.close();
        }
    }

    private static String template(String eventProperties) {
        return """
                Resources:
                  ThingsTable:
                    Type: AWS::DynamoDB::Table
                    Properties:
                      BillingMode: PAY_PER_REQUEST
                      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
                      KeySchema: [{AttributeName: id, KeyType: HASH}]
                      StreamSpecification: {StreamViewType: NEW_AND_OLD_IMAGES}
                  FailedQueue:
                    Type: AWS::SQS::Queue
                  ThingsFunction:
                    Type: AWS::Serverless::Function
                    Properties:
                      CodeUri: functions/things
                      Handler: things.Handler::handleRequest
                      Events:
                        Things:
                          Type: DynamoDB
                          Properties:
                            Stream: !GetAtt ThingsTable.StreamArn
                            DestinationConfig: {OnFailure: {Destination: !GetAtt FailedQueue.Arn}}
                """ + eventProperties.indent(12);
    }

    /** Provisions the template with these event properties, and a poller calling {@code function} (event in, response out). */
    private DynamoDbStreamEventSourcePoller poller(String eventProperties, Function<JsonNode, String> function) {
        SamTemplate template = SamTemplate.parse(template(eventProperties));
        stack = new StackProvisioner().provision(template, "streams" + STACKS.incrementAndGet(), dynamoDb, sqs);
        DynamoDbStreamEventSource source = template.function("ThingsFunction").dynamoDbEvents().get(0);
        poller = new DynamoDbStreamEventSourcePoller(streams, sqs, stack, stack.stackName() + "-ThingsFunction", source,
                event -> {
                    mostInFunction.accumulateAndGet(inFunction.incrementAndGet(), Math::max);
                    try {
                        JsonNode parsed = Json.parse(event).orElseThrow();
                        events.add(parsed);
                        String response = function.apply(parsed);
                        return response == null ? null : response.getBytes(StandardCharsets.UTF_8);
                    } finally {
                        inFunction.decrementAndGet();
                    }
                }, new JsonLogger("stream-event-source", "ERROR"));
        return poller;
    }

    private void put(String id, Map<String, AttributeValue> attributes) {
        Map<String, AttributeValue> item = new java.util.HashMap<>(attributes);
        item.put("id", AttributeValue.fromS(id));
        dynamoDb.putItem(b -> b.tableName(stack.tableName("ThingsTable")).item(item));
    }

    private void put(String id) {
        put(id, Map.of());
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long until = System.nanoTime() + LIMIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > until) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    private static List<String> ids(JsonNode event) {
        List<String> ids = new ArrayList<>();
        event.path("Records").forEach(record -> ids.add(record.path("dynamodb").path("Keys").path("id").path("S").asText()));
        return ids;
    }

    private List<String> deliveredIds() {
        return events.stream().flatMap(event -> ids(event).stream()).toList();
    }

    private static String sequenceOf(JsonNode event, String id) {
        for (JsonNode record : event.path("Records")) {
            if (record.path("dynamodb").path("Keys").path("id").path("S").asText().equals(id)) {
                return record.path("dynamodb").path("SequenceNumber").asText();
            }
        }
        throw new AssertionError("no record of " + id);
    }

    private static String failures(String... sequenceNumbers) {
        StringBuilder json = new StringBuilder("{\"batchItemFailures\":[");
        for (int i = 0; i < sequenceNumbers.length; i++) {
            json.append(i == 0 ? "" : ",").append("{\"itemIdentifier\":\"").append(sequenceNumbers[i]).append("\"}");
        }
        return json.append("]}").toString();
    }

    private List<JsonNode> onFailureMessages() {
        String url = stack.queueUrl("FailedQueue");
        List<Message> messages = sqs.receiveMessage(b -> b.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(1))
                .messages();
        return messages.stream().map(message -> Json.parse(message.body())).toList();
    }

    @Test
    void recordsReachTheFunctionInLambdasEventShape() throws Exception {
        poller("StartingPosition: LATEST", event -> null).start();
        put("a", Map.of("n", AttributeValue.fromN("1"), "tags", AttributeValue.fromSs(List.of("x")),
                "m", AttributeValue.fromM(Map.of("ok", AttributeValue.fromBool(true))), "l", AttributeValue.fromL(List.of())));
        put("a", Map.of("n", AttributeValue.fromN("2")));
        dynamoDb.deleteItem(b -> b.tableName(stack.tableName("ThingsTable")).key(Map.of("id", AttributeValue.fromS("a"))));

        await("three records", () -> deliveredIds().size() == 3);
        List<JsonNode> records = new ArrayList<>();
        events.forEach(event -> event.path("Records").forEach(records::add));
        assertEquals(List.of("INSERT", "MODIFY", "REMOVE"), records.stream().map(r -> r.path("eventName").asText()).toList());
        JsonNode insert = records.get(0);
        assertEquals(List.of("eventID", "eventName", "eventVersion", "eventSource", "awsRegion", "dynamodb",
                "eventSourceARN"), fieldNames(insert));
        assertEquals("1.1", insert.path("eventVersion").asText());
        assertEquals("aws:dynamodb", insert.path("eventSource").asText());
        assertEquals("us-east-1", insert.path("awsRegion").asText());
        assertEquals(stack.streamArn("ThingsTable"), insert.path("eventSourceARN").asText());
        assertTrue(stack.streamArn("ThingsTable").contains("/stream/"));
        JsonNode change = insert.path("dynamodb");
        assertEquals(List.of("ApproximateCreationDateTime", "Keys", "NewImage", "SequenceNumber", "SizeBytes",
                "StreamViewType"), fieldNames(change));
        assertTrue(change.path("ApproximateCreationDateTime").isIntegralNumber());
        assertTrue(Math.abs(change.path("ApproximateCreationDateTime").asLong() - System.currentTimeMillis() / 1000) < 60);
        assertEquals(Json.parse("{\"id\":{\"S\":\"a\"}}"), change.path("Keys"));
        assertEquals(Json.parse("{\"id\":{\"S\":\"a\"},\"n\":{\"N\":\"1\"},\"tags\":{\"SS\":[\"x\"]},"
                + "\"m\":{\"M\":{\"ok\":{\"BOOL\":true}}},\"l\":{\"L\":[]}}"), change.path("NewImage"));
        assertTrue(change.path("SizeBytes").isIntegralNumber());
        assertEquals("NEW_AND_OLD_IMAGES", change.path("StreamViewType").asText());
        JsonNode modify = records.get(1).path("dynamodb");
        assertEquals(Json.parse("{\"id\":{\"S\":\"a\"},\"n\":{\"N\":\"1\"},\"tags\":{\"SS\":[\"x\"]},"
                + "\"m\":{\"M\":{\"ok\":{\"BOOL\":true}}},\"l\":{\"L\":[]}}"), modify.path("OldImage"));
        assertEquals(Json.parse("{\"id\":{\"S\":\"a\"},\"n\":{\"N\":\"2\"}}"), modify.path("NewImage"));
        JsonNode remove = records.get(2).path("dynamodb");
        assertFalse(remove.has("NewImage"));
        assertEquals(Json.parse("{\"id\":{\"S\":\"a\"},\"n\":{\"N\":\"2\"}}"), remove.path("OldImage"));
    }

    @Test
    void latestSkipsWhatWasWrittenBeforeTheStart() throws Exception {
        DynamoDbStreamEventSourcePoller poller = poller("StartingPosition: LATEST", event -> null);
        put("before");
        poller.start();
        put("after");

        await("the record written after the start", () -> deliveredIds().contains("after"));
        Thread.sleep(500);
        assertEquals(List.of("after"), deliveredIds());
    }

    @Test
    void recordsNoPatternMatchesAreNeverDelivered() throws Exception {
        poller("""
                StartingPosition: TRIM_HORIZON
                FilterCriteria:
                  Filters:
                    - Pattern: '{"eventName": ["INSERT"], "dynamodb": {"NewImage": {"kind": {"S": [{"prefix": "call"}]}}}}'
                    - Pattern: '{"dynamodb": {"NewImage": {"urgent": {"BOOL": [true]}, "gone": {"S": [{"exists": false}]}}}}'
                """, event -> null);
        put("callback", Map.of("kind", AttributeValue.fromS("callback.sent")));
        put("other", Map.of("kind", AttributeValue.fromS("other")));
        put("callback", Map.of("kind", AttributeValue.fromS("callback.read"))); // a MODIFY
        put("urgent", Map.of("urgent", AttributeValue.fromBool(true)));
        put("urgent-gone", Map.of("urgent", AttributeValue.fromBool(true), "gone", AttributeValue.fromS("x")));
        put("last", Map.of("kind", AttributeValue.fromS("call-last")));
        poller.start();

        await("the last record", () -> deliveredIds().contains("last"));
        Thread.sleep(500);
        assertEquals(List.of("callback", "urgent", "last"), deliveredIds());
    }

    @Test
    void aBatchItemFailureRetriesFromThatRecord() throws Exception {
        poller("""
                StartingPosition: TRIM_HORIZON
                FunctionResponseTypes: [ReportBatchItemFailures]
                """, event -> events.size() == 1 ? failures(sequenceOf(event, "r4"), sequenceOf(event, "r3")) : null);
        List.of("r1", "r2", "r3", "r4", "r5").forEach(this::put);
        poller.start();

        await("the retry", () -> events.size() == 2);
        assertEquals(List.of("r1", "r2", "r3", "r4", "r5"), ids(events.get(0)));
        assertEquals(List.of("r3", "r4", "r5"), ids(events.get(1)), "retried from the lowest failed sequence number");
        put("r6");
        await("the next record", () -> deliveredIds().contains("r6"));
        assertEquals(List.of("r6"), ids(events.get(2)));
        assertTrue(onFailureMessages().isEmpty());
    }

    @Test
    void recordsStillReportedFailedAfterTheRetriesGoToOnFailureWithoutAFunctionError() throws Exception {
        poller("""
                StartingPosition: TRIM_HORIZON
                FunctionResponseTypes: [ReportBatchItemFailures]
                MaximumRetryAttempts: 1
                """, event -> ids(event).contains("p2") ? failures(sequenceOf(event, "p2")) : null);
        List.of("p1", "p2", "p3").forEach(this::put);
        poller.start();

        List<JsonNode> failed = new ArrayList<>();
        await("the OnFailure message", () -> failed.addAll(onFailureMessages()) && !failed.isEmpty());
        put("p4");
        await("the next record", () -> deliveredIds().contains("p4"));

        assertEquals(List.of(List.of("p1", "p2", "p3"), List.of("p2", "p3"), List.of("p4")),
                events.stream().map(DynamoDbStreamEventSourcePollerTest::ids).toList());
        JsonNode invocation = failed.get(0);
        assertEquals(Json.parse("{\"statusCode\":200,\"executedVersion\":\"$LATEST\"}"), invocation.path("responseContext"));
        JsonNode info = invocation.path("DDBStreamBatchInfo");
        assertEquals(2, info.path("batchSize").asInt(), "the records from the failed one on");
        assertEquals(sequenceOf(events.get(0), "p2"), info.path("startSequenceNumber").asText());
        assertEquals(sequenceOf(events.get(0), "p3"), info.path("endSequenceNumber").asText());
    }

    @Test
    void theBatchingWindowGathersRecordsWrittenApart() throws Exception {
        poller("""
                StartingPosition: LATEST
                MaximumBatchingWindowInSeconds: 2
                """, event -> null).start();
        put("w1");
        Thread.sleep(600);
        put("w2");

        await("both records", () -> deliveredIds().size() == 2);
        assertEquals(1, events.size(), "one invocation with both");
    }

    @Test
    void repeatedFailuresSendTheBatchToOnFailureAndMoveOn() throws Exception {
        poller("""
                StartingPosition: TRIM_HORIZON
                MaximumRetryAttempts: 2
                """, event -> {
            if (ids(event).contains("poison")) {
                throw new IllegalStateException("the function failed");
            }
            return null;
        });
        put("poison");
        poller.start();

        await("three invocations", () -> events.size() == 3);
        List<JsonNode> failed = new ArrayList<>();
        await("the OnFailure message", () -> failed.addAll(onFailureMessages()) && !failed.isEmpty());
        put("next");
        await("the next record", () -> deliveredIds().contains("next"));
        assertEquals(List.of("poison", "poison", "poison", "next"), deliveredIds());

        assertEquals(1, failed.size());
        JsonNode invocation = failed.get(0);
        String sequenceNumber = sequenceOf(events.get(0), "poison");
        assertEquals(List.of("requestContext", "responseContext", "version", "timestamp", "DDBStreamBatchInfo"),
                fieldNames(invocation));
        JsonNode request = invocation.path("requestContext");
        assertEquals("arn:aws:lambda:us-east-1:000000000000:function:" + stack.stackName() + "-ThingsFunction",
                request.path("functionArn").asText());
        assertEquals("RetryAttemptsExhausted", request.path("condition").asText());
        assertEquals(3, request.path("approximateInvokeCount").asInt());
        assertFalse(request.path("requestId").asText().isEmpty());
        assertEquals(Json.parse("{\"statusCode\":200,\"executedVersion\":\"$LATEST\",\"functionError\":\"Unhandled\"}"),
                invocation.path("responseContext"));
        assertEquals("1.0", invocation.path("version").asText());
        JsonNode info = invocation.path("DDBStreamBatchInfo");
        assertEquals(List.of("shardId", "startSequenceNumber", "endSequenceNumber", "approximateArrivalOfFirstRecord",
                "approximateArrivalOfLastRecord", "batchSize", "streamArn"), fieldNames(info));
        assertTrue(info.path("shardId").asText().startsWith("shardId-"));
        assertEquals(sequenceNumber, info.path("startSequenceNumber").asText());
        assertEquals(sequenceNumber, info.path("endSequenceNumber").asText());
        assertEquals(1, info.path("batchSize").asInt());
        assertEquals(stack.streamArn("ThingsTable"), info.path("streamArn").asText());
        assertTrue(info.path("approximateArrivalOfFirstRecord").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"));
    }

    @Test
    void bisectingNarrowsAFailingBatchDownToTheFailingRecord() throws Exception {
        poller("""
                StartingPosition: TRIM_HORIZON
                MaximumRetryAttempts: 1
                BisectBatchOnFunctionError: true
                """, event -> {
            if (ids(event).contains("b3")) {
                throw new IllegalStateException("the function failed");
            }
            return "not even JSON: ignored without ReportBatchItemFailures";
        });
        List.of("b1", "b2", "b3", "b4").forEach(this::put);
        poller.start();

        List<JsonNode> failed = new ArrayList<>();
        await("the OnFailure message", () -> failed.addAll(onFailureMessages()) && !failed.isEmpty());
        await("the record after the failing one", () -> events.stream().anyMatch(event -> ids(event).equals(List.of("b4"))));
        JsonNode info = failed.get(0).path("DDBStreamBatchInfo");
        assertEquals(1, info.path("batchSize").asInt(), "the failing record alone");
        String b3 = events.stream().filter(event -> ids(event).contains("b3")).findFirst()
                .map(event -> sequenceOf(event, "b3")).orElseThrow();
        assertEquals(b3, info.path("startSequenceNumber").asText());
        List<String> succeeded = events.stream().filter(event -> !ids(event).contains("b3"))
                .flatMap(event -> ids(event).stream()).toList();
        assertEquals(List.of("b1", "b2", "b4"), succeeded, "every other record once, in order");
    }

    @Test
    void aFailedInvocationRedeliversTheSameBatch() throws Exception {
        poller("StartingPosition: TRIM_HORIZON", event -> {
            if (events.size() == 1) {
                throw new IllegalStateException("the function's environment died mid-batch");
            }
            return null;
        });
        List.of("k1", "k2", "k3").forEach(this::put);
        poller.start();

        await("the redelivery", () -> events.size() == 2);
        assertEquals(ids(events.get(0)), ids(events.get(1)));
        assertEquals(List.of("k1", "k2", "k3"), ids(events.get(1)));
    }

    @Test
    void recordsArriveInStreamOrderInBatchesOfBatchSizeOneAtATime() throws Exception {
        poller("""
                StartingPosition: TRIM_HORIZON
                BatchSize: 7
                """, event -> {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        });
        List<String> written = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            written.add("o" + i);
        }
        written.subList(0, 20).forEach(this::put);
        poller.start();
        written.subList(20, 40).forEach(this::put);

        await("every record", () -> deliveredIds().size() >= 40);
        assertEquals(written, deliveredIds());
        assertTrue(events.stream().allMatch(event -> event.path("Records").size() <= 7));
        assertEquals(7, events.get(0).path("Records").size());
        assertEquals(1, mostInFunction.get(), "one batch in the function at a time");
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
