package ai.joinchat.push.local.guarantee;

import ai.joinchat.push.json.Json;
import ai.joinchat.push.local.aws.EmbeddedAwsBackends;
import ai.joinchat.push.local.aws.faults.FaultProxy;
import ai.joinchat.push.local.aws.junit.LocalAws;
import ai.joinchat.push.local.aws.template.SamTemplate;
import ai.joinchat.push.local.lambda.SqsEventSourcePoller;
import ai.joinchat.push.observability.JsonLogger;
import ai.joinchat.push.send.SendApiComponents;
import ai.joinchat.push.send.SendApiHandler;
import ai.joinchat.push.signature.SignatureVerifier;
import ai.joinchat.push.signature.WebhookSignatureVerifier;
import ai.joinchat.push.testing.ApiGatewayEvents;
import ai.joinchat.push.testing.FakeLambdaContext;
import ai.joinchat.push.testing.StreamHandlers;
import ai.joinchat.push.webhook.WebhookComponents;
import ai.joinchat.push.webhook.WebhookHandler;
import ai.joinchat.push.worker.WorkerComponents;
import ai.joinchat.push.worker.WorkerHandler;
import com.fasterxml.jackson.databind.JsonNode;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The three functions as SAM deploys them, in this JVM, on the local backends provisioned from
 * template.yaml (a stack of its own), with a {@link FaultProxy} between each function and
 * DynamoDB / SQS, and a {@link FakeMessenger} that echoes what it takes to the webhook. Each
 * handler is invoked through its real entry point with the event JSON Lambda sends; the worker is
 * driven by the SQS event source emulation.
 */
final class GuaranteeRig implements AutoCloseable {

    static final String PAGE_ID = "1029384756";
    static final String API_SECRET = "rig-api-secret";
    static final String PAGE_TOKEN = "rig-page-token";
    static final String APP_SECRET = "rig-app-secret";
    /** Short, so a record a killed invocation held is retried within seconds (the template's is 210 s). */
    static final Duration CLAIM_LEASE = Duration.ofSeconds(3);
    private static final AtomicInteger STACKS = new AtomicInteger();

    final LocalAws aws;
    final FaultProxy sendDynamo;
    final FaultProxy sendSqs;
    final FaultProxy workerDynamo;
    final FakeMessenger messenger;
    final SendApiHandler send;
    final WorkerHandler worker;
    final WebhookHandler webhook;
    final SqsEventSourcePoller poller;
    /** The worker's second event source: the dead-letter queue, whose records it records failed. */
    final SqsEventSourcePoller deadLetterPoller;
    final AtomicInteger echoesRejected = new AtomicInteger();
    private final String queueUrl;
    private final String messagesTable;

    /** The send API's clock, which a test may move forward (to look at a record hours later). */
    final ShiftedClock sendClock = new ShiftedClock();
    /** The worker's simulated invocation time limit. */
    volatile Duration workerRemaining = Duration.ofSeconds(30);
    /** Called before each worker invocation with its event (to arm faults, duplicate records). */
    volatile java.util.function.Consumer<JsonNode> beforeWorker = event -> { };

    GuaranteeRig(Duration graphTimeout) throws IOException {
        aws = LocalAws.provision(EmbeddedAwsBackends.start(0, 0, 0), SamTemplate.read(template()),
                "guarantee" + STACKS.incrementAndGet());
        aws.putPageSecret(PAGE_ID, API_SECRET, PAGE_TOKEN, null);
        aws.putAppSecret(APP_SECRET, "rig-verify-token");
        queueUrl = aws.queueUrl("MessageQueue");
        messagesTable = aws.tableName("MessagesTable");
        sendDynamo = FaultProxy.start(URI.create(aws.backends().awsEnvironment().get("AWS_ENDPOINT_URL_DYNAMODB")));
        sendSqs = FaultProxy.start(URI.create(aws.backends().awsEnvironment().get("AWS_ENDPOINT_URL_SQS")));
        workerDynamo = FaultProxy.start(URI.create(aws.backends().awsEnvironment().get("AWS_ENDPOINT_URL_DYNAMODB")));

        webhook = new WebhookHandler(WebhookComponents.create(aws.functionEnvironment("WebhookFunction"),
                Clock.systemUTC(), List.of()));
        messenger = new FakeMessenger(this::postEcho);

        Map<String, String> sendEnv = new HashMap<>(aws.functionEnvironment("SendApiFunction"));
        sendEnv.put("AWS_ENDPOINT_URL_DYNAMODB", sendDynamo.endpoint().toString());
        sendEnv.put("AWS_ENDPOINT_URL_SQS", sendSqs.endpoint().toString());
        sendEnv.put("LOG_LEVEL", "WARN");
        send = new SendApiHandler(SendApiComponents.create(sendEnv, sendClock));

        Map<String, String> workerEnv = new HashMap<>(aws.functionEnvironment("WorkerFunction"));
        workerEnv.put("AWS_ENDPOINT_URL_DYNAMODB", workerDynamo.endpoint().toString());
        workerEnv.put("GRAPH_API_BASE_URL", messenger.baseUrl());
        workerEnv.put("LOG_LEVEL", "WARN");
        worker = new WorkerHandler(WorkerComponents.create(workerEnv, Clock.systemUTC(), graphTimeout, CLAIM_LEASE));

        poller = new SqsEventSourcePoller(aws.sqs(), queueUrl, aws.stack().queueArn("MessageQueue"),
                10, this::invokeWorker, new JsonLogger("sqs-event-source", "ERROR"),
                Duration.ofSeconds(1));
        deadLetterPoller = new SqsEventSourcePoller(aws.sqs(), aws.queueUrl("MessageDeadLetterQueue"),
                aws.stack().queueArn("MessageDeadLetterQueue"), 10, this::invokeWorker,
                new JsonLogger("sqs-event-source", "ERROR"), Duration.ofSeconds(1));
    }

