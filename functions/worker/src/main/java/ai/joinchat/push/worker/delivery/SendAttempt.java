package ai.joinchat.push.worker.delivery;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.DependencyUnavailableException;
import ai.joinchat.push.observability.JsonLogger;
import ai.joinchat.push.observability.Metrics;
import ai.joinchat.push.queue.QueuedMessage;
import ai.joinchat.push.store.DeliveryError;
import ai.joinchat.push.store.Inputs;
import ai.joinchat.push.store.Lifecycle.Transition;
import ai.joinchat.push.store.MessageRecords;
import ai.joinchat.push.store.MessageStatus;
import ai.joinchat.push.worker.DeliveryPolicy;
import ai.joinchat.push.worker.delivery.MessageDelivery.Receive;
import ai.joinchat.push.worker.delivery.Preparation.Ready;
import ai.joinchat.push.worker.graph.GraphError;
import ai.joinchat.push.worker.graph.GraphSendClient;
import ai.joinchat.push.worker.graph.GraphSendClient.Outcome;
import ai.joinchat.push.worker.pacing.PagePacing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * The Send API call of a claimed message and the transition its outcome makes: {@code sent};
 * {@code failed} for a permanent error (or any error on the last receive); {@code queued} for a
 * transient one; still {@code sending}, lease released, when the outcome is unknown. A throttle
 * paces the page and requeues the message until its slot, spending no receive, until
 * {@code MaxThrottleHours}. Credentials Graph rejects are fetched again and the call made once more.
 */
