package ai.joinchat.push.local.lambda;

import ai.joinchat.push.json.Json;
import ai.joinchat.push.observability.JsonLogger;
import com.fasterxml.jackson.databind.JsonNode;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SqsEventSourcePollerTest {

    private static final String REGION = "us-east-1";
    private static SQSRestServer server;
    private static SqsClient sqs;

    private final List<JsonNode> events = new CopyOnWriteArrayList<>();
    private final ByteArrayOutputStream logs = new ByteArrayOutputStream();
    private String queueUrl;
    private String queueArn;
    private String dlqUrl;

    @BeforeAll
    static void startSqs() {
        server = SQSRestServerBuilder.withInterface("127.0.0.1").withDynamicPort()
                .withAWSRegion(REGION).withAWSAccountId("000000000000").start();
        int port = server.waitUntilStarted().localAddress().getPort();
        sqs = SqsClient.builder()
                .endpointOverride(URI.create("http://127.0.0.1:" + port))
                .region(Region.of(REGION))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClient(UrlConnectionHttpClient.create())
                .build();
    }

    @AfterAll
    static void stopSqs() {
        sqs.close();
        server.stopAndWait();
    }

    @BeforeEach
    void createQueues() {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        dlqUrl = sqs.createQueue(r -> r.queueName("dlq-" + suffix)).queueUrl();
        String dlqArn = arn(dlqUrl);
        queueUrl = sqs.createQueue(r -> r.queueName("queue-" + suffix).attributes(Map.of(
                QueueAttributeName.VISIBILITY_TIMEOUT, "30",
                QueueAttributeName.REDRIVE_POLICY,
                "{\"deadLetterTargetArn\":\"" + dlqArn + "\",\"maxReceiveCount\":\"3\"}"))).queueUrl();
        queueArn = arn(queueUrl);
    }

    private static String arn(String url) {
        return sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
    }

    private SqsEventSourcePoller poller(Function<JsonNode, String> function) {
        return new SqsEventSourcePoller(sqs, queueUrl, queueArn, 10, event -> {
            JsonNode parsed = Json.parse(event).orElseThrow();
            events.add(parsed);
            String response = function.apply(parsed);
            return response == null ? null : response.getBytes(StandardCharsets.UTF_8);
        }, new JsonLogger("poller", JsonLogger.Level.DEBUG, new PrintStream(logs, true, StandardCharsets.UTF_8),
                Clock.systemUTC()), Duration.ZERO);
    }

    private void send(String body) {
        sqs.sendMessage(r -> r.queueUrl(queueUrl).messageBody(body));
    }

    private static String failures(String... ids) {
        StringBuilder json = new StringBuilder("{\"batchItemFailures\":[");
        for (int i = 0; i < ids.length; i++) {
            json.append(i == 0 ? "" : ",").append("{\"itemIdentifier\":\"").append(ids[i]).append("\"}");
        }
        return json.append("]}").toString();
    }

    private static String idOf(JsonNode event, String body) {
        for (JsonNode record : event.path("Records")) {
            if (body.equals(record.path("body").asText())) {
                return record.path("messageId").asText();
            }
        }
        throw new AssertionError("no record with body " + body);
    }

    private List<Message> drain(String url) {
        return sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(0)
                .messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages();
    }

    @Test
    void buildsTheEventLambdaBuildsAndDeletesWhatSucceeded() throws Exception {
        String body = "{\"message_id\":\"m-1\",\"text\":\"héllo\"}";
        sqs.sendMessage(r -> r.queueUrl(queueUrl).messageBody(body).messageAttributes(Map.of(
                "message_id", MessageAttributeValue.builder().dataType("String").stringValue("m-1").build(),
                "count", MessageAttributeValue.builder().dataType("Number").stringValue("42").build(),
                "blob", MessageAttributeValue.builder().dataType("Binary")
                        .binaryValue(SdkBytes.fromByteArray(new byte[]{1, 2, 3})).build())));

        assertEquals(1, poller(event -> null).pollOnce(Duration.ofSeconds(1)));

        JsonNode record = events.get(0).path("Records").path(0);
        assertEquals(1, events.get(0).path("Records").size());
        assertFalse(record.path("messageId").asText().isEmpty());
        assertFalse(record.path("receiptHandle").asText().isEmpty());
        assertEquals(body, record.path("body").asText());
        JsonNode attributes = record.path("attributes");
        assertEquals("1", attributes.path("ApproximateReceiveCount").asText());
        assertTrue(attributes.path("SentTimestamp").asText().matches("\\d{13}"));
        assertTrue(attributes.path("ApproximateFirstReceiveTimestamp").asText().matches("\\d{13}"));
        assertFalse(attributes.path("SenderId").asText().isEmpty());
        JsonNode id = record.path("messageAttributes").path("message_id");
        assertEquals("m-1", id.path("stringValue").asText());
        assertEquals("String", id.path("dataType").asText());
        assertTrue(id.path("stringListValues").isArray());
        assertTrue(id.path("binaryListValues").isArray());
        assertEquals("42", record.path("messageAttributes").path("count").path("stringValue").asText());
        assertEquals("Number", record.path("messageAttributes").path("count").path("dataType").asText());
        assertEquals(Base64.getEncoder().encodeToString(new byte[]{1, 2, 3}),
                record.path("messageAttributes").path("blob").path("binaryValue").asText());
        assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("MD5")
                .digest(body.getBytes(StandardCharsets.UTF_8))), record.path("md5OfBody").asText());
        assertEquals("aws:sqs", record.path("eventSource").asText());
        assertEquals(queueArn, record.path("eventSourceARN").asText());
        assertEquals(REGION, record.path("awsRegion").asText());

        assertEquals(List.of(), drain(queueUrl), "a record not listed as failed is deleted");
    }

    @Test
    void emptyQueueInvokesNothing() {
        assertEquals(0, poller(event -> null).pollOnce(Duration.ZERO));
        assertTrue(events.isEmpty());
    }

    @Test
    void listedFailuresComeBackWithAHigherReceiveCountAndTheRestIsDeleted() {
        send("keep");
        send("done");
        SqsEventSourcePoller poller = poller(event -> failures(idOf(event, "keep")));

        assertEquals(2, poller.pollOnce(Duration.ofSeconds(1)));

        List<Message> again = drain(queueUrl);
        assertEquals(1, again.size());
        assertEquals("keep", again.get(0).body());
        assertEquals("2", again.get(0).attributesAsStrings().get("ApproximateReceiveCount"));
    }

    @Test
    void anExceptionFromTheFunctionKeepsTheWholeBatch() {
        send("a");
        send("b");
        SqsEventSourcePoller poller = poller(event -> {
            throw new IllegalStateException("boom");
        });

        assertEquals(2, poller.pollOnce(Duration.ofSeconds(1)));

        assertEquals(2, drain(queueUrl).size());
        assertTrue(logs.toString(StandardCharsets.UTF_8).contains("sqs_event_source_invoke_failed"));
    }

    @Test
    void anInvalidResponseKeepsTheWholeBatch() {
        send("x");
        send("y");
        assertEquals(2, poller(event -> failures("not-in-this-batch")).pollOnce(Duration.ofSeconds(1)));
        assertEquals(2, drain(queueUrl).size());
    }

    @Test
    void aResponseThatIsNotJsonKeepsTheWholeBatch() {
        send("x");
        assertEquals(1, poller(event -> "{oops").pollOnce(Duration.ofSeconds(1)));
        assertEquals(1, drain(queueUrl).size());
    }

    @Test
    void anEmptyFailureListDeletesEverything() {
        send("x");
        assertEquals(1, poller(event -> "{\"batchItemFailures\":[]}").pollOnce(Duration.ofSeconds(1)));
        assertEquals(List.of(), drain(queueUrl));
    }

    @Test
    void theRedrivePolicyMovesARecordThatKeepsFailingToTheDlq() {
        send("poison");
        SqsEventSourcePoller poller = poller(event -> failures(idOf(event, "poison")));

        for (int receive = 1; receive <= 3; receive++) {
            assertEquals(1, poller.pollOnce(Duration.ofSeconds(1)), "receive " + receive);
        }
        assertEquals(0, poller.pollOnce(Duration.ofSeconds(1)), "the fourth receive moves it to the DLQ");

        List<Message> dead = drain(dlqUrl);
        assertEquals(1, dead.size());
        assertEquals("poison", dead.get(0).body());
        assertEquals(List.of("1", "2", "3"), events.stream()
                .map(e -> e.path("Records").path(0).path("attributes").path("ApproximateReceiveCount").asText())
                .toList());
    }

    @Test
    void batchesHoldAtMostTheBatchSize() {
        for (int i = 0; i < 14; i++) {
            send("m" + i);
        }
        SqsEventSourcePoller poller = new SqsEventSourcePoller(sqs, queueUrl, queueArn, 4, event -> {
            events.add(Json.parse(event).orElseThrow());
            return new byte[0];
        }, new JsonLogger("poller", "ERROR"), Duration.ofSeconds(1));

        int total = 0;
        int received;
        while ((received = poller.pollOnce(Duration.ZERO)) > 0) {
            assertTrue(received <= 4);
            total += received;
        }
        assertEquals(14, total);
    }

    @Test
    void theBackgroundLoopDeliversUntilClosed() throws Exception {
        SqsEventSourcePoller poller = poller(event -> null);
        poller.start();
        try {
            send("first");
            send("second");
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (countBodies() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(2, countBodies());
        } finally {
            poller.close();
        }
        send("after close");
        Thread.sleep(1500);
        assertEquals(2, countBodies(), "nothing is received after close");
    }

    @Test
    void withAConcurrencyOfThreeThreeBatchesAreInTheFunctionAtOnceAndASlowOneHoldsUpNoOther() throws Exception {
        for (int i = 0; i < 3; i++) {
            send("slow" + i);
        }
        java.util.concurrent.atomic.AtomicInteger inside = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger most = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        SqsEventSourcePoller poller = new SqsEventSourcePoller(sqs, queueUrl, queueArn, 1, event -> {
            events.add(Json.parse(event).orElseThrow());
            most.accumulateAndGet(inside.incrementAndGet(), Math::max);
            try {
                release.await(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            inside.decrementAndGet();
            return new byte[0];
        }, new JsonLogger("poller", "ERROR"), Duration.ZERO, 3);
        poller.start();
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (most.get() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(3, most.get(), "three batches of one record each, all in the function together");
        } finally {
            release.countDown();
            poller.close();
        }
        assertEquals(3, countBodies());
        assertEquals(0, poller.pollOnce(Duration.ZERO), "all three were settled");
    }

    private int countBodies() {
        List<String> bodies = new ArrayList<>();
        events.forEach(e -> e.path("Records").forEach(r -> bodies.add(r.path("body").asText())));
        return bodies.size();
    }
}
