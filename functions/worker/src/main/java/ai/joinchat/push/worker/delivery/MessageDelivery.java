package ai.joinchat.push.worker.delivery;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.DependencyUnavailableException;
import ai.joinchat.push.aws.SdkFailures;
import ai.joinchat.push.observability.JsonLogger;
import ai.joinchat.push.observability.Metrics;
import ai.joinchat.push.queue.OutboundQueue;
import ai.joinchat.push.queue.QueuedMessage;
import ai.joinchat.push.secrets.SecretsProvider;
import ai.joinchat.push.store.MessageRecords;
import ai.joinchat.push.store.MessageRecords.Claim;
import ai.joinchat.push.store.QuickReplyOffers;
import ai.joinchat.push.worker.DeliveryPolicy;
import ai.joinchat.push.worker.delivery.Preparation.Prepared;
import ai.joinchat.push.worker.delivery.Preparation.Ready;
import ai.joinchat.push.worker.delivery.Preparation.Unsendable;
import ai.joinchat.push.worker.graph.GraphMessageMapper;
import ai.joinchat.push.worker.graph.GraphSendClient;
import ai.joinchat.push.worker.pacing.PagePacing;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Delivers one queued message through the Messenger Send API, exactly once as far as the
 * delivery record and the page's echoes can tell. Read in this order:
 *
 * <ol>
 *   <li>{@link Preparation}: everything that only reads (secrets, the contact binding, the Send API
 *       body) happens before the record is claimed, so a failure there changes nothing.</li>
 *   <li>{@link SlotWait}: a message of a throttled page waits for its slot, or goes back until then.</li>
 *   <li>The claim, a conditional write with a lease: it takes a committed message, or a
 *       {@code pending} one whose send API invocation is over; a message the send API rejected (or
 *       never wrote) is dropped, one it is still deciding is looked at again within a second, one
 *       already {@code sent} or {@code failed} is acknowledged, one another invocation holds comes
 *       back when the lease ends.</li>
 *   <li>{@link SendAttempt}: the Graph call and the record transition it makes; {@link SentRecorder}
 *       when the {@code sent} write itself fails.</li>
 * </ol>
 *
 * <p>Each path ends in a {@link Result}: what happened, and the {@link Disposition} SQS is told.
 * Thread-safe: one instance per container serves every record of every batch.
 */
public final class MessageDelivery {

    /** How long a delivery waits inline for the send API to decide, re-reading the record. */
    static final Duration DECISION_WAIT = Duration.ofMillis(800);
    static final Duration DECISION_POLL = Duration.ofMillis(100);
    /** When an undecided message is looked at again after the inline wait. */
    static final Duration UNDECIDED_RETRY = Duration.ofSeconds(1);
    /** When a message whose page secret could not be looked up yet is offered again. */
    public static final Duration SECRET_LOOKUP_RETRY = Duration.ofSeconds(2);

    /** What became of a message, and what SQS is told about it. */
    public record Result(DeliveryOutcome outcome, Disposition disposition) {
        public Result {
            Objects.requireNonNull(outcome, "outcome");
            Objects.requireNonNull(disposition, "disposition");
        }
    }

    private final MessageRecords records;
    private final DeliveryPolicy policy;
    private final Clock clock;
    private final JsonLogger logger;
    private final Metrics metrics;
    private final Preparation preparation;
    private final SlotWait slots;
    private final SendAttempt sendAttempt;
    private final SentRecorder sentRecorder;
    private final DeadLetters deadLetters;

    /**
     * @param offers     where a sent message's {@code user_phone_number} / {@code user_email} quick
     *                   replies are recorded, so the webhook binds only taps on offers this system made
     * @param sentCopies the worker's own queue, for the copy of a sent message whose record could
     *                   not be written (when it refuses one, such a message is acknowledged unrecorded)
     * @param pacing     the pages' shared pace ({@link ai.joinchat.push.worker.pacing.DynamoPaceStore})
     */
    public MessageDelivery(MessageRecords records, SecretsProvider secrets, RecipientResolver recipients,
                           GraphMessageMapper mapper, GraphSendClient graph, DeliveryPolicy policy,
                           Clock clock, JsonLogger logger, Metrics metrics, QuickReplyOffers offers,
                           OutboundQueue sentCopies, PagePacing pacing) {
        this.records = Objects.requireNonNull(records, "records");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.logger = Objects.requireNonNull(logger, "logger");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.preparation = new Preparation(secrets, recipients, mapper);
        this.slots = new SlotWait(pacing, records, policy, clock, logger, metrics);
        this.sentRecorder = new SentRecorder(records, offers, sentCopies, clock, logger, metrics);
        this.sendAttempt = new SendAttempt(graph, preparation, records, sentRecorder, pacing, policy, clock, logger,
                metrics);
        this.deadLetters = new DeadLetters(records, sentRecorder, clock, logger, metrics);
    }

    /** What becomes of messages that leave the retry cycle. */
    public DeadLetters deadLetters() {
        return deadLetters;
    }

    /**
     * @param message      the queued message
     * @param receiveCount SQS's {@code ApproximateReceiveCount} of this delivery (1 on the first)
     * @param deadline     when every call of this delivery must be over
     */
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
                Optional<Result> later = slots.awaitSlot(receive, deadline);
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
                records.flagUnconfirmed(message.messageId(), clock.instant(), deadline);
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
     * Claims the record; while it does not exist yet (SQS delivered the copy before the send API's
     * concurrent write landed), re-reads it for a short while before giving up for now.
     */
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

    /**
     * The page's secret could not be looked up yet (the per-container lookup limit): not "page not
     * configured". Nothing is claimed or changed; the message comes back shortly.
     */
    private Result lookupDeferred(Receive receive) {
        metrics.count("SecretLookupsDeferred", 1);
        receive.log(logger.info("message_delivery"), DeliveryOutcome.DEFERRED)
                .with("detail", "page secret lookup deferred").write();
        return unattempted(receive, DeliveryOutcome.DEFERRED, SECRET_LOOKUP_RETRY);
    }

    private static Result unattempted(Receive receive, DeliveryOutcome outcome, Duration retryIn) {
        return new Result(outcome, Disposition.unattempted(receive.message(), receive.last(), outcome, retryIn));
    }
}
