package ai.joinchat.push.worker.delivery;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.DependencyUnavailableException;
import ai.joinchat.push.aws.SdkFailures;
import ai.joinchat.push.observability.JsonLogger;
import ai.joinchat.push.observability.Metrics;
import ai.joinchat.push.queue.OutboundQueue;
import ai.joinchat.push.queue.QueuedMessage;
import ai.joinchat.push.secrets.SecretsProvider;
import ai.joinchat.push.store.ContactBindings;
import ai.joinchat.push.store.DeliveryError;
import ai.joinchat.push.store.Inputs;
import ai.joinchat.push.store.Lifecycle.Transition;
import ai.joinchat.push.store.MessageRecords;
import ai.joinchat.push.store.MessageRecords.Claim;
import ai.joinchat.push.store.QuickReplyOffers;
import ai.joinchat.push.worker.DeliveryPolicy;
import ai.joinchat.push.worker.delivery.Preparation.Prepared;
import ai.joinchat.push.worker.delivery.Preparation.Ready;
import ai.joinchat.push.worker.delivery.Preparation.Unsendable;
import ai.joinchat.push.worker.graph.GraphSendClient;
import ai.joinchat.push.worker.pacing.PagePacing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Delivers one queued message through the Send API exactly once, as far as the record and the page's echoes can tell:
 * {@link Preparation} (reads only, before the claim), {@link #awaitSlot}, the claim (a conditional write with a
 * lease), then {@link SendAttempt} and {@link SentRecorder}. Thread-safe. A message leaving the retry cycle is
 * settled here too: it is never attempted again (and an invocation killed on its last receive recorded nothing), so
 * its record becomes {@code failed} (retryable) unless settled, or {@code sent} for a copy that carries a send.
 */
public final class MessageDelivery {

    /** How long a delivery waits inline for the send API to decide, re-reading the record. */
    static final Duration DECISION_WAIT = Duration.ofMillis(800);
    static final Duration DECISION_POLL = Duration.ofMillis(100);
    /** When an undecided message is looked at again after the inline wait. */
    static final Duration UNDECIDED_RETRY = Duration.ofSeconds(1);
    /** When a message whose page secret could not be looked up yet is offered again. */
    public static final Duration SECRET_LOOKUP_RETRY = Duration.ofSeconds(2);
    /** A paced message whose slot is at most this far off waits for it inline instead of going back to the queue. */
    static final Duration INLINE_PACE_WAIT = Duration.ofMillis(250);
    /** A copy put back for its slot waits inline for up to this (SQS delays by whole seconds). */
    static final Duration COPY_INLINE_PACE_WAIT = Duration.ofSeconds(1);
    /** What an inline wait must leave of the invocation's deadline for the send itself. */
    static final Duration SEND_RESERVE = Duration.ofSeconds(3);
    /** The {@code failed} record's error codes of a message that left the retry cycle. */
    static final String DEPENDENCY_UNAVAILABLE = "dependency_unavailable";
    static final String INTERNAL_ERROR = "internal_error";
    static final String RETRIES_EXHAUSTED = "retries_exhausted";
    static final String UNREADABLE_MESSAGE = "unreadable_message";

    private static final Result RECORDED = new Result(DeliveryOutcome.DEAD_LETTER_RECORDED, new Disposition.Ack());
    private static final Result NOT_RECORDED =
            new Result(DeliveryOutcome.DEPENDENCY_UNAVAILABLE, new Disposition.Retry());

    public record Result(DeliveryOutcome outcome, Disposition disposition) {
    }

    /** One receive of a queued message; {@code last} on the last receive before the dead-letter queue. */
    record Receive(QueuedMessage message, int count, boolean last, long startedNanos) {

        JsonLogger.Entry log(JsonLogger.Entry entry, DeliveryOutcome outcome) {
            return outcome.log(entry, message, count)
                    .with("latency_ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos));
        }
    }

    private final MessageRecords records;
    private final DeliveryPolicy policy;
    private final Clock clock;
    private final JsonLogger logger;
    private final Metrics metrics;
    private final PagePacing pacing;
    private final Preparation preparation;
    private final SendAttempt sendAttempt;
    private final SentRecorder sentRecorder;

