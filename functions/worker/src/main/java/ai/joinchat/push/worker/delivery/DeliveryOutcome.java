package ai.joinchat.push.worker.delivery;

import ai.joinchat.push.observability.JsonLogger;
import ai.joinchat.push.queue.QueuedMessage;

import java.util.Locale;

/** What became of one SQS record: its log line's {@code outcome}; what SQS is told is its {@link Disposition}. */
public enum DeliveryOutcome {
    /** Facebook accepted it; the record is {@code sent}. */
    SENT,
    /** Facebook accepted it but the record could not be written, even by a queued copy (the page's echo records it). */
    SENT_NOT_RECORDED,
    /** Facebook accepted it but the record could not be written: a copy that only records it is back on the queue. */
    SENT_RECORD_REQUEUED,
    /** A copy carrying a send an earlier receive could not record: recorded {@code sent} now, nothing sent. */
    SENT_RECORDED,
    /** The record was already {@code sent} (or later) or {@code failed}: nothing sent. */
    DUPLICATE_SKIPPED,
    /** The send API never committed it (answered 503 or 4xx, or died before writing it): never sent. */
    DROPPED,
    /** A permanent failure, recorded {@code failed}; never retried. */
    FAILED,
    /** A transient failure on the last allowed receive: recorded {@code failed}, left for the DLQ. */
    FAILED_LAST_ATTEMPT,
    /** A transient failure: the record is back to {@code queued}. */
    RETRY,
    /** The Send API call timed out or was cut after the request left: the record stays {@code sending}. */
    UNKNOWN_OUTCOME,
    /** Another invocation holds a live lease on the record. */
    IN_FLIGHT,
    /** The send API has not decided yet whether it was accepted. */
    UNDECIDED,
    /** Facebook throttled the page, or the page's pace has no slot for it yet: back on the queue until its slot. */
    THROTTLED,
    /** DynamoDB, Secrets Manager or SQS failed; nothing was changed. */
    DEPENDENCY_UNAVAILABLE,
    /** Not attempted: an earlier message to the same recipient is being retried (keeps their order). */
    HELD,
    /** Not attempted: too little of the invocation's time was left, or the page's secret lookup was deferred. */
    DEFERRED,
    /** A record of the dead-letter queue: its message record is now {@code failed} unless it was settled. */
    DEAD_LETTER_RECORDED,
    /** The SQS body is not a queued message. */
    UNREADABLE,
    ERROR;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The fields every log line about one message starts with; {@code attempt} is its receive count. */
    public JsonLogger.Entry log(JsonLogger.Entry entry, QueuedMessage message, int attempt) {
        return entry.with("message_id", message.messageId())
                .with("page_id", message.pageId())
                .with("outcome", wireName())
                .with("attempt", attempt);
    }
}
