package ai.joinchat.push.worker.delivery;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.aws.SdkFailures;
import ai.joinchat.push.observability.JsonLogger;
import ai.joinchat.push.observability.Metrics;
import ai.joinchat.push.queue.QueuedMessage;
import ai.joinchat.push.store.MessageRecords;
import ai.joinchat.push.worker.DeliveryPolicy;
import ai.joinchat.push.worker.pacing.PagePacing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The page's pace before the claim: a near slot is waited for here, a far one puts the message
 * back on the queue until then. Before it first goes back its record is committed (SQS took it),
 * or the status read would settle a still-pending record {@code failed}; when the commit loses to
 * the send API's rejection, the claim decides.
 */
record SlotWait(PagePacing pacing, MessageRecords records, DeliveryPolicy policy, Clock clock, JsonLogger logger,
               Metrics metrics) {

    /** A paced message whose slot is at most this far off waits for it inline instead of going back to the queue. */
    static final Duration INLINE_PACE_WAIT = Duration.ofMillis(250);
    /** A copy put back for its slot waits inline for up to this (SQS delays by whole seconds). */
    static final Duration COPY_INLINE_PACE_WAIT = Duration.ofSeconds(1);
    /** What an inline wait must leave of the invocation's deadline for the send itself. */
    static final Duration SEND_RESERVE = Duration.ofSeconds(3);

    /** Empty when the message may be sent now (after an inline wait); else it goes back until its slot. */
    Optional<MessageDelivery.Result> awaitSlot(Receive receive, Deadline deadline) {
        QueuedMessage message = receive.message();
        Instant now = clock.instant();
        if (policy.throttledTooLong(message, now)) {
            return Optional.empty(); // one last try: throttled again, it ends rate_limited
        }
        if (message.notBefore() != null) {
            pacing.pacedElsewhere(message.pageId(), now); // the page's other messages take slots here too
        }
        Instant slot = message.notBefore() != null ? message.notBefore() : pacing.slot(message.pageId(), now, deadline);
        Duration wait = Duration.between(now, slot);
        if (wait.isNegative() || wait.isZero()) {
            return Optional.empty();
        }
        // A copy comes back on the whole second before its slot (SQS's unit): it waits out the rest here,
        // so copies keep their own slots instead of bunching on the second, and never loop through the queue.
        Duration inline = message.notBefore() != null ? COPY_INLINE_PACE_WAIT : INLINE_PACE_WAIT;
        if (wait.compareTo(inline) <= 0 && deadline.remaining().compareTo(wait.plus(SEND_RESERVE)) > 0) {
            SdkFailures.pauseBeforeRetry("DynamoDB", wait.toMillis());
            return Optional.empty();
        }
        if (message.throttledSince() == null
                && records.commit(message.messageId(), deadline) != MessageRecords.Decision.COMMITTED) {
            return Optional.empty();
        }
        metrics.count("MessagesPaced", 1);
        receive.log(logger.info("message_delivery"), DeliveryOutcome.THROTTLED)
                .with("claim", "paced until " + slot)
                .with("wait_ms", wait.toMillis())
                .write();
        return Optional.of(new MessageDelivery.Result(DeliveryOutcome.THROTTLED,
                Disposition.untilSlot(message.throttled(now, slot), wait)));
    }
}
