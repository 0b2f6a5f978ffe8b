package ai.joinchat.push.worker.delivery;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.DependencyUnavailableException;
import ai.joinchat.push.observability.JsonLogger;
import ai.joinchat.push.observability.Metrics;
import ai.joinchat.push.queue.QueuedMessage;
import ai.joinchat.push.store.DeliveryError;
import ai.joinchat.push.store.MessageRecords;
import ai.joinchat.push.store.MessageStatus;
import ai.joinchat.push.worker.DeliveryPolicy;
import ai.joinchat.push.worker.delivery.Preparation.Ready;
import ai.joinchat.push.worker.graph.GraphError;
import ai.joinchat.push.worker.graph.GraphSendOutcome;
import ai.joinchat.push.worker.pacing.PagePacing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * The record transition a Graph outcome makes, and what SQS is then told: {@code sent}; {@code failed}
 * for a permanent error; back to {@code queued} for a transient one; still {@code sending}, lease
 * released, when the outcome is unknown (the page's echo can confirm it before the next attempt).
 * On the last receive every transient failure is recorded {@code failed} (retryable) before SQS
 * dead-letters the message.
 *
 * <p>Throttling is "later", never "never": a throttled answer paces the page ({@link PagePacing}) and
 * the message goes back to the queue until the slot the pace gave it, spending none of its receives.
 * A message still throttled {@code MaxThrottleHours} after it was first held ends {@code failed}
 * with {@code rate_limited}, retryable.
 */
final class Settlement {

    static final String RATE_LIMITED = "rate_limited";
    /** How long a throttled message waits when the page's shared pace is out of reach. */
    static final Duration UNPACED_BACKOFF = Duration.ofSeconds(2);

    private final MessageRecords records;
    private final SentRecorder sentRecorder;
    private final PagePacing pacing;
    private final DeliveryPolicy policy;
    private final Clock clock;
    private final JsonLogger logger;
    private final Metrics metrics;

    Settlement(MessageRecords records, SentRecorder sentRecorder, PagePacing pacing, DeliveryPolicy policy,
               Clock clock, JsonLogger logger, Metrics metrics) {
        this.records = Objects.requireNonNull(records, "records");
        this.sentRecorder = Objects.requireNonNull(sentRecorder, "sentRecorder");
        this.pacing = Objects.requireNonNull(pacing, "pacing");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.logger = Objects.requireNonNull(logger, "logger");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    Attempt settle(Receive receive, Ready ready, Sender.Call call, Deadline deadline) {
        QueuedMessage message = receive.message();
        OptionalLong latency = OptionalLong.of(call.latencyMs());
        if (call.outcome() instanceof GraphSendOutcome.Sent sent) {
            pacing.sent(message.pageId(), clock.instant());
            metrics.count("MessagesSent", 1);
            String psid = ready.recipient().psid() != null ? ready.recipient().psid() : sent.recipientId();
            QueuedMessage.Sent done = new QueuedMessage.Sent(sent.facebookMessageId(), psid, call.startedAt());
            return new Attempt.Sent(sentRecorder.afterSend(message, done, deadline), sent.facebookMessageId(),
                    call.latencyMs());
        }
        if (call.outcome() instanceof GraphSendOutcome.Throttled throttled) {
            return throttled(message, throttled, latency, deadline);
        }
        if (call.outcome() instanceof GraphSendOutcome.Unknown unknown) {
            metrics.count("SendOutcomeUnknown", 1);
            return transientFailure(receive, toDeliveryError(unknown.error(), true), DeliveryOutcome.UNKNOWN_OUTCOME,
                    latency, deadline);
        }
        GraphSendOutcome.Failed failed = (GraphSendOutcome.Failed) call.outcome();
        if (!failed.transientFailure()) {
            return fail(message, toDeliveryError(failed.error(), false), DeliveryOutcome.FAILED, latency, deadline);
        }
        return transientFailure(receive, toDeliveryError(failed.error(), true), DeliveryOutcome.RETRY, latency,
                deadline);
    }

    /** A failure that cannot be sent at all: recorded {@code failed} and acknowledged. */
    Attempt failPermanently(QueuedMessage message, DeliveryError error, Deadline deadline) {
        return fail(message, error, DeliveryOutcome.FAILED, OptionalLong.empty(), deadline);
    }

    /**
     * Retried ({@code RETRY} back to {@code queued}; {@code UNKNOWN_OUTCOME} stays {@code sending}
     * for the echo), or on the last receive recorded {@code failed} for the DLQ (an echo that still
     * comes moves it to sent: confirmByEcho accepts failed).
     */
    private Attempt transientFailure(Receive receive, DeliveryError error, DeliveryOutcome outcome,
                                     OptionalLong latency, Deadline deadline) {
        QueuedMessage message = receive.message();
        if (receive.last()) {
            return fail(message, error, DeliveryOutcome.FAILED_LAST_ATTEMPT, latency, deadline);
        }
        if (outcome == DeliveryOutcome.UNKNOWN_OUTCOME) {
            records.markUnknown(message.messageId(), error, clock.instant(), deadline);
            return new Attempt.NotSent(outcome, MessageStatus.SENDING, error, new Disposition.Retry(), latency);
        }
        records.markRetrying(message.messageId(), error, clock.instant(), deadline);
        metrics.count("MessagesRetried", 1);
        return new Attempt.NotSent(outcome, MessageStatus.QUEUED, error, new Disposition.Retry(), latency);
    }

    /** Recorded {@code failed}: acknowledged ({@code FAILED}) or left for the DLQ ({@code FAILED_LAST_ATTEMPT}). */
    private Attempt fail(QueuedMessage message, DeliveryError error, DeliveryOutcome outcome, OptionalLong latency,
                         Deadline deadline) {
        records.markFailed(message.messageId(), error, clock.instant(), deadline);
        metrics.count("MessagesFailed", 1);
        Disposition disposition = outcome == DeliveryOutcome.FAILED_LAST_ATTEMPT
                ? new Disposition.DeadLetter() : new Disposition.Ack();
        return new Attempt.NotSent(outcome, MessageStatus.FAILED, error, disposition, latency);
    }

    /**
     * Facebook throttled the page: pace it, and put the message back (queued, with the throttle as
     * its error) until the slot the pace reserved for it; its receives are not spent.
     */
    private Attempt throttled(QueuedMessage message, GraphSendOutcome.Throttled throttled, OptionalLong latency,
                              Deadline deadline) {
        Instant now = clock.instant();
        PagePacing.Throttle pace = pace(message, throttled, now, deadline);
        Duration wait = Duration.between(now, pace.slot());
        wait = wait.isNegative() ? Duration.ZERO : wait;
        metrics.count("PageThrottled", 1);
        logger.warn("page_throttled")
                .with("page_id", message.pageId())
                .with("message_id", message.messageId())
                .with("graph_code", throttled.error().code() == null ? "http_" + throttled.error().httpStatus()
                        : Integer.toString(throttled.error().code()))
                .with("come_back_after_ms", throttled.comeBackAfter().toMillis())
                .with("wait_ms", wait.toMillis())
                .with("rate_per_second", Math.round(pace.ratePerSecond()))
                .write();
        if (policy.throttledTooLong(message, now)) {
            metrics.count("MessagesRateLimited", 1);
            return fail(message, rateLimited(throttled.error()), DeliveryOutcome.FAILED, latency, deadline);
        }
        DeliveryError error = toDeliveryError(throttled.error(), true);
        records.markRetrying(message.messageId(), error, now, deadline);
        return new Attempt.NotSent(DeliveryOutcome.THROTTLED, MessageStatus.QUEUED, error,
                Disposition.untilSlot(message.throttled(now, pace.slot()), wait), latency);
    }

    private PagePacing.Throttle pace(QueuedMessage message, GraphSendOutcome.Throttled throttled, Instant now,
                                     Deadline deadline) {
        try {
            return pacing.throttled(message.pageId(), throttled.comeBackAfter(), now, deadline);
        } catch (DependencyUnavailableException e) {
            // The shared pace cannot be read or written: back off on Facebook's word alone, a little more.
            logger.warn("page_pace_unavailable").with("page_id", message.pageId()).with(e).write();
            return new PagePacing.Throttle(now.plus(throttled.comeBackAfter()).plus(UNPACED_BACKOFF), 0);
        }
    }

    private DeliveryError rateLimited(GraphError last) {
        String graphCode = last.code() == null ? "" : " (last Graph code " + last.code() + ")";
        return new DeliveryError(RATE_LIMITED, null, "Facebook throttled the page for longer than "
                + policy.maxThrottle().toHours() + " h (MaxThrottleHours)" + graphCode, true);
    }

    /**
     * The record's error: the Graph code as text (e.g. {@code "100"}); without one,
     * {@code timeout} or {@code network_error} for transport failures, {@code invalid_response}
     * for a 2xx without message id, else {@code http_<status>}.
     */
    static DeliveryError toDeliveryError(GraphError error, boolean retryable) {
        String code;
        if (error.code() != null) {
            code = Integer.toString(error.code());
        } else if (error.isTransportFailure()) {
            code = "timeout".equals(error.message()) ? "timeout" : "network_error";
        } else if (error.httpStatus() >= 200 && error.httpStatus() <= 299) {
            code = "invalid_response";
        } else {
            code = "http_" + error.httpStatus();
        }
        return new DeliveryError(code, error.subcode(), error.message(), retryable);
    }
}