    /** {@code sentCopies}: the worker's own queue, for a sent message whose record could not be written. */
    public MessageDelivery(MessageRecords records, SecretsProvider secrets, ContactBindings bindings,
                           boolean phoneNumberFallback, GraphSendClient graph, DeliveryPolicy policy, Clock clock,
                           JsonLogger logger, Metrics metrics, QuickReplyOffers offers, OutboundQueue sentCopies,
                           PagePacing pacing) {
        this.records = records;
        this.policy = policy;
        this.clock = clock;
        this.logger = logger;
        this.metrics = metrics;
        this.pacing = pacing;
        this.preparation = new Preparation(secrets, bindings, phoneNumberFallback);
        this.sentRecorder = new SentRecorder(records, offers, sentCopies, clock, logger, metrics);
        this.sendAttempt = new SendAttempt(graph, preparation, records, sentRecorder, pacing, policy, clock, logger,
                metrics);
    }

    /** {@code receiveCount} is SQS's {@code ApproximateReceiveCount} (1 on the first). */
    public Result deliver(QueuedMessage message, int receiveCount, Deadline deadline) {
        Receive receive = new Receive(message, receiveCount, policy.lastReceive(receiveCount), System.nanoTime());
        try {
            if (message.sent() != null) {
                return sentRecorder.recordCopy(receive, deadline);
            }
            Prepared prepared = preparation.prepare(message);
            if (prepared instanceof Preparation.Deferred) {
                return lookupDeferred(receive);
            }
            if (prepared instanceof Ready) {
                Optional<Result> later = awaitSlot(receive, deadline);
                if (later.isPresent()) {
                    return later.get();
                }
            }
            Claim claim = claim(message, deadline);
            if (!(claim instanceof Claim.Claimed claimed)) {
                return notClaimed(receive, claim);
            }
            if (claimed.unconfirmedBefore()) {
                // The attempt this claim replaces may have reached Facebook: never resend it on purpose.
                records.run(Transition.FLAG_UNCONFIRMED, message.messageId(), Inputs.at(clock.instant()), deadline);
                metrics.count("MessagesResentUnconfirmed", 1);
            }
            return prepared instanceof Ready ready ? sendAttempt.attempt(receive, ready, deadline)
                    : sendAttempt.failPermanently(receive, ((Unsendable) prepared).error(), deadline);
        } catch (DependencyUnavailableException e) {
            receive.log(logger.warn("message_delivery"), DeliveryOutcome.DEPENDENCY_UNAVAILABLE).with(e).write();
            metrics.count("DependencyFailures", 1);
            return new Result(DeliveryOutcome.DEPENDENCY_UNAVAILABLE,
                    Disposition.withoutAnswer(receive.last(), DeliveryOutcome.DEPENDENCY_UNAVAILABLE));
        }
    }

    /**
     * The page's pace before the claim: empty when the message may be sent now (after an inline wait
     * for a near slot); a far slot puts it back on the queue until then. Before it first goes back its
     * record is committed (SQS took it), or the status read would settle a still-pending record
     * {@code failed}; when the commit loses to the send API's rejection, the claim decides.
     */
    private Optional<Result> awaitSlot(Receive receive, Deadline deadline) {
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
        return Optional.of(new Result(DeliveryOutcome.THROTTLED,
                Disposition.untilSlot(message.throttled(now, slot), wait)));
    }

    private Claim claim(QueuedMessage message, Deadline deadline) {
        Claim claim = records.claim(message.messageId(), clock.instant(), policy.claimLease(), message.decideBy(),
                deadline);
        Deadline waitUntil = Deadline.in(DECISION_WAIT);
        while (claim instanceof Claim.Undecided && !waitUntil.expired() && !deadline.expired()) {
            SdkFailures.pauseBeforeRetry("DynamoDB", DECISION_POLL.toMillis());
            boolean written = records.find(message.messageId(), deadline).isPresent();
            boolean overdue = message.decideBy() == null || !clock.instant().isBefore(message.decideBy());
            if (written || overdue) {
                claim = records.claim(message.messageId(), clock.instant(), policy.claimLease(), message.decideBy(),
                        deadline);
            }
        }
        return claim;
    }

