package ai.joinchat.push.local.lambda;

import ai.joinchat.push.concurrent.DaemonThreads;
import ai.joinchat.push.json.Json;
import ai.joinchat.push.observability.JsonLogger;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Emulates Lambda's SQS event source mapping with {@code ReportBatchItemFailures}, for tests and
 * local mode: receives up to {@code batchSize} messages, hands them to the function as the SQS
 * event JSON Lambda builds, deletes the records the response does not list in
 * {@code batchItemFailures}, and makes the listed ones visible again after a backoff. The
 * dead-letter move is left to the queue's own RedrivePolicy, exactly as with Lambda.
 *
 * <p>Like Lambda's {@code ScalingConfig.MaximumConcurrency}, {@code concurrency} pollers run at once
 * once {@link #start()}ed, each receiving and settling its own batches, so one slow batch does not
 * hold up the next; the function must then take concurrent invocations (each one a container of
 * its own, as in Lambda, or one that is thread-safe).
 *
 * <p>As with Lambda, a response that is not valid JSON, or a failure whose {@code itemIdentifier}
 * is empty or not in the batch, fails the whole batch; so does an exception from the function.
 * An empty response (or {@code null}/empty {@code batchItemFailures}) means every record succeeded.
 */
public final class SqsEventSourcePoller implements AutoCloseable {

    /** Long-poll wait of the background loop: short, so {@link #close()} returns promptly. */
    private static final Duration LOOP_WAIT = Duration.ofSeconds(1);

    /** The system attributes Lambda puts in each record (for a standard queue without X-Ray). */
    private static final List<String> RECORD_ATTRIBUTES = List.of(
            "ApproximateReceiveCount", "SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp");

    private final SqsClient sqs;
    private final String queueUrl;
    private final String queueArn;
    private final int batchSize;
    private final Function<byte[], byte[]> invoker;
    private final JsonLogger logger;
    private final int backoffSeconds;
    private final int concurrency;

    private volatile boolean running;
    private final List<Thread> threads = new ArrayList<>();

    /**
     * @param queueArn       the event source ARN; its region is the records' {@code awsRegion}
     * @param batchSize      1 to 10, like the template's {@code BatchSize}
     * @param invoker        the function: SQS event JSON in, response JSON out (may be empty)
     * @param failureBackoff how long a failed record stays invisible before it is received again
     *                       (whole seconds, as SQS counts; 0 makes it visible at once)
     */
    public SqsEventSourcePoller(SqsClient sqs, String queueUrl, String queueArn, int batchSize,
                                Function<byte[], byte[]> invoker, JsonLogger logger, Duration failureBackoff) {
        this(sqs, queueUrl, queueArn, batchSize, invoker, logger, failureBackoff, 1);
    }

    /**
     * @param concurrency how many batches are in the function at once after {@link #start()} (the
     *                    template's {@code MaximumConcurrency}); 1 polls one batch at a time
     */
    public SqsEventSourcePoller(SqsClient sqs, String queueUrl, String queueArn, int batchSize,
                                Function<byte[], byte[]> invoker, JsonLogger logger, Duration failureBackoff,
                                int concurrency) {
        if (batchSize < 1 || batchSize > 10) {
            throw new IllegalArgumentException("batchSize must be 1 to 10");
        }
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1");
        }
        this.concurrency = concurrency;
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.queueArn = queueArn;
        this.batchSize = batchSize;
        this.invoker = invoker;
        this.logger = logger;
        this.backoffSeconds = (int) ((failureBackoff.toMillis() + 999) / 1000);
    }

    /**
     * Receives one batch (waiting up to {@code wait}, at most 20 s), invokes the function once
     * with it and settles its records.
     *
     * @return how many messages the batch held (0 when the queue had none)
     */
    public int pollOnce(Duration wait) {
        int waitSeconds = (int) Math.max(0, Math.min(20, wait.toSeconds()));
        List<Message> messages = sqs.receiveMessage(r -> r.queueUrl(queueUrl)
                .maxNumberOfMessages(batchSize)
                .waitTimeSeconds(waitSeconds)
                .messageSystemAttributeNames(MessageSystemAttributeName.ALL)
                .messageAttributeNames("All")).messages();
        if (messages.isEmpty()) {
            return 0;
        }
        List<Message> failed;
        try {
            failed = failedRecords(messages, invoker.apply(Json.writeBytes(event(messages))));
        } catch (RuntimeException e) {
            logger.warn("sqs_event_source_invoke_failed").with("queue_arn", queueArn).with("records", messages.size())
                    .with(e).write();
            failed = messages;
        }
        settle(messages, failed);
        return messages.size();
    }

    /** Runs {@link #pollOnce} in a loop on {@code concurrency} daemon threads until {@link #close()}. */
    public synchronized void start() {
        if (!threads.isEmpty()) {
            throw new IllegalStateException("already started");
        }
        running = true;
        String queueName = queueArn.substring(queueArn.lastIndexOf(':') + 1);
        for (int i = 0; i < concurrency; i++) {
            Thread thread = DaemonThreads.factory("sqs-event-source-" + queueName).newThread(this::loop);
            threads.add(thread);
            thread.start();
        }
    }

    /** Stops the loops and waits for the batches in progress to be settled. */
    @Override
    public synchronized void close() {
        running = false;
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        for (Thread thread : threads) {
            try {
                thread.join(Math.max(1, (until - System.nanoTime()) / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        threads.clear();
    }

    private void loop() {
        while (running) {
            try {
                pollOnce(LOOP_WAIT);
            } catch (RuntimeException e) {
                logger.warn("sqs_event_source_poll_failed").with("queue_arn", queueArn).with(e).write();
                try {
                    Thread.sleep(LOOP_WAIT.toMillis());
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** The event Lambda hands an SQS-triggered function, for a standard queue without X-Ray (as the template's are). */
    ObjectNode event(List<Message> messages) {
        ObjectNode event = Json.object();
        ArrayNode records = event.putArray("Records");
        for (Message message : messages) {
            ObjectNode record = records.addObject();
            record.put("messageId", message.messageId());
            record.put("receiptHandle", message.receiptHandle());
            record.put("body", message.body());
            ObjectNode attributes = record.putObject("attributes");
            Map<String, String> system = message.attributesAsStrings();
            RECORD_ATTRIBUTES.forEach(name -> attributes.put(name, system.get(name)));
            ObjectNode messageAttributes = record.putObject("messageAttributes");
            message.messageAttributes().forEach((name, value) -> messageAttributes.set(name, attribute(value)));
            record.put("md5OfBody", message.md5OfBody());
            if (message.md5OfMessageAttributes() != null) {
                record.put("md5OfMessageAttributes", message.md5OfMessageAttributes());
            }
            record.put("eventSource", "aws:sqs");
            record.put("eventSourceARN", queueArn);
            record.put("awsRegion", queueArn.split(":")[3]);
        }
        return event;
    }

    private static ObjectNode attribute(MessageAttributeValue value) {
        ObjectNode node = Json.object();
        if (value.stringValue() != null) {
            node.put("stringValue", value.stringValue());
        }
        if (value.binaryValue() != null) {
            node.put("binaryValue", Base64.getEncoder().encodeToString(value.binaryValue().asByteArray()));
        }
        // SQS does not implement list values; Lambda's records still carry the empty lists.
        node.putArray("stringListValues");
        node.putArray("binaryListValues");
        node.put("dataType", value.dataType());
        return node;
    }

    /** The records to keep, read from the partial batch response the way Lambda reads it. */
    private List<Message> failedRecords(List<Message> messages, byte[] response) {
        if (response == null || new String(response, StandardCharsets.UTF_8).isBlank()) {
            return List.of();
        }
        JsonNode failures = Json.parse(response).map(root -> root.path("batchItemFailures")).orElse(null);
        if (failures == null) {
            return invalidResponse(messages, "response is not JSON");
        }
        if (failures.isMissingNode() || failures.isNull()) {
            return List.of();
        }
        if (!failures.isArray()) {
            return invalidResponse(messages, "batchItemFailures is not an array");
        }
        List<Message> failed = new ArrayList<>();
        for (JsonNode failure : failures) {
            String id = Json.text(failure, "itemIdentifier");
            Optional<Message> record = messages.stream().filter(message -> message.messageId().equals(id)).findFirst();
            if (record.isEmpty()) {
                return invalidResponse(messages, "a batch item failure names no record of the batch");
            }
            failed.add(record.get());
        }
        return failed;
    }

    private List<Message> invalidResponse(List<Message> messages, String reason) {
        logger.warn("sqs_event_source_invalid_response").with("queue_arn", queueArn).with("reason", reason).write();
        return messages;
    }

    private void settle(List<Message> messages, List<Message> failed) {
        List<DeleteMessageBatchRequestEntry> deletes = new ArrayList<>();
        List<ChangeMessageVisibilityBatchRequestEntry> retries = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            Message message = messages.get(i);
            String entryId = Integer.toString(i);
            if (failed.contains(message)) {
                retries.add(ChangeMessageVisibilityBatchRequestEntry.builder().id(entryId)
                        .receiptHandle(message.receiptHandle()).visibilityTimeout(backoffSeconds).build());
            } else {
                deletes.add(DeleteMessageBatchRequestEntry.builder().id(entryId)
                        .receiptHandle(message.receiptHandle()).build());
            }
        }
        if (!deletes.isEmpty()) {
            sqs.deleteMessageBatch(r -> r.queueUrl(queueUrl).entries(deletes));
        }
        if (!retries.isEmpty()) {
            sqs.changeMessageVisibilityBatch(r -> r.queueUrl(queueUrl).entries(retries));
        }
        logger.debug("sqs_event_source_batch").with("queue_arn", queueArn).with("records", messages.size())
                .with("deleted", deletes.size()).with("failed", retries.size()).write();
    }
}
