package ai.joinchat.push.worker;

import ai.joinchat.push.DependencyUnavailableException;
import ai.joinchat.push.graph.GraphError;
import ai.joinchat.push.graph.GraphMessageMapper;
import ai.joinchat.push.graph.GraphSendClient;
import ai.joinchat.push.graph.GraphSendOutcome;
import ai.joinchat.push.observability.JsonLogger;
import ai.joinchat.push.observability.Metrics;
import ai.joinchat.push.queue.QueuedMessage;
import ai.joinchat.push.secrets.AppSecrets;
import ai.joinchat.push.secrets.PageSecrets;
import ai.joinchat.push.secrets.SecretsProvider;
import ai.joinchat.push.store.DeliveryError;
import ai.joinchat.push.store.MessageRecord;
import ai.joinchat.push.store.MessageRecords;
import ai.joinchat.push.store.MessageStatus;
import ai.joinchat.push.store.QuickReplyOffers;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Clock;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Delivers one queued message through the Messenger Send API, exactly once as far as the
 * delivery record can tell.
 *
 * <p>Everything that only reads (page and app secrets, the contact binding) happens before the
 * record is claimed, so a DynamoDB or Secrets Manager failure changes nothing and SQS simply
 * redelivers. The claim is a conditional write with a lease: an already {@code sent} or
 * {@code failed} record is acknowledged without sending, one another invocation is sending is
 * retried later. The Graph outcome then settles the record: {@code sent}; {@code failed} for a
 * permanent error; back to {@code queued} for a transient one, or {@code failed} (retryable) on
 * the last receive the queue allows, after which SQS moves the message to the dead-letter queue.
 *
 * <p>Thread-safe: one instance per container serves every record of every batch.
 */
public final class MessageDelivery {

    static final String PAGE_NOT_CONFIGURED = "page_not_configured";
    static final String RECIPIENT_NOT_FOUND = "recipient_not_found";
    static final String INVALID_MESSAGE = "invalid_message";

    private final MessageRecords records;
    private final SecretsProvider secrets;
    private final RecipientResolver recipients;
    private final GraphMessageMapper mapper;
    private final GraphSendClient graph;
    private final DeliveryPolicy policy;
    private final Clock clock;
    private final JsonLogger logger;
    private final Metrics metrics;
    private final QuickReplyOffers offers;

    public MessageDelivery(MessageRecords records, SecretsProvider secrets, RecipientResolver recipients,
                           GraphMessageMapper mapper, GraphSendClient graph, DeliveryPolicy policy,
                           Clock clock, JsonLogger logger, Metrics metrics) {
        this(records, secrets, recipients, mapper, graph, policy, clock, logger, metrics, QuickReplyOffers.NONE);
    }

    /**
     * @param offers where a sent message's {@code user_phone_number} / {@code user_email} quick
     *               replies are recorded, so the webhook binds only taps on offers this system made
     */
    public MessageDelivery(MessageRecords records, SecretsProvider secrets, RecipientResolver recipients,
                           GraphMessageMapper mapper, GraphSendClient graph, DeliveryPolicy policy,
                           Clock clock, JsonLogger logger, Metrics metrics, QuickReplyOffers offers) {
        this.records = Objects.requireNonNull(records, "records");
        this.secrets = Objects.requireNonNull(secrets, "secrets");
        this.recipients = Objects.requireNonNull(recipients, "recipients");
        this.mapper = Objects.requireNonNull(mapper, "mapper");
        this.graph = Objects.requireNonNull(graph, "graph");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.logger = Objects.requireNonNull(logger, "logger");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.offers = Objects.requireNonNull(offers, "offers");
    }

    /** Everything known before the claim: either what to send, or why it cannot be sent. */
    private record Prepared(PageSecrets page, String appSecret, ResolvedRecipient recipient, ObjectNode body,
                            DeliveryError permanentError) {
        static Prepared failure(String code, String message) {
            return new Prepared(null, null, null, null, new DeliveryError(code, null, message, false));
        }
    }

    /** The result of a Send API call, for the log line. */
    private record Attempt(DeliveryOutcome outcome, MessageStatus status, DeliveryError error,
                           String facebookMessageId, long graphLatencyMs) {
    }

