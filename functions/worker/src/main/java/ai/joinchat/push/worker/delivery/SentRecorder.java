package ai.joinchat.push.worker.delivery;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.DependencyUnavailableException;
import ai.joinchat.push.aws.SdkFailures;
import ai.joinchat.push.observability.JsonLogger;
import ai.joinchat.push.observability.Metrics;
import ai.joinchat.push.queue.OutboundQueue;
import ai.joinchat.push.queue.QueuedMessage;
import ai.joinchat.push.request.Recipient;
import ai.joinchat.push.store.Inputs;
import ai.joinchat.push.store.Lifecycle.Transition;
import ai.joinchat.push.store.MessageRecords;
import ai.joinchat.push.store.MessageStatus;
import ai.joinchat.push.store.QuickReplyOffers;
import ai.joinchat.push.worker.delivery.MessageDelivery.Receive;

import java.time.Clock;
import java.time.Duration;
import java.util.Set;

/**
 * Records a send Facebook accepted: the {@code sent} write and the quick-reply offers. When the
 * write fails, a copy carrying Facebook's message id goes back on the queue to record it; only if
 * the queue refuses that too is it left unrecorded for the echo (sending twice would be worse).
 */
record SentRecorder(MessageRecords records, QuickReplyOffers offers, OutboundQueue sentCopies, Clock clock,
                    JsonLogger logger, Metrics metrics) {

    /** Tries of the {@code sent} write before its copy is queued instead, and the pause before the second. */
    static final int MARK_SENT_TRIES = 3;
    static final Duration MARK_SENT_PAUSE = Duration.ofMillis(100);
    /** Kept from the deadline, while the {@code sent} write is retried, for queueing its copy. */
    static final Duration SENT_COPY_RESERVE = Duration.ofMillis(300);
    /** When the copy that records a send comes back: DynamoDB gets a moment to recover. */
    static final int SENT_COPY_DELAY_SECONDS = 2;

    /**
     * Facebook took the message just now: {@code SENT}, or how it was left to be recorded later. The offers go first,
     * so whoever reads {@code sent} (a developer's app, the callbacks) can count on a tap binding from then on.
     */
    DeliveryOutcome afterSend(QueuedMessage message, QueuedMessage.Sent sent, Deadline deadline) {
        recordOffers(message, sent);
        try {
            markSent(message, sent, deadline.minus(SENT_COPY_RESERVE));
        } catch (DependencyUnavailableException e) {
            return requeueOrLeave(message, sent, deadline, e);
        }
        return DeliveryOutcome.SENT;
    }

    /** The receive of a copy that carries a send Facebook already accepted: record it, send nothing. */
    MessageDelivery.Result recordCopy(Receive receive, Deadline deadline) {
        recordLate(receive.message(), deadline);
        receive.log(logger.info("message_delivery"), DeliveryOutcome.SENT_RECORDED)
                .with("status", MessageStatus.SENT.wireName())
                .with("facebook_message_id", receive.message().sent().facebookMessageId())
                .write();
        return new MessageDelivery.Result(DeliveryOutcome.SENT_RECORDED, new Disposition.Ack());
    }

    void recordLate(QueuedMessage message, Deadline deadline) {
        recordOffers(message, message.sent());
        markSent(message, message.sent(), deadline);
        metrics.count("SentRecordedLate", 1);
    }

    private void markSent(QueuedMessage message, QueuedMessage.Sent sent, Deadline deadline) {
        for (int attempt = 1; ; attempt++) {
            try {
                records.run(Transition.MARK_SENT, message.messageId(), Inputs.at(clock.instant())
                        .withPage(message.pageId()).withSent(sent.facebookMessageId(), sent.psid(), sent.at()),
                        deadline);
                return;
            } catch (DependencyUnavailableException e) {
                Duration pause = SdkFailures.backoff(MARK_SENT_PAUSE, attempt);
                if (attempt >= MARK_SENT_TRIES || deadline.remaining().compareTo(pause) <= 0) {
                    throw e;
                }
                SdkFailures.pauseBeforeRetry("DynamoDB", pause.toMillis());
            }
        }
    }

    private DeliveryOutcome requeueOrLeave(QueuedMessage message, QueuedMessage.Sent sent, Deadline deadline,
                                           DependencyUnavailableException cause) {
        DeliveryOutcome outcome;
        try {
            sentCopies.enqueue(message.withSent(sent), SENT_COPY_DELAY_SECONDS, deadline);
            metrics.count("SentRecordsRequeued", 1);
            outcome = DeliveryOutcome.SENT_RECORD_REQUEUED;
        } catch (DependencyUnavailableException e) {
            metrics.count("SentNotRecorded", 1);
            outcome = DeliveryOutcome.SENT_NOT_RECORDED;
        }
        (outcome == DeliveryOutcome.SENT_NOT_RECORDED ? logger.error("mark_sent_failed")
                : logger.warn("mark_sent_requeued"))
                .with("message_id", message.messageId())
                .with("page_id", message.pageId())
                .with("facebook_message_id", sent.facebookMessageId())
                .with(cause)
                .write();
        return outcome;
    }

    /**
     * The webhook binds a tap only against an offer of its kind, never a text quick reply's
     * payload. Best effort: the worst case of a failure is a tap that does not bind.
     */
    private void recordOffers(QueuedMessage message, QueuedMessage.Sent sent) {
        Set<QuickReplyOffers.Kind> kinds = QuickReplyOffers.Kind.offeredBy(message.message());
        Set<String> textPayloads = QuickReplyOffers.textPayloads(message.message(), SentRecorder::contactLike);
        if ((kinds.isEmpty() && textPayloads.isEmpty()) || sent.psid() == null) {
            return;
        }
        try {
            offers.record(message.pageId(), sent.psid(), kinds, textPayloads, sent.at());
        } catch (RuntimeException e) {
            logger.warn("quick_reply_offer_not_recorded")
                    .with("message_id", message.messageId())
                    .with("page_id", message.pageId())
                    .with(e)
                    .write();
            metrics.count("QuickReplyOffersNotRecorded", 1);
        }
    }

    /** What the webhook could take for a tapped phone number or e-mail address (its binding rules' normalisers). */
    private static boolean contactLike(String payload) {
        return Recipient.normalizedPhone(payload).isPresent() || Recipient.normalizedEmail(payload).isPresent();
    }
}
