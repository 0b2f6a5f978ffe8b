package ai.joinchat.push.worker;

import java.util.Locale;

/** What became of one SQS record, and what SQS is told about it. */
public enum DeliveryOutcome {
    /** Facebook accepted it; the record is {@code sent}. */
    SENT(false, false),
    /** Facebook accepted it but the record could not be written; acknowledged so it is never sent twice. */
    SENT_NOT_RECORDED(false, false),
    /** The record was already {@code sent} (or later) or {@code failed}: acknowledged without sending. */
    DUPLICATE_SKIPPED(false, false),
    /** A permanent failure, recorded {@code failed}; acknowledged, never retried. */
    FAILED(false, false),
    /** A transient failure on the last allowed receive: recorded {@code failed}, left to SQS for the DLQ. */
    FAILED_LAST_ATTEMPT(true, false),
    /** A transient failure: the record is back to {@code queued}; SQS redelivers it. */
    RETRY(true, true),
    /** Another invocation holds a live lease on the record; SQS redelivers it. */
    IN_FLIGHT(true, true),
    /** DynamoDB or Secrets Manager failed; nothing was changed; SQS redelivers it. */
    DEPENDENCY_UNAVAILABLE(true, true),
    /** Not attempted: an earlier message to the same recipient is being retried (keeps their order). */
    HELD(true, true),
    /** Not attempted: too little of the invocation's time was left to send safely. */
    DEFERRED(true, true),
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

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
