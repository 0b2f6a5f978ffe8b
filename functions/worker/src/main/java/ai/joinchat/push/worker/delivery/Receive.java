package ai.joinchat.push.worker.delivery;

import ai.joinchat.push.observability.JsonLogger;
import ai.joinchat.push.queue.QueuedMessage;

import java.util.concurrent.TimeUnit;

/** One receive of a queued message; {@code last} on the last receive before the dead-letter queue. */
record Receive(QueuedMessage message, int count, boolean last, long startedNanos) {

    /** The fields every delivery log line starts with. */
    JsonLogger.Entry log(JsonLogger.Entry entry, DeliveryOutcome outcome) {
        return entry.with("message_id", message.messageId())
                .with("page_id", message.pageId())
                .with("outcome", outcome.wireName())
                .with("attempt", count)
                .with("latency_ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos));
    }
}
