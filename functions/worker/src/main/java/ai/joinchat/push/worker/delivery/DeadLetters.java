package ai.joinchat.push.worker.delivery;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.DependencyUnavailableException;
import ai.joinchat.push.observability.JsonLogger;
import ai.joinchat.push.observability.Metrics;
import ai.joinchat.push.queue.QueuedMessage;
import ai.joinchat.push.store.DeliveryError;
import ai.joinchat.push.store.MessageRecords;

import java.time.Clock;
import java.util.Optional;

/**
 * Messages that leave the retry cycle: whatever their last receive did (an invocation killed on
 * it records nothing), they will not be attempted again, so their record becomes {@code failed}
 * (retryable) unless it was settled; a copy that carries a send is recorded {@code sent} instead.
 */
public record DeadLetters(MessageRecords records, SentRecorder sentRecorder, Clock clock, JsonLogger logger,
                          Metrics metrics) {

    static final String DEPENDENCY_UNAVAILABLE = "dependency_unavailable";
    static final String INTERNAL_ERROR = "internal_error";
    static final String RETRIES_EXHAUSTED = "retries_exhausted";
    static final String UNREADABLE_MESSAGE = "unreadable_message";

    private static final MessageDelivery.Result RECORDED =
            new MessageDelivery.Result(DeliveryOutcome.DEAD_LETTER_RECORDED, new Disposition.Ack());
    private static final MessageDelivery.Result NOT_RECORDED =
            new MessageDelivery.Result(DeliveryOutcome.DEPENDENCY_UNAVAILABLE, new Disposition.Retry());

    /** A record of the dead-letter queue: a record still pending, queued or sending becomes {@code failed}. */
    public MessageDelivery.Result recordDeadLettered(QueuedMessage message, int receiveCount, Deadline deadline) {
        try {
            if (message.sent() != null) {
                // A copy that records a send: Facebook has the message, so it is sent, never failed.
                sentRecorder.recordLate(message, deadline);
                return RECORDED;
            }
            records.markFailed(message.messageId(), new DeliveryError(RETRIES_EXHAUSTED, null,
                    "the message left the retry cycle after " + receiveCount + " receives without a recorded delivery",
                    true), clock.instant(), deadline);
            // Failed by Facebook's refusal of its last attempt: this was its last copy, so now it may be resent.
            records.keepCopy(message.messageId(), message.toJson(), clock.instant(), deadline);
        } catch (DependencyUnavailableException e) {
            return notRecorded(message.messageId(), "page_id", message.pageId(), e);
        }
        logger.error("message_dead_lettered").with("message_id", message.messageId())
                .with("page_id", message.pageId()).with("outcome", DeliveryOutcome.DEAD_LETTER_RECORDED.wireName())
                .write();
        metrics.count("MessagesDeadLettered", 1);
        return RECORDED;
    }

    /** A dead letter whose body is unreadable: logged without it; the message its attribute names fails. */
    public MessageDelivery.Result recordUnreadable(Optional<String> messageId, String sqsMessageId, int receiveCount,
                                                   Deadline deadline) {
        if (messageId.isPresent()) {
            DeliveryError error = new DeliveryError(UNREADABLE_MESSAGE, null,
                    "the queued message could not be read; it left the retry cycle after " + receiveCount
                            + " receives", true);
            try {
                records.markFailed(messageId.get(), error, clock.instant(), deadline);
            } catch (DependencyUnavailableException e) {
                return notRecorded(messageId.get(), "sqs_message_id", sqsMessageId, e);
            }
        }
        logger.error("unreadable_dead_letter").with("sqs_message_id", sqsMessageId)
                .with("message_id", messageId.orElse(null)).with("recorded_failed", messageId.isPresent())
                .with("outcome", DeliveryOutcome.DEAD_LETTER_RECORDED.wireName()).write();
        metrics.count("DeadLettersUnreadable", 1);
        return RECORDED;
    }

    /** The last receive ended without a delivery: {@code failed}, retryable. Best effort. */
    public void giveUp(QueuedMessage message, DeliveryOutcome why, Deadline deadline) {
        if (message.sent() != null) {
            // Facebook has it: never failed. The dead-letter queue's receive records it sent.
            logger.warn("sent_record_left_to_dead_letter_queue").with("message_id", message.messageId())
                    .with("page_id", message.pageId()).write();
            return;
        }
        String code = why == DeliveryOutcome.DEPENDENCY_UNAVAILABLE ? DEPENDENCY_UNAVAILABLE : INTERNAL_ERROR;
        DeliveryError error = new DeliveryError(code, null,
                "no attempt succeeded before the queue's receive limit (" + why.wireName() + ")", true);
        try {
            records.markFailed(message.messageId(), error, clock.instant(), deadline);
            metrics.count("MessagesFailed", 1);
        } catch (RuntimeException e) {
            logger.error("give_up_not_recorded").with("message_id", message.messageId())
                    .with("page_id", message.pageId()).with(e).write();
        }
    }

    private MessageDelivery.Result notRecorded(String messageId, String key, String value,
                                               DependencyUnavailableException e) {
        logger.warn("dead_letter_not_recorded").with("message_id", messageId).with(key, value).with(e).write();
        metrics.count("DependencyFailures", 1);
        return NOT_RECORDED;
    }
}