record SendAttempt(GraphSendClient graph, Preparation preparation, MessageRecords records, SentRecorder sentRecorder,
                   PagePacing pacing, DeliveryPolicy policy, Clock clock, JsonLogger logger, Metrics metrics) {

    static final String RATE_LIMITED = "rate_limited";
    /** Kept from the deadline for the write that settles the record after the Graph call. */
    static final Duration SETTLE_RESERVE = Duration.ofSeconds(1);
    /** How long a throttled message waits when the page's shared pace is out of reach. */
    static final Duration UNPACED_BACKOFF = Duration.ofSeconds(2);

    /** {@code startedAt} stands for the message's Facebook timestamp until its echo brings it. */
    record Call(Outcome outcome, Instant startedAt, long latencyMs) {
    }

    MessageDelivery.Result attempt(Receive receive, Ready ready, Deadline deadline) {
        Call call;
        try {
            call = send(receive.message(), ready, deadline);
        } catch (IllegalArgumentException e) {
            return failPermanently(receive,
                    new DeliveryError(Preparation.INVALID_MESSAGE, null, e.getMessage(), false), deadline);
        }
        return settle(receive, ready, call, deadline);
    }

    /** Throws IllegalArgumentException for arguments the client refuses before calling. */
    private Call send(QueuedMessage message, Ready ready, Deadline deadline) {
        long started = System.nanoTime();
        Instant startedAt = clock.instant();
        Outcome outcome = call(message, ready, deadline);
        if (outcome instanceof Outcome.Failed failed && credentialsRejected(failed.error())) {
            Optional<Ready> rotated;
            try {
                rotated = preparation.refreshed(message, ready);
            } catch (DependencyUnavailableException e) {
                // Whether the credential rotated is not known: Facebook refused this call, so later, never "failed".
                logger.warn("credentials_refresh_failed").with("message_id", message.messageId())
                        .with("page_id", message.pageId()).with(e).write();
                metrics.count("DependencyFailures", 1);
                rotated = Optional.empty();
                outcome = new Outcome.Failed(failed.error(), true);
            }
            if (rotated.isPresent()) {
                metrics.count("CredentialsRefreshed", 1);
                logger.info("credentials_refreshed").with("message_id", message.messageId())
                        .with("page_id", message.pageId()).with("graph_code", failed.error().code()).write();
                startedAt = clock.instant();
                outcome = call(message, rotated.get(), deadline);
            }
        }
        long latencyMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        metrics.milliseconds("GraphLatency", latencyMs);
        return new Call(outcome, startedAt, latencyMs);
    }

    private Outcome call(QueuedMessage message, Ready ready, Deadline deadline) {
        return graph.send(message.pageId(), ready.pageToken(), ready.appSecret(), ready.body(),
                deadline.minus(SETTLE_RESERVE).cap(GraphSendClient.DEFAULT_TIMEOUT));
    }

    /** The page token (190) or the {@code appsecret_proof} (100 naming it) is invalid: maybe rotated. */
    static boolean credentialsRejected(GraphError error) {
        Integer code = error.code();
        return code != null && (code == 190
                || (code == 100 && error.message().toLowerCase(Locale.ROOT).contains("appsecret_proof")));
    }

    private MessageDelivery.Result settle(Receive receive, Ready ready, Call call, Deadline deadline) {
        QueuedMessage message = receive.message();
        OptionalLong latency = OptionalLong.of(call.latencyMs());
        if (call.outcome() instanceof Outcome.Sent sent) {
            pacing.sent(message.pageId(), clock.instant());
            metrics.count("MessagesSent", 1);
            String psid = ready.psid() != null ? ready.psid() : sent.recipientId();
            QueuedMessage.Sent done = new QueuedMessage.Sent(sent.facebookMessageId(), psid, call.startedAt());
            DeliveryOutcome outcome = sentRecorder.afterSend(message, done, deadline);
            log(receive, outcome).with("status", MessageStatus.SENT.wireName())
                    .with("facebook_message_id", sent.facebookMessageId()).with("graph_latency_ms", call.latencyMs())
                    .write();
            return new MessageDelivery.Result(outcome, new Disposition.Ack());
        }
        if (call.outcome() instanceof Outcome.Throttled throttled) {
            return throttled(receive, throttled, latency, deadline);
        }
        // Transient, or unknown: retried, or on the last receive failed for the DLQ (a late echo still confirms it).
        if (call.outcome() instanceof Outcome.Unknown unknown) {
            metrics.count("SendOutcomeUnknown", 1);
            DeliveryError error = toDeliveryError(unknown.error(), true);
            if (receive.last()) {
                return fail(receive, error, DeliveryOutcome.FAILED_LAST_ATTEMPT, false, latency, deadline);
            }
            records.run(Transition.MARK_UNKNOWN, message.messageId(), Inputs.at(clock.instant()).withError(error),
                    deadline);
            return notSent(receive, DeliveryOutcome.UNKNOWN_OUTCOME, MessageStatus.SENDING, error,
                    new Disposition.Retry(), latency);
        }
        Outcome.Failed failed = (Outcome.Failed) call.outcome();
        DeliveryError error = toDeliveryError(failed.error(), failed.transientFailure());
        if (!failed.transientFailure() || receive.last()) {
            return fail(receive, error, failed.transientFailure() ? DeliveryOutcome.FAILED_LAST_ATTEMPT
                    : DeliveryOutcome.FAILED, failed.transientFailure(), latency, deadline);
        }
        records.run(Transition.MARK_RETRYING, message.messageId(), Inputs.at(clock.instant()).withError(error),
                deadline);
        metrics.count("MessagesRetried", 1);
        return notSent(receive, DeliveryOutcome.RETRY, MessageStatus.QUEUED, error, new Disposition.Retry(), latency);
    }

    MessageDelivery.Result failPermanently(Receive receive, DeliveryError error, Deadline deadline) {
        return fail(receive, error, DeliveryOutcome.FAILED, false, OptionalLong.empty(), deadline);
    }

    /**
     * Recorded {@code failed}: acknowledged ({@code FAILED}) or left for the DLQ ({@code FAILED_LAST_ATTEMPT}).
     * {@code resendable}: Facebook surely never took this attempt, so the record keeps the copy to resend,
     * at once when acknowledged, or when the DLQ hands back its copy (none then is in flight).
     */
    private MessageDelivery.Result fail(Receive receive, DeliveryError error, DeliveryOutcome outcome,
                                        boolean resendable, OptionalLong latency, Deadline deadline) {
        QueuedMessage message = receive.message();
        boolean deadLetter = outcome == DeliveryOutcome.FAILED_LAST_ATTEMPT;
        Inputs inputs = Inputs.at(clock.instant()).withError(error);
        if (!resendable) {
            records.run(Transition.MARK_FAILED, message.messageId(), inputs, deadline);
        } else if (deadLetter) {
            records.run(Transition.MARK_FAILED_REFUSED, message.messageId(), inputs, deadline);
        } else {
            records.run(Transition.MARK_FAILED_RESENDABLE, message.messageId(),
                    inputs.withResendBody(message.toJson()), deadline);
        }
        metrics.count("MessagesFailed", 1);
        return notSent(receive, outcome, MessageStatus.FAILED, error,
                deadLetter ? new Disposition.DeadLetter() : new Disposition.Ack(), latency);
    }

    private MessageDelivery.Result throttled(Receive receive, Outcome.Throttled throttled,
                                             OptionalLong latency, Deadline deadline) {
        QueuedMessage message = receive.message();
        DeliveryError error = toDeliveryError(throttled.error(), true);
        Instant now = clock.instant();
        PagePacing.Throttle pace = pace(message, throttled, now, deadline);
        Duration wait = Duration.between(now, pace.slot()); // never negative: the slot is Facebook's wait or later
        metrics.count("PageThrottled", 1);
        logger.warn("page_throttled")
                .with("page_id", message.pageId())
                .with("message_id", message.messageId())
                .with("graph_code", error.code())
                .with("come_back_after_ms", throttled.comeBackAfter().toMillis())
                .with("wait_ms", wait.toMillis())
                .with("rate_per_second", Math.round(pace.ratePerSecond()))
                .write();
        if (policy.throttledTooLong(message, now)) {
            metrics.count("MessagesRateLimited", 1);
            return fail(receive, rateLimited(throttled.error()), DeliveryOutcome.FAILED, true, latency, deadline);
        }
        records.run(Transition.MARK_RETRYING, message.messageId(), Inputs.at(now).withError(error), deadline);
        return notSent(receive, DeliveryOutcome.THROTTLED, MessageStatus.QUEUED, error,
                Disposition.untilSlot(message.throttled(now, pace.slot()), wait), latency);
    }

    private PagePacing.Throttle pace(QueuedMessage message, Outcome.Throttled throttled, Instant now,
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

    private MessageDelivery.Result notSent(Receive receive, DeliveryOutcome outcome, MessageStatus status,
                                           DeliveryError error, Disposition disposition, OptionalLong latency) {
        JsonLogger.Entry entry = log(receive, outcome).with("status", status.wireName());
        latency.ifPresent(ms -> entry.with("graph_latency_ms", ms));
        entry.with("error_code", error.code()).with("error_message", error.message())
                .with("retryable", error.retryable());
        if (error.subcode() != null) {
            entry.with("error_subcode", error.subcode().longValue());
        }
        entry.write();
        return new MessageDelivery.Result(outcome, disposition);
    }

    /** Sent: INFO; a failure of the message itself (retried or permanent): WARN; dead-lettered: ERROR. */
    private JsonLogger.Entry log(Receive receive, DeliveryOutcome outcome) {
        return receive.log(outcome == DeliveryOutcome.SENT ? logger.info("message_delivery")
                : outcome == DeliveryOutcome.FAILED_LAST_ATTEMPT ? logger.error("message_delivery")
                : logger.warn("message_delivery"), outcome)
                .with("recipient_type", receive.message().recipient().type().wireName());
    }

    /** The record's error code: Graph's code, else the transport failure, a bad 2xx, or the HTTP status. */
    static DeliveryError toDeliveryError(GraphError error, boolean retryable) {
        String code = error.code() != null ? Integer.toString(error.code())
                : error.isTransportFailure() ? ("timeout".equals(error.message()) ? "timeout" : "network_error")
                : error.httpStatus() >= 200 && error.httpStatus() <= 299 ? "invalid_response"
                : "http_" + error.httpStatus();
        return new DeliveryError(code, error.subcode(), error.message(), retryable);
    }
}
