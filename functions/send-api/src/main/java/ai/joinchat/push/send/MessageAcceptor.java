package ai.joinchat.push.send;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.DependencyUnavailableException;
import ai.joinchat.push.aws.AwsCalls;
import ai.joinchat.push.http.ErrorCode;
import ai.joinchat.push.http.HttpApiResponse;
import ai.joinchat.push.observability.JsonLogger;
import ai.joinchat.push.observability.Metrics;
import ai.joinchat.push.queue.Acceptance;
import ai.joinchat.push.queue.OutboundQueue;
import ai.joinchat.push.store.IdempotencyKeys;
import ai.joinchat.push.store.MessageRecord;
import ai.joinchat.push.store.MessageRecords;
import ai.joinchat.push.store.MessageRecords.Decision;
import ai.joinchat.push.store.MessageStatus;

import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The send API's commit protocol: what makes a 202 mean "delivered exactly once, or failed with
 * the reason" and a 503 mean "never delivered", whatever fails and whichever reply is lost.
 *
 * <ol>
 *   <li>The {@code pending} record (with the {@code Idempotency-Key}, in one transaction) is
 *       written while SQS takes the message: two calls at once, one round trip.</li>
 *   <li>Both succeeded: the record is committed ({@code queued}) and the answer is 202.</li>
 *   <li>Anything failed: the record is rejected (written {@code rejected} even if the first
 *       write never landed) and the answer is 503; the worker drops whatever SQS holds.</li>
 * </ol>
 *
 * The store settles races: a commit that finds the record rejected answers 503, a rejection that
 * finds it committed answers 202. Only when neither can be written before the deadline is the
 * outcome unknown: then the answer is 500 (retry with the same key), never a guess. The worker
 * delivers a record still {@code pending} after its decision time when it holds its SQS copy (the
 * invocation that wrote it is over, so its caller saw no answer); an idempotent retry instead
 * rejects a pending record (the worker's claim wins if it came first) and sends its own copy, so
 * a retry yields exactly one delivery and a 202 is never given for a record SQS may not hold.
 */
final class MessageAcceptor {

    private static final int TAKEOVER_ATTEMPTS = 3;
    /** How long a rejection is retried before the outcome is declared unknown. */
    static final java.time.Duration REJECT_PATIENCE = java.time.Duration.ofSeconds(3);

    private final MessageRecords records;
    private final IdempotencyKeys keys;
    private final OutboundQueue queue;
    private final ExecutorService executor;
    private final Clock clock;
    private final JsonLogger log;
    private final Metrics metrics;

    MessageAcceptor(MessageRecords records, IdempotencyKeys keys, OutboundQueue queue, ExecutorService executor,
                    Clock clock, JsonLogger log, Metrics metrics) {
        this.records = records;
        this.keys = keys;
        this.queue = queue;
        this.executor = executor;
        this.clock = clock;
        this.log = log;
        this.metrics = metrics;
    }

    /** A request with an {@code Idempotency-Key}: its page, key and body hash. */
    record Key(String pageId, String key, String requestHash) {
    }

    /**
     * @param accepted the 202 body this message gets
     * @param key      the request's idempotency key, if any
     */
    HttpApiResponse accept(Acceptance acceptance, String accepted, Optional<Key> key, Deadline deadline) {
        MessageRecord record = acceptance.record();
        CompletableFuture<Void> enqueued = CompletableFuture.runAsync(
                () -> queue.enqueue(acceptance.queued(), acceptance.delaySeconds(), deadline), executor);
        Optional<IdempotencyKeys.Reservation> holder = Optional.empty();
        RuntimeException recordFailure = null;
        try {
            if (key.isPresent()) {
                holder = keys.claim(record.pageId(), key.get().key(), mine(key.get(), record, accepted), record,
                        null, record.createdAt(), deadline);
            } else {
                records.createPending(record, deadline);
            }
        } catch (DependencyUnavailableException e) {
            recordFailure = e;
        }
        RuntimeException queueFailure = await(enqueued, deadline);

        if (recordFailure != null && AwsCalls.certainlyNotApplied(recordFailure)) {
            // No record exists and none will: the worker drops whatever SQS holds of it.
            log.warn("send_failed").with("message_id", record.messageId()).with("page_id", record.pageId())
                    .with(recordFailure).write();
            metrics.count("DependencyFailures", 1);
            return unavailable();
        }
        if (recordFailure != null || (holder.isEmpty() && queueFailure != null)) {
            return abandon(record, recordFailure != null ? recordFailure : queueFailure, accepted, deadline);
        }
        if (holder.isPresent()) {
            // Nothing of ours was written: the copy SQS may hold has no record and is dropped.
            return replay(acceptance, accepted, key.get(), holder.get(), queueFailure, deadline);
        }
        return commit(record, accepted, deadline);
    }

    private HttpApiResponse commit(MessageRecord record, String accepted, Deadline deadline) {
        Decision decision;
        try {
            decision = records.commit(record.messageId(), deadline);
        } catch (DependencyUnavailableException e) {
            return abandon(record, e, accepted, deadline);
        }
        return answer(decision, record, accepted, "commit");
    }

    /** Something failed before the commit: reject the record so the message is never delivered. */
    private HttpApiResponse abandon(MessageRecord record, RuntimeException cause, String accepted, Deadline deadline) {
        log.warn("send_failed").with("message_id", record.messageId()).with("page_id", record.pageId())
                .with(cause).write();
        metrics.count("DependencyFailures", 1);
        Optional<Decision> decision = rejectByDeadline(record, deadline);
        if (decision.isEmpty()) {
            // Neither commit nor rejection could be written: the record is pending (delivered once
            // its decision time passes) or already committed or rejected. Say so, do not guess.
            return outcomeUnknown(record.messageId(), record.pageId());
        }
        return answer(decision.get(), record, accepted, "reject");
    }

    private HttpApiResponse outcomeUnknown(String messageId, String pageId) {
        log.error("send_outcome_unknown").with("message_id", messageId).with("page_id", pageId).write();
        metrics.count("SendOutcomeUnknown", 1);
        return HttpApiResponse.error(ErrorCode.INTERNAL_ERROR,
                "The outcome is unknown; retry with the same Idempotency-Key to get exactly one delivery.");
    }

    private HttpApiResponse answer(Decision decision, MessageRecord record, String accepted, String step) {
        if (decision == Decision.COMMITTED) {
            return new HttpApiResponse(202, Map.of("content-type", "application/json"), accepted);
        }
        log.info("message_rejected").with("message_id", record.messageId()).with("page_id", record.pageId())
                .with("step", step).write();
        metrics.count("MessagesRejected", 1);
        return unavailable();
    }

    /**
     * Retries the rejection (each try is safe to repeat) until it is written, for a few seconds at
     * most and never past the deadline.
     */
    private Optional<Decision> rejectByDeadline(MessageRecord record, Deadline deadline) {
        Deadline patience = Deadline.in(REJECT_PATIENCE);
        for (int attempt = 0; !deadline.expired() && !patience.expired(); attempt++) {
            try {
                return Optional.of(records.reject(record.messageId(), record.pageId(), clock.instant(), deadline));
            } catch (DependencyUnavailableException e) {
                pause(attempt, deadline);
            }
        }
        return Optional.empty();
    }

    /**
     * The key names an earlier message. Answer its 202 if it is (or will be) delivered; otherwise
     * take the key over for this request, whose own message SQS already holds.
     */
    private HttpApiResponse replay(Acceptance acceptance, String accepted, Key key,
                                   IdempotencyKeys.Reservation earlier, RuntimeException queueFailure,
                                   Deadline deadline) {
        MessageRecord mine = acceptance.record();
        for (int attempt = 0; attempt < TAKEOVER_ATTEMPTS; attempt++) {
            if (!earlier.requestHash().equals(key.requestHash())) {
                metrics.count("IdempotencyConflicts", 1);
                return HttpApiResponse.error(ErrorCode.IDEMPOTENCY_CONFLICT,
                        "This Idempotency-Key was used with a different body.");
            }
            Owed owed = owed(earlier.messageId(), deadline);
            if (owed == Owed.UNKNOWN) {
                return outcomeUnknown(earlier.messageId(), key.pageId());
            }
            if (owed == Owed.YES) {
                log.info("idempotent_replay").with("message_id", earlier.messageId()).with("page_id", key.pageId())
                        .write();
                return new HttpApiResponse(202, Map.of("content-type", "application/json"), earlier.responseBody());
            }
            if (queueFailure != null) {
                return unavailable(); // our copy is not queued: nothing of ours can be delivered
            }
            Optional<IdempotencyKeys.Reservation> holder;
            try {
                holder = keys.claim(key.pageId(), key.key(), mine(key, mine, accepted), mine, earlier.messageId(),
                        clock.instant(), deadline);
            } catch (DependencyUnavailableException e) {
                return abandon(mine, e, accepted, deadline); // the takeover may have landed: reject ours
            }
            if (holder.isEmpty()) {
                log.info("idempotency_key_taken_over").with("message_id", mine.messageId())
                        .with("previous_message_id", earlier.messageId()).with("page_id", key.pageId()).write();
                return commit(mine, accepted, deadline);
            }
            earlier = holder.get();
        }
        return unavailable();
    }

    /** Whether an earlier message is owed a delivery. */
    private enum Owed { YES, NO, UNKNOWN }

    /**
     * YES when the earlier message is committed (queued, or further); NO when it is rejected, has
     * no record, or is still pending and gets rejected now, so that this request's copy goes
     * instead: a pending record may have no copy in SQS at all, so it is never answered 202.
     * UNKNOWN when the rejection failed after it may have landed.
     *
     * @throws DependencyUnavailableException when it cannot even be read (nothing was written)
     */
    private Owed owed(String messageId, Deadline deadline) {
        Optional<MessageRecord> record = records.find(messageId, deadline);
        if (record.isEmpty() || record.get().status() == MessageStatus.REJECTED) {
            return Owed.NO;
        }
        if (record.get().status() != MessageStatus.PENDING) {
            return Owed.YES;
        }
        try {
            // If the worker claimed it first (its copy was in SQS), the rejection finds it committed.
            Decision decision = records.reject(messageId, record.get().pageId(), clock.instant(), deadline);
            return decision == Decision.COMMITTED ? Owed.YES : Owed.NO;
        } catch (DependencyUnavailableException e) {
            return Owed.UNKNOWN;
        }
    }

    private static IdempotencyKeys.Reservation mine(Key key, MessageRecord record, String accepted) {
        return new IdempotencyKeys.Reservation(key.requestHash(), record.messageId(), accepted);
    }

    private static RuntimeException await(CompletableFuture<Void> future, Deadline deadline) {
        try {
            future.get(Math.max(1, deadline.remaining().toNanos()), TimeUnit.NANOSECONDS);
            return null;
        } catch (TimeoutException e) {
            future.cancel(true);
            return new DependencyUnavailableException("SQS", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new DependencyUnavailableException("SQS", e);
        } catch (ExecutionException e) {
            return e.getCause() instanceof RuntimeException r ? r : new DependencyUnavailableException("SQS", e.getCause());
        }
    }

    private static void pause(int attempt, Deadline deadline) {
        long millis = Math.min(50L << Math.min(attempt, 4), Math.max(0, deadline.remaining().toMillis()));
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static HttpApiResponse unavailable() {
        return HttpApiResponse.error(ErrorCode.UNAVAILABLE, "A dependency is unavailable; nothing was accepted. Retry later.");
    }
}