    /**
     * @param message      the queued message
     * @param receiveCount SQS's {@code ApproximateReceiveCount} of this delivery (1 on the first)
     */
    public DeliveryOutcome deliver(QueuedMessage message, int receiveCount) {
        long started = System.nanoTime();
        try {
            Prepared prepared = prepare(message);
            MessageRecords.Claim claim = claim(message);
            switch (claim) {
                case CLAIMED -> {
                    Attempt attempt = prepared.permanentError() != null
                            ? failPermanently(message, prepared.permanentError())
                            : send(message, prepared, receiveCount);
                    log(message, receiveCount, started, attempt);
                    return attempt.outcome();
                }
                case ALREADY_SENT, ALREADY_FAILED -> {
                    logger.info("duplicate_delivery_skipped")
                            .with("message_id", message.messageId())
                            .with("page_id", message.pageId())
                            .with("outcome", DeliveryOutcome.DUPLICATE_SKIPPED.wireName())
                            .with("status", claim == MessageRecords.Claim.ALREADY_SENT ? "sent" : "failed")
                            .with("attempt", receiveCount)
                            .with("latency_ms", elapsedMs(started))
                            .write();
                    return DeliveryOutcome.DUPLICATE_SKIPPED;
                }
                default -> {
                    // IN_FLIGHT, or MISSING again after creating it (deleted meanwhile): try later.
                    logger.warn("message_delivery")
                            .with("message_id", message.messageId())
                            .with("page_id", message.pageId())
                            .with("outcome", DeliveryOutcome.IN_FLIGHT.wireName())
                            .with("claim", claim.name().toLowerCase(Locale.ROOT))
                            .with("attempt", receiveCount)
                            .with("latency_ms", elapsedMs(started))
                            .write();
                    return DeliveryOutcome.IN_FLIGHT;
                }
            }
        } catch (DependencyUnavailableException e) {
            logger.warn("message_delivery")
                    .with("message_id", message.messageId())
                    .with("page_id", message.pageId())
                    .with("outcome", DeliveryOutcome.DEPENDENCY_UNAVAILABLE.wireName())
                    .with("attempt", receiveCount)
                    .with("latency_ms", elapsedMs(started))
                    .with(e)
                    .write();
            metrics.count("DependencyFailures", 1);
            return DeliveryOutcome.DEPENDENCY_UNAVAILABLE;
        }
    }

    private Prepared prepare(QueuedMessage message) {
        Optional<PageSecrets> page = secrets.pageSecrets(message.pageId())
                .filter(p -> p.pageAccessToken() != null && !p.pageAccessToken().isBlank());
        if (page.isEmpty()) {
            return Prepared.failure(PAGE_NOT_CONFIGURED, "no page access token is configured for this page");
        }
        String appSecret = secrets.appSecrets().map(AppSecrets::appSecret)
                .filter(s -> !s.isEmpty()).orElse(null);
        Optional<ResolvedRecipient> recipient;
        ObjectNode body;
        try {
            recipient = recipients.resolve(message.pageId(), message.recipientType(), message.recipientValue());
            if (recipient.isEmpty()) {
                return Prepared.failure(RECIPIENT_NOT_FOUND,
                        "no PSID is bound to this " + message.recipientType() + " for this page");
            }
            if (message.messagingType() == null || message.messagingType().isBlank()) {
                throw new IllegalArgumentException("messaging_type is missing");
            }
            ObjectNode sendApiMessage = mapper.toSendApiMessage(
                    message.templateType(), message.message(), message.messageId());
            body = mapper.toSendApiBody(recipient.get().sendApiRecipient(), message.messagingType(),
                    message.tag(), sendApiMessage);
        } catch (IllegalArgumentException e) {
            return Prepared.failure(INVALID_MESSAGE, e.getMessage());
        }
        return new Prepared(page.get(), appSecret, recipient.get(), body, null);
    }

    private MessageRecords.Claim claim(QueuedMessage message) {
        MessageRecords.Claim claim = records.claim(message.messageId(), clock.instant(), policy.claimLease());
        if (claim != MessageRecords.Claim.MISSING) {
            return claim;
        }
        // The send API writes the record before enqueuing; recreate it if it is gone (e.g. expired).
        records.create(MessageRecord.queued(message.messageId(), message.pageId(), message.recipientType(),
                message.recipientValue(), message.templateType(), message.warnings(), clock.instant()));
        return records.claim(message.messageId(), clock.instant(), policy.claimLease());
    }

    private Attempt failPermanently(QueuedMessage message, DeliveryError error) {
        records.markFailed(message.messageId(), error, clock.instant());
        metrics.count("MessagesFailed", 1);
        return new Attempt(DeliveryOutcome.FAILED, MessageStatus.FAILED, error, null, -1);
    }

