package ai.joinchat.push.worker;

import ai.joinchat.push.worker.batch.SqsBatchProcessor;
import ai.joinchat.push.worker.batch.SqsRecord;
import ai.joinchat.push.worker.delivery.MessageDelivery;
import ai.joinchat.push.worker.pacing.PagePacing;
import ai.joinchat.push.worker.graph.GraphSendClient;
import ai.joinchat.push.Deadline;
import ai.joinchat.push.DependencyUnavailableException;
import ai.joinchat.push.queue.OutboundQueue;
import ai.joinchat.push.concurrent.DaemonThreads;
import ai.joinchat.push.json.Json;
import ai.joinchat.push.message.OutboundMessage.TextMessage;
import ai.joinchat.push.request.Recipient;
import ai.joinchat.push.request.RecipientType;
import ai.joinchat.push.observability.JsonLogger;
import ai.joinchat.push.observability.Metrics;
import ai.joinchat.push.queue.QueuedMessage;
import ai.joinchat.push.secrets.SecretsProvider;
import ai.joinchat.push.store.MessageRecord;
import ai.joinchat.push.testing.InMemoryContactBindings;
import ai.joinchat.push.testing.InMemoryMessageRecords;
import ai.joinchat.push.testing.InMemorySecretSource;
import ai.joinchat.push.testing.RecordingOffers;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;

/** The worker wired to in-memory fakes and a Graph API at the given URL (WireMock). */
final class WorkerFixture implements AutoCloseable {

    static final String PAGE_ID = "1234567890";
    static final String PAGE_TOKEN = "EAAGpageTokenForTests0123456789";
    static final String APP_SECRET = "app-secret-for-tests-0123456789";
    static final String MESSAGES_PATH = "/v25.0/" + PAGE_ID + "/messages";

    /** The ARN of a dead-letter queue none of the fixture's records comes from. */
    static final String NO_DEAD_LETTERS = "arn:aws:sqs:us-east-1:000000000000:no-dead-letters";

    /** No queue for the copy of a sent message whose record cannot be written: it is acknowledged unrecorded. */
    static final OutboundQueue NO_SENT_COPIES = (message, delaySeconds, deadline) -> {
        throw new DependencyUnavailableException("SQS", null);
    };

    final InMemoryMessageRecords records = new InMemoryMessageRecords();
    final InMemoryContactBindings bindings = new InMemoryContactBindings();
    final RecordingOffers offers = new RecordingOffers();
    final InMemorySecretSource secrets = new InMemorySecretSource();
    final ByteArrayOutputStream logBuffer = new ByteArrayOutputStream();
    final ByteArrayOutputStream metricBuffer = new ByteArrayOutputStream();
    final Metrics metrics;
    final ExecutorService executor = DaemonThreads.fixedPool("delivery", WorkerComponents.DELIVERY_THREADS);
    final MessageDelivery delivery;
    final RecordingRedelivery redelivery = new RecordingRedelivery();
    final SqsBatchProcessor processor;
    final WorkerComponents components;

    WorkerFixture(String graphBaseUrl, boolean phoneNumberFallback, int maxReceiveCount, Duration graphTimeout) {
        secrets.secrets.put("joinchat/pages/" + PAGE_ID,
                "{\"api_secret\":\"api-secret\",\"page_access_token\":\"" + PAGE_TOKEN + "\"}");
        secrets.secrets.put("joinchat/app", "{\"app_secret\":\"" + APP_SECRET + "\",\"verify_token\":\"vt\"}");
        Clock clock = Clock.systemUTC();
        JsonLogger logger = new JsonLogger("worker", JsonLogger.Level.DEBUG,
                new PrintStream(logBuffer, true, StandardCharsets.UTF_8), clock);
        metrics = new Metrics("worker", new PrintStream(metricBuffer, true, StandardCharsets.UTF_8), clock);
        GraphSendClient graph = GraphSendClient.fromSettings(graphBaseUrl, "v25.0", graphTimeout, clock);
        DeliveryPolicy policy = new DeliveryPolicy(maxReceiveCount, DeliveryPolicy.DEFAULT_CLAIM_LEASE,
                Duration.ofHours(24));
        delivery = new MessageDelivery(records, new SecretsProvider(secrets, "joinchat/pages/", "joinchat/app",
                new JsonLogger("secrets", "WARN")),
                bindings, phoneNumberFallback,
                graph, policy, clock, logger, metrics, offers,
                NO_SENT_COPIES, new PagePacing(new InProcessPaceStore()));
        processor = new SqsBatchProcessor(delivery, redelivery, executor, policy, NO_DEAD_LETTERS, logger);
        components = new WorkerComponents(processor, Duration.ofSeconds(3), logger,
                new WorkerPriming(WorkerComponentsTest.env(), clock, graph), metrics);
    }

    WorkerFixture(String graphBaseUrl) {
        this(graphBaseUrl, false, 5, Duration.ofSeconds(2));
    }

    static QueuedMessage text(String messageId, String recipientType, String recipientValue, String text) {
        return new QueuedMessage(messageId, PAGE_ID, recipient(recipientType, recipientValue),
                new TextMessage(text, List.of()),
                "UPDATE", null, List.of(), Instant.now(), Instant.now().plusSeconds(10), null, null, null);
    }

    static Recipient recipient(String type, String value) {
        return new Recipient(RecipientType.fromWireName(type).orElseThrow(), value);
    }

    /** Writes the record and commits it, as the send API does once SQS took the message. */
    QueuedMessage accepted(QueuedMessage message) {
        records.createPending(MessageRecord.pending(message.messageId(), message.pageId(), message.recipient(),
                message.message().templateType(), message.warnings(), Instant.now(), message.decideBy()),
                Deadline.none());
        records.commit(message.messageId(), Deadline.none());
        return message;
    }

    /** What the batch processor asked SQS for, instead of SQS. */
    static final class RecordingRedelivery implements SqsBatchProcessor.Redelivery {
        final List<String> retried = new java.util.concurrent.CopyOnWriteArrayList<>();
        final List<String> requeued = new java.util.concurrent.CopyOnWriteArrayList<>();
        /** The bodies put back, with their delays, in order. */
        final List<Map.Entry<String, Duration>> requeuedBodies = new java.util.concurrent.CopyOnWriteArrayList<>();
        volatile boolean queueDown;

        @Override
        public void retryIn(SqsRecord record, Duration delay) {
            retried.add(record.messageId() + "@" + delay.toMillis());
        }

        @Override
        public boolean requeue(SqsRecord record, String body, Duration delay) {
            if (queueDown) {
                return false;
            }
            requeued.add(record.messageId());
            requeuedBodies.add(Map.entry(body, delay));
            return true;
        }
    }

    static SqsRecord sqs(QueuedMessage message, int receiveCount) {
        return sqs("sqs-" + message.messageId(), message.toJson(), receiveCount);
    }

    static SqsRecord sqs(String sqsMessageId, String body, int receiveCount) {
        return new SqsRecord(sqsMessageId, body, receiveCount, null, null, null);
    }

    List<JsonNode> logLines() {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : logBuffer.toString(StandardCharsets.UTF_8).split("\n")) {
            if (!line.isBlank()) {
                lines.add(Json.parse(line));
            }
        }
        return lines;
    }

    String logs() {
        return logBuffer.toString(StandardCharsets.UTF_8);
    }

    /** What was recorded so far, written out as the handler writes it when an invocation ends. */
    String metrics() {
        metrics.flush();
        return metricBuffer.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
