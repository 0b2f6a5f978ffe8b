package ai.joinchat.push.worker;

import java.util.Locale;

/** What became of one SQS record, and what SQS is told about it. */
public enum DeliveryOutcome {
    /** Facebook accepted it; the record is {@code sent}. */
    SENT(false, false),
    /**
     * Facebook accepted it but the record could not be written, even by a queued copy;
     * acknowledged (the page's echo records it).
     */
    SENT_NOT_RECORDED(false, false),
    /**
     * Facebook accepted it but the record could not be written: a copy that only records it
     * ({@link ai.joinchat.push.queue.QueuedMessage.Sent}) is back on the queue; this one is acknowledged.
     */
    SENT_RECORD_REQUEUED(false, false),
    /** A copy carrying a send an earlier receive could not record: recorded {@code sent} now, nothing sent. */
    SENT_RECORDED(false, false),
    /** The record was already {@code sent} (or later) or {@code failed}: acknowledged without sending. */
    DUPLICATE_SKIPPED(false, false),
    /** The send API never committed it (answered 503 or 4xx, or died before writing it): never sent. */
    DROPPED(false, false),
    /** A permanent failure, recorded {@code failed}; acknowledged, never retried. */
    FAILED(false, false),
    /** A transient failure on the last allowed receive: recorded {@code failed}, left to SQS for the DLQ. */
    FAILED_LAST_ATTEMPT(true, false),
    /** A transient failure: the record is back to {@code queued}; SQS redelivers it. */
    RETRY(true, true),
    /**
     * The Send API call timed out or was cut after the request left: Facebook may have it. The
     * record stays {@code sending} until the page's echo confirms it or the next attempt sends again.
     */
    UNKNOWN_OUTCOME(true, true),
    /** Another invocation holds a live lease on the record; SQS redelivers it when the lease ends. */
    IN_FLIGHT(true, true),
    /** The send API has not decided yet whether it was accepted; looked at again within a second. */
    UNDECIDED(true, true),
    /** Put back on the queue as a fresh copy rather than dead-lettered unattempted; this copy is acknowledged. */
    REQUEUED(false, true),
    /**
     * Facebook throttled the page, or the page's pace has no slot for it yet: put back on the queue
     * as a fresh copy delayed until its slot (no receive spent; the record stays {@code queued}).
     * Reported to SQS (with a visibility change) only when the copy could not be queued.
     */
    THROTTLED(true, true),
    /** DynamoDB or Secrets Manager failed; nothing was changed; SQS redelivers it. */
    DEPENDENCY_UNAVAILABLE(true, true),
    /** Not attempted: an earlier message to the same recipient is being retried (keeps their order). */
    HELD(true, true),
    /**
     * Not attempted: too little of the invocation's time was left to send safely, or the page's
     * secret could not be looked up yet (the lookup limit deferred it; never "not configured").
     */
    DEFERRED(true, true),
    /**
     * A record of the dead-letter queue: the message left the retry cycle (its last receive may
     * have been a killed invocation), so its record is now {@code failed} unless it was settled.
     */
    DEAD_LETTER_RECORDED(false, false),
    /** The SQS body is not a queued message: left to SQS so it reaches the DLQ for inspection. */
    UNREADABLE(true, false),
    /** An unexpected error; SQS redelivers it. */
    ERROR(true, true);

    private final boolean batchItemFailure;
    private final boolean holdsRecipient;

    DeliveryOutcome(boolean batchItemFailure, boolean holdsRecipient) {
        this.batchItemFailure = batchItemFailure;
        this.holdsRecipient = holdsRecipient;
    }

    /** True when the record is reported in {@code batchItemFailures} (SQS delivers it again or dead-letters it). */
    public boolean batchItemFailure() {
        return batchItemFailure;
    }

    /** True when later messages to the same recipient must wait for this one (it will be retried). */
    public boolean holdsRecipient() {
        return holdsRecipient;
    }

    /** Nothing was attempted with Facebook: on the last receive it goes back to the queue rather than the DLQ. */
    public boolean unattempted() {
        return this == IN_FLIGHT || this == UNDECIDED || this == DEFERRED || this == HELD;
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
