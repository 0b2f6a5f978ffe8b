package ai.joinchat.push.worker;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.DependencyUnavailableException;
import ai.joinchat.push.aws.SdkFailures;
import ai.joinchat.push.worker.graph.GraphError;
import ai.joinchat.push.worker.graph.GraphMessageMapper;
import ai.joinchat.push.worker.graph.GraphSendClient;
import ai.joinchat.push.worker.graph.GraphSendOutcome;
import ai.joinchat.push.observability.JsonLogger;
import ai.joinchat.push.observability.Metrics;
import ai.joinchat.push.queue.OutboundQueue;
import ai.joinchat.push.queue.QueuedMessage;
import ai.joinchat.push.request.EmailNormalizer;
import ai.joinchat.push.request.PhoneNumberNormalizer;
import ai.joinchat.push.secrets.AppSecrets;
import ai.joinchat.push.secrets.PageSecrets;
import ai.joinchat.push.secrets.SecretLookup;
import ai.joinchat.push.secrets.SecretsProvider;
import ai.joinchat.push.store.DeliveryError;
import ai.joinchat.push.store.MessageRecords;
import ai.joinchat.push.store.MessageRecords.Claim;
import ai.joinchat.push.store.MessageStatus;
import ai.joinchat.push.store.QuickReplyOffers;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Delivers one queued message through the Messenger Send API, exactly once as far as the
 * delivery record and the page's echoes can tell.
 *
 * <p>Everything that only reads (page and app secrets, the contact binding) happens before the
 * record is claimed, so a DynamoDB or Secrets Manager failure changes nothing and SQS simply
 * redelivers. The claim is a conditional write with a lease: it takes a committed message, or a
 * {@code pending} one whose send API invocation is over; a message the send API rejected (or
 * never wrote) is dropped, one it is still deciding is looked at again within a second, one
 * already {@code sent} or {@code failed} is acknowledged, one another invocation holds comes back
 * when the lease ends. The Graph outcome then settles the record: {@code sent}; {@code failed}
 * for a permanent error; back to {@code queued} for a transient one; still {@code sending}, lease
 * released, when the outcome is unknown (timeout or cut connection after the request left), so
 * the page's echo can confirm it before the next attempt. On the last receive the queue allows,
 * every failure is recorded {@code failed} (retryable) before SQS dead-letters the message.
 *
 * <p>When Facebook accepted a message but its {@code sent} record cannot be written (DynamoDB
 * down at that moment, even after brief retries), a fresh copy carrying Facebook's message id
 * ({@link QueuedMessage.Sent}) goes back on the queue: its receive writes the record and the
 * quick-reply offers and sends nothing. Only when the queue refuses that copy too is the message
 * acknowledged unrecorded, for the page's echo to settle.
 *
 * <p>Throttling is "later", never "never": a throttled answer paces the page ({@link PagePacing})
 * and the message goes back to the queue as a fresh copy delayed until the slot the pace gave it
 * ({@link DeliveryOutcome#THROTTLED}), so it spends none of its receives; a message of a paced
 * page waits for its slot the same way before it is claimed (inline when the slot is near). A
 * message still throttled {@code MaxThrottleHours} after it was first held ends {@code failed}
 * with {@code rate_limited}, retryable.
 *
 * <p>Thread-safe: one instance per container serves every record of every batch.
 */
public final class MessageDelivery {

    static final String PAGE_NOT_CONFIGURED = "page_not_configured";
    static final String RECIPIENT_NOT_FOUND = "recipient_not_found";
    static final String INVALID_MESSAGE = "invalid_message";
    static final String DEPENDENCY_UNAVAILABLE = "dependency_unavailable";
    static final String INTERNAL_ERROR = "internal_error";
    static final String RETRIES_EXHAUSTED = "retries_exhausted";
    static final String UNREADABLE_MESSAGE = "unreadable_message";
    static final String RATE_LIMITED = "rate_limited";
    /** A paced message whose slot is at most this far off waits for it inline instead of going back to the queue. */
    static final Duration INLINE_PACE_WAIT = Duration.ofMillis(250);
    /** A copy put back for its slot waits inline for up to this (SQS delays by whole seconds). */
    static final Duration COPY_INLINE_PACE_WAIT = Duration.ofSeconds(1);
    /** How long a throttled message waits when the page's shared pace is out of reach. */
    static final Duration UNPACED_BACKOFF = Duration.ofSeconds(2);
    /** What an inline wait must leave of the invocation's deadline for the send itself. */
    static final Duration SEND_RESERVE = Duration.ofSeconds(3);
    /** How long a delivery waits inline for the send API to decide, re-reading the record. */
    static final Duration DECISION_WAIT = Duration.ofMillis(800);
    static final Duration DECISION_POLL = Duration.ofMillis(100);
    /** When an undecided message is looked at again after the inline wait. */
    static final Duration UNDECIDED_RETRY = Duration.ofSeconds(1);
    /** When a message whose page secret could not be looked up yet is offered again. */
    static final Duration SECRET_LOOKUP_RETRY = Duration.ofSeconds(2);
    /** Kept from the deadline for the write that settles the record after the Graph call. */
    static final Duration SETTLE_RESERVE = Duration.ofSeconds(1);
    private static final PhoneNumberNormalizer PHONE_NUMBERS = new PhoneNumberNormalizer();
    private static final EmailNormalizer EMAILS = new EmailNormalizer();
    /** Tries of the {@code sent} write before its copy is queued instead, and the pause before the second. */
    static final int MARK_SENT_TRIES = 3;
    static final Duration MARK_SENT_PAUSE = Duration.ofMillis(100);
    /** Kept from the deadline, while the {@code sent} write is retried, for queueing its copy. */
    static final Duration SENT_COPY_RESERVE = Duration.ofMillis(300);
    /** When the copy that records a send comes back: DynamoDB gets a moment to recover. */
    static final int SENT_COPY_DELAY_SECONDS = 2;

    /**
     * What became of a message, and when SQS should offer it again (null: the queue's own timeout);
     * for {@link DeliveryOutcome#THROTTLED}, the copy to put back on the queue after {@code retryIn}.
     */
    public record Result(DeliveryOutcome outcome, Duration retryIn, QueuedMessage requeueAs) {
        public Result(DeliveryOutcome outcome, Duration retryIn) {
            this(outcome, retryIn, null);
        }

        static Result of(DeliveryOutcome outcome) {
            return new Result(outcome, null);
        }
    }

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
    private final OutboundQueue sentCopies;
    private final PagePacing pacing;

    /**
     * @param offers     where a sent message's {@code user_phone_number} / {@code user_email} quick
     *                   replies are recorded, so the webhook binds only taps on offers this system made
     * @param sentCopies the worker's own queue, for the copy of a sent message whose record could
     *                   not be written (when it refuses one, such a message is acknowledged unrecorded)
     * @param pacing     the pages' shared pace ({@link DynamoPaceStore})
     */
    public MessageDelivery(MessageRecords records, SecretsProvider secrets, RecipientResolver recipients,
                           GraphMessageMapper mapper, GraphSendClient graph, DeliveryPolicy policy,
                           Clock clock, JsonLogger logger, Metrics metrics, QuickReplyOffers offers,
                           OutboundQueue sentCopies, PagePacing pacing) {
        this.sentCopies = Objects.requireNonNull(sentCopies, "sentCopies");
        this.pacing = Objects.requireNonNull(pacing, "pacing");
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

    /** The result of a Send API call, for the log line; a throttled one with its copy for the queue. */
    private record Attempt(DeliveryOutcome outcome, MessageStatus status, DeliveryError error,
                           String facebookMessageId, long graphLatencyMs, Duration retryIn, QueuedMessage requeueAs) {
        Attempt(DeliveryOutcome outcome, MessageStatus status, DeliveryError error, String facebookMessageId,
                long graphLatencyMs) {
            this(outcome, status, error, facebookMessageId, graphLatencyMs, null, null);
        }
    }

    /** Without an invocation deadline (tests and tools). */
    public DeliveryOutcome deliver(QueuedMessage message, int receiveCount) {
        return deliver(message, receiveCount, Deadline.none()).outcome();
    }

    /**
     * @param message      the queued message
     * @param receiveCount SQS's {@code ApproximateReceiveCount} of this delivery (1 on the first)
     * @param deadline     when every call of this delivery must be over
     */
    public Result deliver(QueuedMessage message, int receiveCount, Deadline deadline) {
        long started = System.nanoTime();
        try {
            if (message.sent() != null) {
                return Result.of(recordSentCopy(message, receiveCount, started, deadline));
            }
            SecretLookup<PageSecrets> page = secrets.pageSecrets(message.pageId());
            if (page.deferred()) {
                return lookupDeferred(message, receiveCount, started);
            }
            Prepared prepared = prepare(message, page.found());
            if (prepared.permanentError() == null) {
                Optional<Result> later = awaitSlot(message, receiveCount, started, deadline);
                if (later.isPresent()) {
                    return later.get();
                }
            }
            Claim claim = claim(message, deadline);
            if (claim instanceof Claim.Claimed claimed) {
                if (claimed.unconfirmedBefore()) {
                    metrics.count("MessagesResentUnconfirmed", 1);
                }
                Attempt attempt = prepared.permanentError() != null
                        ? failPermanently(message, prepared.permanentError(), deadline)
                        : send(message, prepared, receiveCount, deadline);
                log(message, receiveCount, started, attempt);
                return new Result(attempt.outcome(), attempt.retryIn(), attempt.requeueAs());
            }
            return notClaimed(message, receiveCount, started, claim);
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
            return Result.of(DeliveryOutcome.DEPENDENCY_UNAVAILABLE);
        }
    }

    /**
     * The page's pace: nothing to wait for (empty) unless the page is paced; a near slot is waited
     * for here, a far one puts the message back on the queue until then, unclaimed. A copy put
     * back earlier keeps the slot it reserved then ({@code not_before}).
     *
     * <p>Before a message first goes back, its record is committed ({@code pending} → {@code queued}):
     * this worker holds its SQS copy, so SQS took it, and a message accepted without a key must not
     * stay {@code pending} while it waits, or the send API's status read would settle it
     * {@code failed} ({@code not_enqueued}) an hour on. The commit races the send API's rejection:
     * when the record is rejected (or not written yet), nothing goes back and the claim decides
     * (it drops a rejected message, waits for an unwritten record). A copy that carries
     * {@code throttled_since} was committed before it was put back (here, or claimed and then
     * throttled), so it costs no write.
     */
    private Optional<Result> awaitSlot(QueuedMessage message, int receiveCount, long started, Deadline deadline) {
        Instant now = clock.instant();
        if (throttledTooLong(message, now)) {
            return Optional.empty(); // one last try: throttled again, it ends rate_limited
        }
        if (message.notBefore() != null) {
            pacing.pacedElsewhere(message.pageId(), now); // the page's other messages take slots here too
        }
        Instant slot = message.notBefore() != null ? message.notBefore() : pacing.slot(message.pageId(), now);
        Duration wait = Duration.between(now, slot);
        if (wait.isNegative() || wait.isZero()) {
            return Optional.empty();
        }
        // A copy comes back on the whole second before its slot (SQS's unit): it waits out the rest here,
        // so copies keep their own slots instead of bunching on the second, and never loop through the queue.
        Duration inline = message.notBefore() != null ? COPY_INLINE_PACE_WAIT : INLINE_PACE_WAIT;
        if (wait.compareTo(inline) <= 0 && deadline.remaining().compareTo(wait.plus(SEND_RESERVE)) > 0) {
            sleep(wait);
            return Optional.empty();
        }
        if (message.throttledSince() == null
                && records.commit(message.messageId(), deadline) != MessageRecords.Decision.COMMITTED) {
            return Optional.empty();
        }
        metrics.count("MessagesPaced", 1);
        logger.info("message_delivery")
                .with("message_id", message.messageId())
                .with("page_id", message.pageId())
                .with("outcome", DeliveryOutcome.THROTTLED.wireName())
                .with("claim", "paced until " + slot)
                .with("wait_ms", wait.toMillis())
                .with("attempt", receiveCount)
                .with("latency_ms", elapsedMs(started))
                .write();
        // Whole seconds (SQS's unit), rounded down: the copy then waits the rest of the way inline.
        return Optional.of(new Result(DeliveryOutcome.THROTTLED, Duration.ofSeconds(wait.getSeconds()),
                message.throttled(now, slot)));
    }

    private boolean throttledTooLong(QueuedMessage message, Instant now) {
        return message.throttledSince() != null && !now.isBefore(message.throttledSince().plus(policy.maxThrottle()));
    }

    private Attempt failRateLimited(QueuedMessage message, GraphError last, long graphLatencyMs, Deadline deadline) {
        String graphCode = last.code() == null ? "" : " (last Graph code " + last.code() + ")";
        DeliveryError error = new DeliveryError(RATE_LIMITED, null, "Facebook throttled the page for longer than "
                + policy.maxThrottle().toHours() + " h (MaxThrottleHours)" + graphCode, true);
        records.markFailed(message.messageId(), error, clock.instant(), deadline);
        metrics.count("MessagesFailed", 1);
        metrics.count("MessagesRateLimited", 1);
        return new Attempt(DeliveryOutcome.FAILED, MessageStatus.FAILED, error, null, graphLatencyMs);
    }

    private Result notClaimed(QueuedMessage message, int receiveCount, long started, Claim claim) {
        Result result;
        String detail;
        if (claim instanceof Claim.Settled settled) {
            result = Result.of(DeliveryOutcome.DUPLICATE_SKIPPED);
            detail = settled.status().wireName();
        } else if (claim instanceof Claim.Dropped dropped) {
            result = Result.of(DeliveryOutcome.DROPPED);
            detail = dropped.reason();
            metrics.count("MessagesDropped", 1);
        } else if (claim instanceof Claim.Busy busy) {
            Duration left = Duration.between(clock.instant(), busy.leaseUntil());
            result = new Result(DeliveryOutcome.IN_FLIGHT, left.isNegative() ? Duration.ZERO : left.plusSeconds(1));
            detail = "lease until " + busy.leaseUntil();
        } else {
            result = new Result(DeliveryOutcome.UNDECIDED, UNDECIDED_RETRY);
            detail = "decision due " + ((Claim.Undecided) claim).decideBy();
        }
        (result.outcome() == DeliveryOutcome.DUPLICATE_SKIPPED ? logger.info("duplicate_delivery_skipped")
                : logger.info("message_delivery"))
                .with("message_id", message.messageId())
                .with("page_id", message.pageId())
                .with("outcome", result.outcome().wireName())
                .with("claim", detail)
                .with("attempt", receiveCount)
                .with("latency_ms", elapsedMs(started))
                .write();
        return result;
    }

    /**
     * The page's secret could not be looked up yet (the per-container lookup limit): not "page not
     * configured". Nothing is claimed or changed; the message comes back shortly, and on its last
     * receive it is re-queued rather than failed (an unattempted outcome).
     */
    private Result lookupDeferred(QueuedMessage message, int receiveCount, long started) {
        metrics.count("SecretLookupsDeferred", 1);
        logger.info("message_delivery")
                .with("message_id", message.messageId())
                .with("page_id", message.pageId())
                .with("outcome", DeliveryOutcome.DEFERRED.wireName())
                .with("detail", "page secret lookup deferred")
                .with("attempt", receiveCount)
                .with("latency_ms", elapsedMs(started))
                .write();
        return new Result(DeliveryOutcome.DEFERRED, SECRET_LOOKUP_RETRY);
    }

    private Prepared prepare(QueuedMessage message, Optional<PageSecrets> found) {
        Optional<PageSecrets> page = found
                .filter(p -> p.pageAccessToken() != null && !p.pageAccessToken().isBlank());
        if (page.isEmpty()) {
            return Prepared.failure(PAGE_NOT_CONFIGURED, "no page access token is configured for this page");
        }
        String appSecret = secrets.appSecrets().map(AppSecrets::appSecret)
                .filter(s -> !s.isEmpty()).orElse(null);
        Optional<ResolvedRecipient> recipient;
        ObjectNode body;
        try {
            recipient = recipients.resolve(message.pageId(), message.recipient().type().wireName(),
                    message.recipient().value());
            if (recipient.isEmpty()) {
                return Prepared.failure(RECIPIENT_NOT_FOUND,
                        "no PSID is bound to this " + message.recipient().type().wireName() + " for this page");
            }
            if (message.messagingType() == null || message.messagingType().isBlank()) {
                throw new IllegalArgumentException("messaging_type is missing");
            }
            ObjectNode sendApiMessage = mapper.toSendApiMessage(message.message(), message.messageId());
            body = mapper.toSendApiBody(recipient.get().sendApiRecipient(), message.messagingType(),
                    message.tag(), sendApiMessage);
        } catch (IllegalArgumentException e) {
            return Prepared.failure(INVALID_MESSAGE, e.getMessage());
        }
        return new Prepared(page.get(), appSecret, recipient.get(), body, null);
    }

    /**
     * Claims the record; while it does not exist yet (SQS delivered the copy before the send API's
     * concurrent write landed), re-reads it for a short while before giving up for now.
     */
    private Claim claim(QueuedMessage message, Deadline deadline) {
        Claim claim = records.claim(message.messageId(), clock.instant(), policy.claimLease(), message.decideBy(),
                deadline);
        long waitUntil = System.nanoTime() + DECISION_WAIT.toNanos();
        while (claim instanceof Claim.Undecided && System.nanoTime() < waitUntil && !deadline.expired()) {
            sleep(DECISION_POLL);
            boolean written = records.find(message.messageId(), deadline).isPresent();
            boolean overdue = message.decideBy() == null || !clock.instant().isBefore(message.decideBy());
            if (written || overdue) {
                claim = records.claim(message.messageId(), clock.instant(), policy.claimLease(), message.decideBy(),
                        deadline);
            }
        }
        return claim;
    }

    private Attempt failPermanently(QueuedMessage message, DeliveryError error, Deadline deadline) {
        records.markFailed(message.messageId(), error, clock.instant(), deadline);
        metrics.count("MessagesFailed", 1);
        return new Attempt(DeliveryOutcome.FAILED, MessageStatus.FAILED, error, null, -1);
    }

    private Attempt send(QueuedMessage message, Prepared prepared, int receiveCount, Deadline deadline) {
        long callStarted = System.nanoTime();
        // Stands for the message's Facebook timestamp until its echo brings it (receipts compare with it).
        Instant sendStartedAt = clock.instant();
        GraphSendOutcome outcome;
        try {
            outcome = call(message, prepared, deadline);
            if (outcome instanceof GraphSendOutcome.Failed failed && credentialsRejected(failed.error())) {
                Optional<Prepared> rotated;
                try {
                    rotated = withFreshSecrets(message, prepared);
                } catch (DependencyUnavailableException e) {
                    // Whether the credential rotated is not known: Facebook refused this call, so later, never "failed".
                    logger.warn("credentials_refresh_failed").with("message_id", message.messageId())
                            .with("page_id", message.pageId()).with(e).write();
                    metrics.count("DependencyFailures", 1);
                    rotated = Optional.empty();
                    outcome = new GraphSendOutcome.Failed(failed.error(), true);
                }
                if (rotated.isPresent()) {
                    // The page token or app secret changed since it was cached: once more with the new one.
                    metrics.count("CredentialsRefreshed", 1);
                    logger.info("credentials_refreshed").with("message_id", message.messageId())
                            .with("page_id", message.pageId()).with("graph_code", failed.error().code()).write();
                    sendStartedAt = clock.instant();
                    outcome = call(message, rotated.get(), deadline);
                }
            }
        } catch (IllegalArgumentException e) {
            // Only for arguments the client refuses before calling (e.g. a page id that is not digits).
            return failPermanently(message, new DeliveryError(INVALID_MESSAGE, null, e.getMessage(), false), deadline);
        }
        long graphLatencyMs = elapsedMs(callStarted);
        metrics.milliseconds("GraphLatency", graphLatencyMs);
        return settle(message, prepared, receiveCount, deadline, outcome, sendStartedAt, graphLatencyMs);
    }

    private GraphSendOutcome call(QueuedMessage message, Prepared prepared, Deadline deadline) {
        return graph.send(message.pageId(), prepared.page().pageAccessToken(), prepared.appSecret(),
                prepared.body(), deadline.minus(SETTLE_RESERVE).cap(GraphSendClient.DEFAULT_TIMEOUT));
    }

    /**
     * Graph says the page token (code 190) or the {@code appsecret_proof} (code 100 naming it) is
     * invalid: the cached secret may be older than a rotation.
     */
    static boolean credentialsRejected(GraphError error) {
        Integer code = error.code();
        return code != null && (code == 190
                || (code == 100 && error.message().toLowerCase(java.util.Locale.ROOT).contains("appsecret_proof")));
    }

    /**
     * The page's token and the app secret fetched again, bypassing the cache; empty when neither
     * changed (retrying would fail the same way).
     *
     * @throws DependencyUnavailableException when Secrets Manager could not be read: the failure
     *         is then transient, never permanent
     */
    private Optional<Prepared> withFreshSecrets(QueuedMessage message, Prepared prepared) {
        Optional<PageSecrets> page = secrets.refreshPageSecrets(message.pageId())
                .filter(p -> p.pageAccessToken() != null && !p.pageAccessToken().isBlank());
        String appSecret = secrets.refreshAppSecrets().map(AppSecrets::appSecret)
                .filter(s -> !s.isEmpty()).orElse(null);
        if (page.isEmpty() || (page.get().pageAccessToken().equals(prepared.page().pageAccessToken())
                && Objects.equals(appSecret, prepared.appSecret()))) {
            return Optional.empty();
        }
        return Optional.of(new Prepared(page.get(), appSecret, prepared.recipient(), prepared.body(), null));
    }

    private Attempt settle(QueuedMessage message, Prepared prepared, int receiveCount, Deadline deadline,
                           GraphSendOutcome outcome, Instant sendStartedAt, long graphLatencyMs) {
        boolean lastReceive = receiveCount >= policy.maxReceiveCount();
        if (outcome instanceof GraphSendOutcome.Sent sent) {
            pacing.sent(message.pageId(), clock.instant());
            String psid = prepared.recipient().psid() != null ? prepared.recipient().psid() : sent.recipientId();
            metrics.count("MessagesSent", 1);
            QueuedMessage.Sent done = new QueuedMessage.Sent(sent.facebookMessageId(), psid, sendStartedAt);
            try {
                markSent(message, done, deadline.minus(SENT_COPY_RESERVE));
            } catch (DependencyUnavailableException e) {
                return new Attempt(sentNotRecorded(message, done, deadline, e), MessageStatus.SENT, null,
                        sent.facebookMessageId(), graphLatencyMs);
            }
            recordOffers(message, psid, done.at());
            return new Attempt(DeliveryOutcome.SENT, MessageStatus.SENT, null, sent.facebookMessageId(),
                    graphLatencyMs);
        }
        if (outcome instanceof GraphSendOutcome.Unknown unknown) {
            DeliveryError error = toDeliveryError(unknown.error(), true);
            metrics.count("SendOutcomeUnknown", 1);
            if (lastReceive) {
                // An echo that still comes moves it to sent (confirmByEcho accepts failed).
                records.markFailed(message.messageId(), error, clock.instant(), deadline);
                metrics.count("MessagesFailed", 1);
                return new Attempt(DeliveryOutcome.FAILED_LAST_ATTEMPT, MessageStatus.FAILED, error, null,
                        graphLatencyMs);
            }
            records.markUnknown(message.messageId(), error, clock.instant(), deadline);
            return new Attempt(DeliveryOutcome.UNKNOWN_OUTCOME, MessageStatus.SENDING, error, null, graphLatencyMs);
        }
        if (outcome instanceof GraphSendOutcome.Throttled throttled) {
            return throttled(message, throttled, graphLatencyMs, deadline);
        }
        GraphSendOutcome.Failed failed = (GraphSendOutcome.Failed) outcome;
        if (!failed.transientFailure()) {
            DeliveryError error = toDeliveryError(failed.error(), false);
            records.markFailed(message.messageId(), error, clock.instant(), deadline);
            metrics.count("MessagesFailed", 1);
            return new Attempt(DeliveryOutcome.FAILED, MessageStatus.FAILED, error, null, graphLatencyMs);
        }
        DeliveryError error = toDeliveryError(failed.error(), true);
        if (lastReceive) {
            records.markFailed(message.messageId(), error, clock.instant(), deadline);
            metrics.count("MessagesFailed", 1);
            return new Attempt(DeliveryOutcome.FAILED_LAST_ATTEMPT, MessageStatus.FAILED, error, null,
                    graphLatencyMs);
        }
        records.markRetrying(message.messageId(), error, clock.instant(), deadline);
        metrics.count("MessagesRetried", 1);
        return new Attempt(DeliveryOutcome.RETRY, MessageStatus.QUEUED, error, null, graphLatencyMs);
    }

    /** The {@code sent} write, tried again briefly (within {@code deadline}) when DynamoDB fails. */
    private void markSent(QueuedMessage message, QueuedMessage.Sent sent, Deadline deadline) {
        for (int attempt = 1; ; attempt++) {
            try {
                records.markSent(message.messageId(), message.pageId(), sent.facebookMessageId(), sent.psid(),
                        sent.at(), clock.instant(), deadline);
                return;
            } catch (DependencyUnavailableException e) {
                Duration pause = MARK_SENT_PAUSE.multipliedBy(attempt);
                if (attempt >= MARK_SENT_TRIES || deadline.remaining().compareTo(pause) <= 0) {
                    throw e;
                }
                sleep(pause);
            }
        }
    }

    /**
     * Facebook has the message but its record says {@code sending}: a copy that only records it
     * goes back on the queue. If the queue refuses it too, the message is acknowledged anyway
     * (sending it twice would be worse) and the page's echo records it.
     */
    private DeliveryOutcome sentNotRecorded(QueuedMessage message, QueuedMessage.Sent sent, Deadline deadline,
                                            DependencyUnavailableException cause) {
        try {
            sentCopies.enqueue(message.withSent(sent), SENT_COPY_DELAY_SECONDS, deadline);
            logger.warn("mark_sent_requeued")
                    .with("message_id", message.messageId())
                    .with("page_id", message.pageId())
                    .with("facebook_message_id", sent.facebookMessageId())
                    .with(cause)
                    .write();
            metrics.count("SentRecordsRequeued", 1);
            return DeliveryOutcome.SENT_RECORD_REQUEUED;
        } catch (DependencyUnavailableException e) {
            logger.error("mark_sent_failed")
                    .with("message_id", message.messageId())
                    .with("page_id", message.pageId())
                    .with("facebook_message_id", sent.facebookMessageId())
                    .with(cause)
                    .write();
            metrics.count("SentNotRecorded", 1);
            recordOffers(message, sent.psid(), sent.at());
            return DeliveryOutcome.SENT_NOT_RECORDED;
        }
    }

    /** The receive of a copy that carries a send Facebook already accepted: record it, send nothing. */
    private DeliveryOutcome recordSentCopy(QueuedMessage message, int receiveCount, long started, Deadline deadline) {
        QueuedMessage.Sent sent = message.sent();
        markSent(message, sent, deadline);
        recordOffers(message, sent.psid(), sent.at());
        metrics.count("SentRecordedLate", 1);
        logger.info("message_delivery")
                .with("message_id", message.messageId())
                .with("page_id", message.pageId())
                .with("outcome", DeliveryOutcome.SENT_RECORDED.wireName())
                .with("status", MessageStatus.SENT.wireName())
                .with("attempt", receiveCount)
                .with("latency_ms", elapsedMs(started))
                .with("facebook_message_id", sent.facebookMessageId())
                .write();
        return DeliveryOutcome.SENT_RECORDED;
    }

    /**
     * Facebook throttled the page: pace it, and put the message back (queued, with the throttle as
     * its error) until the slot the pace reserved for it; its receives are not spent.
     */
    private Attempt throttled(QueuedMessage message, GraphSendOutcome.Throttled throttled, long graphLatencyMs,
                              Deadline deadline) {
        Instant now = clock.instant();
        PagePacing.Throttle pace;
        try {
            pace = pacing.throttled(message.pageId(), throttled.comeBackAfter(), now);
        } catch (DependencyUnavailableException e) {
            // The shared pace cannot be read or written: back off on Facebook's word alone, a little more.
            logger.warn("page_pace_unavailable").with("page_id", message.pageId()).with(e).write();
            pace = new PagePacing.Throttle(now.plus(throttled.comeBackAfter()).plus(UNPACED_BACKOFF), 0);
        }
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
        if (throttledTooLong(message, now)) {
            return failRateLimited(message, throttled.error(), graphLatencyMs, deadline);
        }
        DeliveryError error = toDeliveryError(throttled.error(), true);
        records.markRetrying(message.messageId(), error, now, deadline);
        return new Attempt(DeliveryOutcome.THROTTLED, MessageStatus.QUEUED, error, null, graphLatencyMs,
                Duration.ofSeconds(wait.getSeconds()), message.throttled(now, pace.slot()));
    }

    /**
     * A message the queue moved to the dead-letter queue: whatever its last receive did (an
     * invocation killed on its last receive records nothing), the message will not be attempted
     * again, so a record still pending, queued or sending becomes {@code failed} (retryable). A
     * record already settled (sent by its echo, or failed with a reason) stays as it is.
     */
    public DeliveryOutcome recordDeadLettered(QueuedMessage message, int receiveCount, Deadline deadline) {
        DeliveryError error = new DeliveryError(RETRIES_EXHAUSTED, null,
                "the message left the retry cycle after " + receiveCount + " receives without a recorded delivery",
                true);
        try {
            if (message.sent() != null) {
                // A copy that records a send: Facebook has the message, so it is sent, never failed.
                markSent(message, message.sent(), deadline);
                recordOffers(message, message.sent().psid(), message.sent().at());
                metrics.count("SentRecordedLate", 1);
                return DeliveryOutcome.DEAD_LETTER_RECORDED;
            }
            records.markFailed(message.messageId(), error, clock.instant(), deadline);
        } catch (DependencyUnavailableException e) {
            logger.warn("dead_letter_not_recorded").with("message_id", message.messageId())
                    .with("page_id", message.pageId()).with(e).write();
            metrics.count("DependencyFailures", 1);
            return DeliveryOutcome.DEPENDENCY_UNAVAILABLE;
        }
        logger.error("message_dead_lettered").with("message_id", message.messageId())
                .with("page_id", message.pageId()).with("outcome", DeliveryOutcome.DEAD_LETTER_RECORDED.wireName())
                .write();
        metrics.count("MessagesDeadLettered", 1);
        return DeliveryOutcome.DEAD_LETTER_RECORDED;
    }

    /**
     * A record of the dead-letter queue whose body is not a queued message: counted
     * ({@code DeadLettersUnreadable}) and logged without its body; when its {@code message_id}
     * attribute names the message, that message is recorded {@code failed} (retryable), since it
     * will not be attempted again.
     *
     * @param messageId    the {@code message_id} attribute, when the record has one
     * @param sqsMessageId SQS's id of the record, for the log
     */
    public DeliveryOutcome recordUnreadableDeadLetter(Optional<String> messageId, String sqsMessageId,
                                                      int receiveCount, Deadline deadline) {
        if (messageId.isPresent()) {
            DeliveryError error = new DeliveryError(UNREADABLE_MESSAGE, null,
                    "the queued message could not be read; it left the retry cycle after " + receiveCount
                            + " receives", true);
            try {
                records.markFailed(messageId.get(), error, clock.instant(), deadline);
            } catch (DependencyUnavailableException e) {
                logger.warn("dead_letter_not_recorded").with("message_id", messageId.get())
                        .with("sqs_message_id", sqsMessageId).with(e).write();
                metrics.count("DependencyFailures", 1);
                return DeliveryOutcome.DEPENDENCY_UNAVAILABLE;
            }
        }
        logger.error("unreadable_dead_letter").with("sqs_message_id", sqsMessageId)
                .with("message_id", messageId.orElse(null)).with("recorded_failed", messageId.isPresent())
                .with("outcome", DeliveryOutcome.DEAD_LETTER_RECORDED.wireName()).write();
        metrics.count("DeadLettersUnreadable", 1);
        return DeliveryOutcome.DEAD_LETTER_RECORDED;
    }

    /**
     * The last receive the queue allows ended without a delivery (a dependency failed, or an
     * unexpected error): record {@code failed} (retryable) so the status does not say queued
     * for a message that will not be attempted again. Best effort: DynamoDB may be the cause.
     */
    public void giveUp(QueuedMessage message, DeliveryOutcome outcome, Deadline deadline) {
        if (message.sent() != null) {
            // Facebook has it: never failed. The dead-letter queue's receive records it sent.
            logger.warn("sent_record_left_to_dead_letter_queue").with("message_id", message.messageId())
                    .with("page_id", message.pageId()).write();
            return;
        }
        String code = outcome == DeliveryOutcome.DEPENDENCY_UNAVAILABLE ? DEPENDENCY_UNAVAILABLE : INTERNAL_ERROR;
        DeliveryError error = new DeliveryError(code, null,
                "no attempt succeeded before the queue's receive limit (" + outcome.wireName() + ")", true);
        try {
            records.markFailed(message.messageId(), error, clock.instant(), deadline);
            metrics.count("MessagesFailed", 1);
        } catch (RuntimeException e) {
            logger.error("give_up_not_recorded").with("message_id", message.messageId())
                    .with("page_id", message.pageId()).with(e).write();
        }
    }

    /**
     * A sent message that offers the user's phone or e-mail as quick replies, or has {@code text}
     * quick replies whose payloads look like one: the webhook binds a tap only against an offer
     * of its kind, and never a tap whose payload was a text quick reply's. Best effort: a failure
     * is logged and counted, never fails the delivery (the worst case is a tap that does not
     * bind: the offer and the text payloads are written in one request).
     */
    private void recordOffers(QueuedMessage message, String psid, Instant at) {
        Set<QuickReplyOffers.Kind> kinds = QuickReplyOffers.Kind.offeredBy(message.message());
        Set<String> textPayloads = QuickReplyOffers.textPayloads(message.message(), MessageDelivery::contactLike);
        if ((kinds.isEmpty() && textPayloads.isEmpty()) || psid == null) {
            return;
        }
        try {
            offers.record(message.pageId(), psid, kinds, textPayloads, at);
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
        return PHONE_NUMBERS.normalize(payload).isPresent() || EMAILS.normalize(payload).isPresent();
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
                .with("recipient_type", message.recipient().type().wireName())
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

    private static void sleep(Duration duration) {
        SdkFailures.pauseBeforeRetry("DynamoDB", duration.toMillis());
    }

    private static long elapsedMs(long startedNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
    }
}
