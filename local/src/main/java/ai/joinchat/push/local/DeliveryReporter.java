package ai.joinchat.push.local;

import ai.joinchat.push.json.Json;
import ai.joinchat.push.store.DeliveryError;
import ai.joinchat.push.store.MessageRecord;
import ai.joinchat.push.store.MessageRecords;
import com.fasterxml.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * The worker as the SQS event source invokes it, plus one console line per message of each batch:
 * its message id, what became of it (sent, failed, or back to the queue for a retry) and how long
 * after it was accepted. The outcome is read from the delivery record the worker keeps.
 */
final class DeliveryReporter implements Function<byte[], byte[]> {

    private static final String SOURCE = "delivery";

    private final InvocableFunction worker;
    private final Duration invocationLimit;
    private final MessageRecords records;
    private final int maxReceiveCount;
    private final Console console;

    /**
     * @param invocationLimit the worker's timeout; the wait for a result adds a margin for a queued invocation
     * @param maxReceiveCount the queue's RedrivePolicy maxReceiveCount (0 when unknown)
     */
    DeliveryReporter(InvocableFunction worker, Duration invocationLimit, MessageRecords records, int maxReceiveCount,
                     Console console) {
        this.worker = worker;
        this.invocationLimit = invocationLimit;
        this.records = records;
        this.maxReceiveCount = maxReceiveCount;
        this.console = console;
    }

    /** One SQS message of the batch, as the event presents it. */
    record BatchRecord(String sqsMessageId, String messageId, int receiveCount, Instant sentToQueue) {
    }

    @Override
    public byte[] apply(byte[] sqsEvent) {
        List<BatchRecord> batch = batchRecords(sqsEvent);
        byte[] response;
        try {
            response = worker.invoke(sqsEvent).get(invocationLimit.toMillis() + 60_000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            reportBatchFailure(batch, cause instanceof LambdaInvocationException invocation
                    ? invocation.errorType() + ": " + invocation.errorMessage() : String.valueOf(cause));
            throw cause instanceof RuntimeException runtime ? runtime : new IllegalStateException(cause);
        } catch (TimeoutException e) {
            reportBatchFailure(batch, "no result from the worker");
            throw new IllegalStateException("the worker did not answer", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the worker ran", e);
        }
        Set<String> retried = batchItemFailures(response);
        for (BatchRecord record : batch) {
            report(record, retried.contains(record.sqsMessageId()));
        }
        return response;
    }

    private void report(BatchRecord batchRecord, boolean retried) {
        if (batchRecord.messageId() == null) {
            console.print(SOURCE, "delivery", "SQS message " + batchRecord.sqsMessageId()
                    + (retried ? " failed and goes back to the queue" : " was handled") + " (not a queued message)");
            return;
        }
        MessageRecord found;
        try {
            found = records.find(batchRecord.messageId()).orElse(null);
        } catch (RuntimeException e) {
            found = null;
        }
        Instant since = found != null ? found.createdAt() : batchRecord.sentToQueue();
        long latencyMillis = since == null ? -1 : Duration.between(since, Instant.now()).toMillis();
        String status = retried ? "retrying" : found != null ? found.status().wireName() : "unknown";
        StringBuilder line = new StringBuilder(batchRecord.messageId()).append("  ").append(status);
        String facebookId = found == null ? null : found.facebookMessageId();
        if (facebookId != null && !retried) {
            line.append(found.psid() != null ? " -> psid " + found.psid() : "").append("  facebook ").append(facebookId);
        }
        DeliveryError error = found == null ? null : found.error();
        if (error != null && (retried || "failed".equals(status))) {
            line.append("  error ").append(error.code()).append(error.subcode() != null ? "/" + error.subcode() : "")
                    .append(": ").append(error.message());
        }
        if (retried) {
            line.append("  (attempt ").append(batchRecord.receiveCount())
                    .append(maxReceiveCount <= 0 ? "" : " of " + maxReceiveCount
                            + (batchRecord.receiveCount() >= maxReceiveCount ? ", next stop the dead-letter queue" : ""))
                    .append(')');
        }
        if (latencyMillis >= 0) {
            line.append(String.format(Locale.ROOT, "  %.2f s after it was accepted", latencyMillis / 1000.0));
        }
        console.print(SOURCE, "delivery", line.toString(), Console.fields("message_id", batchRecord.messageId(),
                "status", status, "facebook_message_id", facebookId, "attempt", batchRecord.receiveCount(),
                "latency_ms", latencyMillis));
    }

    private void reportBatchFailure(List<BatchRecord> batch, String reason) {
        List<String> ids = new ArrayList<>();
        batch.forEach(record -> ids.add(record.messageId() != null ? record.messageId() : record.sqsMessageId()));
        console.print(SOURCE, "batch_failed", "worker invocation failed (" + reason + "); "
                        + batch.size() + " message(s) go back to the queue: " + String.join(", ", ids),
                Console.fields("messages", ids, "reason", reason));
    }

    static List<BatchRecord> batchRecords(byte[] sqsEvent) {
        List<BatchRecord> batch = new ArrayList<>();
        JsonNode event = Json.parse(sqsEvent).orElse(Json.object());
        for (JsonNode record : event.path("Records")) {
            String messageId = Json.parse(record.path("body").asText("").getBytes(StandardCharsets.UTF_8))
                    .map(body -> Json.text(body, "message_id")).orElse(null);
            JsonNode attributes = record.path("attributes");
            long sentMillis = attributes.path("SentTimestamp").asLong(0);
            batch.add(new BatchRecord(record.path("messageId").asText(), messageId,
                    attributes.path("ApproximateReceiveCount").asInt(1),
                    sentMillis > 0 ? Instant.ofEpochMilli(sentMillis) : null));
        }
        return batch;
    }

    static Set<String> batchItemFailures(byte[] response) {
        Set<String> failed = new HashSet<>();
        Json.parse(response).ifPresent(node -> node.path("batchItemFailures").forEach(failure ->
                failed.add(failure.path("itemIdentifier").asText())));
        return failed;
    }
}