    private Result notClaimed(Receive receive, Claim claim) {
        Result result;
        String detail;
        if (claim instanceof Claim.Settled settled) {
            result = new Result(DeliveryOutcome.DUPLICATE_SKIPPED, new Disposition.Ack());
            detail = settled.status().wireName();
        } else if (claim instanceof Claim.Dropped dropped) {
            result = new Result(DeliveryOutcome.DROPPED, new Disposition.Ack());
            detail = dropped.reason();
            metrics.count("MessagesDropped", 1);
        } else if (claim instanceof Claim.Busy busy) {
            Duration left = Duration.between(clock.instant(), busy.leaseUntil());
            result = unattempted(receive, DeliveryOutcome.IN_FLIGHT,
                    left.isNegative() ? Duration.ZERO : left.plusSeconds(1));
            detail = "lease until " + busy.leaseUntil();
        } else {
            result = unattempted(receive, DeliveryOutcome.UNDECIDED, UNDECIDED_RETRY);
            detail = "decision due " + ((Claim.Undecided) claim).decideBy();
        }
        receive.log(result.outcome() == DeliveryOutcome.DUPLICATE_SKIPPED ? logger.info("duplicate_delivery_skipped")
                : logger.info("message_delivery"), result.outcome()).with("claim", detail).write();
        return result;
    }

    /** The page's secret lookup was limited (not "not configured"): nothing changed, back shortly. */
    private Result lookupDeferred(Receive receive) {
        metrics.count("SecretLookupsDeferred", 1);
        receive.log(logger.info("message_delivery"), DeliveryOutcome.DEFERRED)
                .with("detail", "page secret lookup deferred").write();
        return unattempted(receive, DeliveryOutcome.DEFERRED, SECRET_LOOKUP_RETRY);
    }

    private static Result unattempted(Receive receive, DeliveryOutcome outcome, Duration retryIn) {
        return new Result(outcome, Disposition.unattempted(receive.message(), receive.last(), outcome, retryIn));
    }

    /** A record of the dead-letter queue: a record still pending, queued or sending becomes {@code failed}. */
    public Result recordDeadLettered(QueuedMessage message, int receiveCount, Deadline deadline) {
        try {
            if (message.sent() != null) {
                // A copy that records a send: Facebook has the message, so it is sent, never failed.
                sentRecorder.recordLate(message, deadline);
                return RECORDED;
            }
            records.run(Transition.MARK_FAILED, message.messageId(), Inputs.at(clock.instant()).withError(
                    new DeliveryError(RETRIES_EXHAUSTED, null, "the message left the retry cycle after " + receiveCount
                            + " receives without a recorded delivery", true)), deadline);
            // Failed by Facebook's refusal of its last attempt: this was its last copy, so now it may be resent.
            records.run(Transition.KEEP_COPY, message.messageId(), Inputs.at(clock.instant())
                    .withResendBody(message.toJson()), deadline);
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
    public Result recordUnreadable(Optional<String> messageId, String sqsMessageId, int receiveCount,
                                   Deadline deadline) {
        if (messageId.isPresent()) {
            DeliveryError error = new DeliveryError(UNREADABLE_MESSAGE, null,
                    "the queued message could not be read; it left the retry cycle after " + receiveCount
                            + " receives", true);
            try {
                records.run(Transition.MARK_FAILED, messageId.get(), Inputs.at(clock.instant()).withError(error),
                        deadline);
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
            records.run(Transition.MARK_FAILED, message.messageId(), Inputs.at(clock.instant()).withError(error),
                    deadline);
            metrics.count("MessagesFailed", 1);
        } catch (RuntimeException e) {
            logger.error("give_up_not_recorded").with("message_id", message.messageId())
                    .with("page_id", message.pageId()).with(e).write();
        }
    }

    private Result notRecorded(String messageId, String key, String value, DependencyUnavailableException e) {
        logger.warn("dead_letter_not_recorded").with("message_id", messageId).with(key, value).with(e).write();
        metrics.count("DependencyFailures", 1);
        return NOT_RECORDED;
    }
}