    private Attempt send(QueuedMessage message, Prepared prepared, int receiveCount) {
        long callStarted = System.nanoTime();
        GraphSendOutcome outcome;
        try {
            outcome = graph.send(message.pageId(), prepared.page().pageAccessToken(), prepared.appSecret(),
                    prepared.body());
        } catch (IllegalArgumentException e) {
            // Only for arguments the client refuses before calling (e.g. a page id that is not digits).
            return failPermanently(message, new DeliveryError(INVALID_MESSAGE, null, e.getMessage(), false));
        }
        long graphLatencyMs = elapsedMs(callStarted);
        metrics.milliseconds("GraphLatency", graphLatencyMs);

        if (outcome instanceof GraphSendOutcome.Sent sent) {
            String psid = prepared.recipient().psid() != null ? prepared.recipient().psid() : sent.recipientId();
            try {
                records.markSent(message.messageId(), message.pageId(), sent.facebookMessageId(), psid,
                        clock.instant());
            } catch (DependencyUnavailableException e) {
                // Facebook has it: acknowledging is better than sending it twice.
                logger.error("mark_sent_failed")
                        .with("message_id", message.messageId())
                        .with("page_id", message.pageId())
                        .with("facebook_message_id", sent.facebookMessageId())
                        .with(e)
                        .write();
                metrics.count("MessagesSent", 1);
                return new Attempt(DeliveryOutcome.SENT_NOT_RECORDED, MessageStatus.SENT, null,
                        sent.facebookMessageId(), graphLatencyMs);
            }
            recordOffers(message, psid);
            metrics.count("MessagesSent", 1);
            return new Attempt(DeliveryOutcome.SENT, MessageStatus.SENT, null, sent.facebookMessageId(),
                    graphLatencyMs);
        }

        GraphSendOutcome.Failed failed = (GraphSendOutcome.Failed) outcome;
        if (!failed.transientFailure()) {
            DeliveryError error = toDeliveryError(failed.error(), false);
            records.markFailed(message.messageId(), error, clock.instant());
            metrics.count("MessagesFailed", 1);
            return new Attempt(DeliveryOutcome.FAILED, MessageStatus.FAILED, error, null, graphLatencyMs);
        }
        DeliveryError error = toDeliveryError(failed.error(), true);
        if (receiveCount >= policy.maxReceiveCount()) {
            records.markFailed(message.messageId(), error, clock.instant());
            metrics.count("MessagesFailed", 1);
            return new Attempt(DeliveryOutcome.FAILED_LAST_ATTEMPT, MessageStatus.FAILED, error, null,
                    graphLatencyMs);
        }
        records.markRetrying(message.messageId(), error, clock.instant());
        metrics.count("MessagesRetried", 1);
        return new Attempt(DeliveryOutcome.RETRY, MessageStatus.QUEUED, error, null, graphLatencyMs);
    }

    /**
     * A sent message that offers the user's phone or e-mail as quick replies: the webhook binds a
     * tap only against this record. Best effort: a failure is logged and counted, never fails the
     * delivery (the worst case is a tap that does not bind).
     */
    private void recordOffers(QueuedMessage message, String psid) {
        Set<QuickReplyOffers.Kind> kinds = QuickReplyOffers.Kind.offeredBy(message.message());
        if (kinds.isEmpty() || psid == null) {
            return;
        }
        try {
            offers.record(message.pageId(), psid, kinds, clock.instant());
        } catch (RuntimeException e) {
            logger.warn("quick_reply_offer_not_recorded")
                    .with("message_id", message.messageId())
                    .with("page_id", message.pageId())
                    .with(e)
                    .write();
            metrics.count("QuickReplyOffersNotRecorded", 1);
        }
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

    private void log(QueuedMessage message, int receiveCount, long started, Attempt attempt) {
        // Sent: INFO; a failure of the message itself (retried or permanent): WARN; dead-lettered: ERROR.
        JsonLogger.Entry entry = (attempt.outcome() == DeliveryOutcome.SENT ? logger.info("message_delivery")
                : attempt.outcome() == DeliveryOutcome.FAILED_LAST_ATTEMPT ? logger.error("message_delivery")
                : logger.warn("message_delivery"))
                .with("message_id", message.messageId())
                .with("page_id", message.pageId())
                .with("recipient_type", message.recipientType())
                .with("outcome", attempt.outcome().wireName())
                .with("status", attempt.status().wireName())
                .with("attempt", receiveCount)
                .with("latency_ms", elapsedMs(started))
                .with("facebook_message_id", attempt.facebookMessageId());
        if (attempt.graphLatencyMs() >= 0) {
            entry.with("graph_latency_ms", attempt.graphLatencyMs());
        }
        DeliveryError error = attempt.error();
        if (error != null) {
            entry.with("error_code", error.code())
                    .with("error_message", error.message())
                    .with("retryable", error.retryable());
            if (error.subcode() != null) {
                entry.with("error_subcode", error.subcode().longValue());
            }
        }
        entry.write();
    }

    private static long elapsedMs(long startedNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
    }
}