    private static Path template() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("template.yaml"))) {
                return dir.resolve("template.yaml");
            }
        }
        throw new IllegalStateException("no template.yaml above the working directory");
    }

    // ---- the send API -------------------------------------------------------------------------

    /** What a caller saw: a status and body, or nothing at all (the invocation died). */
    record Answer(int status, JsonNode body) {
        static final Answer NONE = new Answer(0, null);

        String messageId() {
            return body == null ? null : body.path("message_id").asText(null);
        }
    }

    static String textBody(String text) {
        return textBody(text, "24681357");
    }

    static String textBody(String text, String psid) {
        return "{\"page_id\":\"" + PAGE_ID + "\",\"recipient\":{\"id\":\"" + psid + "\"},"
                + "\"message\":{\"template_type\":\"text\",\"text\":\"" + text + "\"}}";
    }

    /** POST /api/send_message through SendApiHandler, with Lambda telling it {@code remaining} is left. */
    Answer send(String body, String idempotencyKey, Duration remaining) {
        Map<String, String> headers = new HashMap<>();
        headers.put("x-joinchat-signature",
                new SignatureVerifier().sign(body.getBytes(StandardCharsets.UTF_8), API_SECRET));
        return send(body, headers, idempotencyKey, remaining);
    }

    /** The timestamped form's headers for this body: what a replayer captures and sends again as is. */
    static Map<String, String> timestamped(String body, long unixSeconds) {
        return Map.of("x-joinchat-timestamp", Long.toString(unixSeconds), "x-joinchat-signature",
                new SignatureVerifier().signTimestamped(body.getBytes(StandardCharsets.UTF_8), unixSeconds, API_SECRET));
    }

    /** POST /api/send_message with these signature headers (and the key, when not null). */
    Answer send(String body, Map<String, String> signatureHeaders, String idempotencyKey, Duration remaining) {
        Map<String, String> headers = new HashMap<>(signatureHeaders);
        if (idempotencyKey != null) {
            headers.put("idempotency-key", idempotencyKey);
        }
        return invokeSend("/api/send_message", body, headers, remaining);
    }

    /** POST /api/message_status for one message, as its caller would ask. */
    Answer messageStatus(String messageId, Duration remaining) {
        String body = "{\"page_id\":\"" + PAGE_ID + "\",\"message_id\":\"" + messageId + "\"}";
        return invokeSend("/api/message_status", body, Map.of("x-joinchat-signature",
                new SignatureVerifier().sign(body.getBytes(StandardCharsets.UTF_8), API_SECRET)), remaining);
    }

    private Answer invokeSend(String path, String body, Map<String, String> headers, Duration remaining) {
        JsonNode result = StreamHandlers.invoke(send, ApiGatewayEvents.post(path, body, headers, false),
                FakeLambdaContext.countingDown(remaining));
        return new Answer(result.path("statusCode").asInt(), Json.parse(result.path("body").asText()));
    }

    // ---- the worker ---------------------------------------------------------------------------

    private byte[] invokeWorker(byte[] event) {
        beforeWorker.accept(Json.parse(new String(event, StandardCharsets.UTF_8)));
        byte[] answer = StreamHandlers.invoke(worker, event, FakeLambdaContext.countingDown(workerRemaining));
        byte[] response = answer.length == 0 ? Json.writeBytes(Json.object()) : answer;
        if (workerDynamo.killed()) {
            // A killed invocation answers nothing: Lambda keeps the whole batch for a redelivery.
            workerDynamo.clear();
            throw new IllegalStateException("the worker invocation was killed");
        }
        return response;
    }

    /**
     * Runs the worker on the queue until nothing is left in it (visible, in flight or delayed),
     * as Lambda's event source would, for at most {@code max}.
     */
    void settle(Duration max) {
        long end = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < end) {
            if (poller.pollOnce(Duration.ZERO) > 0 | deadLetterPoller.pollOnce(Duration.ZERO) > 0) {
                continue;
            }
            if (queueIsEmpty(queueUrl) && queueIsEmpty(aws.queueUrl("MessageDeadLetterQueue"))) {
                return;
            }
            pause(200);
        }
        throw new AssertionError("the queue did not drain within " + max);
    }

    boolean queueIsEmpty(String url) {
        Map<QueueAttributeName, String> attributes = aws.sqs().getQueueAttributes(r -> r.queueUrl(url)
                .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE,
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED)).attributes();
        return attributes.values().stream().allMatch("0"::equals);
    }

    int deadLetters() {
        String dlq = aws.queueUrl("MessageDeadLetterQueue");
        return Integer.parseInt(aws.sqs().getQueueAttributes(r -> r.queueUrl(dlq)
                .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)).attributes()
                .get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES));
    }

    /** The record's status as stored, or null without a record. */
    String status(String messageId) {
        Map<String, AttributeValue> item = aws.dynamoDb().getItem(r -> r.tableName(messagesTable).consistentRead(true)
                .key(Map.of("message_id", AttributeValue.fromS(messageId)))).item();
        return item == null || !item.containsKey("status") ? null : item.get("status").s();
    }

    /** Every record's status, by message id (echo records, which have none, left out). */
    Map<String, String> statuses() {
        Map<String, String> statuses = new HashMap<>();
        aws.dynamoDb().scanPaginator(r -> r.tableName(messagesTable)).items().stream()
                .filter(item -> item.containsKey("status"))
                .forEach(item -> statuses.put(item.get("message_id").s(), item.get("status").s()));
        return statuses;
    }

    // ---- the webhook --------------------------------------------------------------------------

    /** Facebook posting the page's echo; redelivered (as Facebook does) until it is answered 200. */
    private void postEcho(FakeMessenger.Echo echo) {
        long now = echo.timestamp();
        String payload = "{\"object\":\"page\",\"entry\":[{\"id\":\"" + echo.pageId() + "\",\"time\":" + now
                + ",\"messaging\":[{\"sender\":{\"id\":\"" + echo.pageId() + "\"},\"recipient\":{\"id\":\""
                + echo.psid() + "\"},\"timestamp\":" + now + ",\"message\":{\"is_echo\":true,\"app_id\":1517,"
                + "\"metadata\":\"" + echo.messageId() + "\",\"mid\":\"" + echo.mid() + "\",\"text\":\"echo\"}}]}]}";
        JsonNode event = ApiGatewayEvents.post("/webhook", payload, Map.of("x-hub-signature-256",
                new WebhookSignatureVerifier().sign(payload.getBytes(StandardCharsets.UTF_8), APP_SECRET)), false);
        for (int attempt = 0; attempt < 5; attempt++) {
            if (StreamHandlers.invoke(webhook, event, FakeLambdaContext.countingDown(Duration.ofSeconds(10)))
                    .path("statusCode").asInt() == 200) {
                return;
            }
            echoesRejected.incrementAndGet();
            pause(100);
        }
    }

    // ---- plumbing -----------------------------------------------------------------------------

    /** The system clock, plus a shift a test sets. */
    static final class ShiftedClock extends Clock {
        volatile Duration shift = Duration.ZERO;

        @Override
        public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            throw new UnsupportedOperationException("UTC only");
        }

        @Override
        public java.time.Instant instant() {
            return java.time.Instant.now().plus(shift);
        }
    }

    static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The error code of the record, or null. */
    String errorCode(String messageId) {
        Map<String, AttributeValue> item = aws.dynamoDb().getItem(r -> r.tableName(messagesTable).consistentRead(true)
                .key(Map.of("message_id", AttributeValue.fromS(messageId)))).item();
        return item == null || !item.containsKey("error") ? null : item.get("error").m().get("code").s();
    }

    @Override
    public void close() {
        poller.close();
        deadLetterPoller.close();
        messenger.close();
        sendDynamo.close();
        sendSqs.close();
        workerDynamo.close();
        aws.close();
    }
}
