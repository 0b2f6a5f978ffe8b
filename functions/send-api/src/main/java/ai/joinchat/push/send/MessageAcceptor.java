package ai.joinchat.push.send;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.DependencyUnavailableException;
import ai.joinchat.push.aws.SdkFailures;
import ai.joinchat.push.http.ErrorCode;
import ai.joinchat.push.http.HttpApiResponse;
import ai.joinchat.push.observability.JsonLogger;
import ai.joinchat.push.observability.Metrics;
import ai.joinchat.push.queue.OutboundQueue;
import ai.joinchat.push.store.IdempotencyKeys;
import ai.joinchat.push.store.MessageRecord;
import ai.joinchat.push.store.MessageRecords;
import ai.joinchat.push.store.MessageRecords.Decision;
import ai.joinchat.push.store.MessageStatus;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
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
 *   <li>Without a key, the {@code pending} record is written while SQS takes the message: two
 *       calls at once, one round trip, and 202 as soon as both succeeded. The worker may send a
 *       pending record as soon as it holds its copy: the copy proves SQS took it.</li>
 *   <li>With a key ({@code Idempotency-Key}, or a timestamped signature's replay key), the keys
 *       and the pending record are written first, in one transaction, so a repeat finds the key
 *       and enqueues nothing; then SQS takes the message; then the record is committed
 *       ({@code queued}), so that a repeat can tell a message that was answered 202 from one
 *       whose request died before SQS took it. Three round trips, in order.</li>
 *   <li>Anything failed: the record is rejected (written {@code rejected} even if the first
 *       write never landed) and the answer is 503; the worker drops whatever SQS holds.</li>
 * </ol>
 *
 * The store settles every race with one conditional write: a commit that finds the record
 * rejected answers 503; a rejection that finds it committed, or already claimed by the worker,
 * answers 202. Only when neither can be written in time is the outcome unknown: then the answer is
 * 500, never a guess (with a key: retry with it; without: the message id, to look up).
 *
 * <p>A key held by another message: that message is answered instead. Committed (owed a
 * delivery): 202 with its id. Still {@code pending}: it is rejected now (unless the worker's claim
 * came first) and this request sends its own copy, so a retry yields exactly one delivery and no
 * 202 is ever given for a message SQS may not hold. Never delivered: an {@code Idempotency-Key}
 * is taken over, but a replay key never is: a replay answers what its first request was answered,
 * 503 included. When the earlier message cannot be read in time, or the keys cannot, the answer
 * is 500: a request whose key may stand for a message that is owed a delivery is never answered
 * 503. So before any keyed 503 the keys are read again: 503 only when every key is free or stands
 * for a message that will never be delivered, and every replay key stands for one (so that a
 * replay of this request answers 503 too).
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

    /**
     * The keys of a request: its {@code Idempotency-Key} and, for a timestamped signature, its
     * replay key (both, when both are there: a replay with another header is still a replay).
     */
    record Key(String pageId, Optional<String> idempotencyKey, Optional<String> replayKey, String requestHash) {
        Key {
            if (idempotencyKey.isEmpty() && replayKey.isEmpty()) {
                throw new IllegalArgumentException("a key needs an Idempotency-Key or a replay key");
            }
        }

        List<String> all() {
            List<String> all = new ArrayList<>(2);
            idempotencyKey.ifPresent(all::add);
            replayKey.ifPresent(all::add);
            return all;
        }

        boolean isReplay(String key) {
            return replayKey.isPresent() && replayKey.get().equals(key);
        }
    }

    /**
     * @param accepted the 202 body this message gets
     * @param key      the request's keys, if any
     */
    HttpApiResponse accept(Acceptance acceptance, String accepted, Optional<Key> key, Deadline deadline) {
        return key.isPresent() ? acceptWithKey(acceptance, accepted, key.get(), deadline)
                : acceptWithoutKey(acceptance, accepted, deadline);
    }

    /** One round trip: the record and SQS's copy are written at once; 202 as soon as both exist. */
    private HttpApiResponse acceptWithoutKey(Acceptance acceptance, String accepted, Deadline deadline) {
        MessageRecord record = acceptance.record();
        CompletableFuture<Void> enqueued = CompletableFuture.runAsync(
                () -> queue.enqueue(acceptance.queued(), acceptance.delaySeconds(), deadline), executor);
        RuntimeException recordFailure = null;
        try {
            records.createPending(record, deadline);
        } catch (DependencyUnavailableException e) {
            recordFailure = e;
        }
        RuntimeException queueFailure = await(enqueued, deadline);
        if (recordFailure != null && SdkFailures.certainlyNotApplied(recordFailure)) {
            // No record exists and none will: the worker drops whatever SQS holds of it.
            log.warn("send_failed").with("message_id", record.messageId()).with("page_id", record.pageId())
                    .with(recordFailure).write();
            metrics.count("DependencyFailures", 1);
            return unavailable();
        }
        if (recordFailure != null || queueFailure != null) {
            return abandon(record, recordFailure != null ? recordFailure : queueFailure, accepted, Optional.empty(),
                    deadline);
        }
        // Nobody can ask about this message again (no key): the worker sends the pending record
        // whose copy it holds, and nothing needs to tell a retry that this request was answered.
        return new HttpApiResponse(202, Map.of("content-type", "application/json"), accepted);
    }

    /**
     * The keys first (with the pending record, one transaction), so that a repeat enqueues
     * nothing; then SQS; then the commit, which tells a later repeat that this one was answered.
     */
    private HttpApiResponse acceptWithKey(Acceptance acceptance, String accepted, Key key, Deadline deadline) {
        MessageRecord mine = acceptance.record();
        String previousHolder = null;
        for (int attempt = 0; attempt < TAKEOVER_ATTEMPTS; attempt++) {
            IdempotencyKeys.Claim claim;
            try {
                claim = keys.claim(key.pageId(), key.all(), mine(key, mine, accepted), mine, previousHolder,
                        clock.instant(), deadline);
            } catch (DependencyUnavailableException e) {
                return abandon(mine, e, accepted, Optional.of(key), deadline); // it may have landed: reject ours
            }
            Map<String, IdempotencyKeys.Reservation> holders;
            if (claim instanceof IdempotencyKeys.Claim.Won) {
                if (previousHolder != null) {
                    log.info("idempotency_key_taken_over").with("message_id", mine.messageId())
                            .with("previous_message_id", previousHolder).with("page_id", key.pageId()).write();
                }
                return enqueueAndCommit(acceptance, accepted, key, deadline);
            } else if (claim instanceof IdempotencyKeys.Claim.Held held) {
                holders = held.holders();
            } else {
                // Nothing written (a concurrent claim of the key, throttling): whoever holds the keys decides.
                try {
                    holders = heldByOthers(keys.holders(key.pageId(), key.all(), clock.instant(), deadline), mine);
                } catch (DependencyUnavailableException e) {
                    return outcomeUnknown(mine.messageId(), key); // a key held by an owed message is not ruled out
                }
                if (holders.isEmpty()) {
                    pause(attempt, deadline);
                    continue; // free: claim them again
                }
            }
            Optional<HttpApiResponse> answer = answerForHolders(holders, key, deadline);
            if (answer.isPresent()) {
                return answer.get();
            }
            previousHolder = holders.values().iterator().next().messageId(); // never delivered: take the key over
        }
        // Out of attempts (the keys kept changing hands, or DynamoDB kept refusing): nothing of ours
        // is written; the keys say whether that may be answered 503.
        return refuse(key, mine.messageId(), deadline);
    }

    /**
     * The answer when other messages hold the request's keys; empty when the key may be taken
     * over (its holder is never delivered, and it is an {@code Idempotency-Key}).
     */
    private Optional<HttpApiResponse> answerForHolders(Map<String, IdempotencyKeys.Reservation> holders, Key key,
                                                       Deadline deadline) {
        for (IdempotencyKeys.Reservation earlier : holders.values()) {
            if (!earlier.requestHash().equals(key.requestHash())) {
                return Optional.of(conflict());
            }
        }
        for (IdempotencyKeys.Reservation earlier : new LinkedHashSet<>(holders.values())) {
            Owed owed = owed(earlier.messageId(), deadline);
            if (owed == Owed.UNKNOWN) {
                return Optional.of(outcomeUnknown(earlier.messageId(), key));
            }
            if (owed == Owed.YES) {
                log.info("idempotent_replay").with("message_id", earlier.messageId()).with("page_id", key.pageId())
                        .write();
                return Optional.of(new HttpApiResponse(202, Map.of("content-type", "application/json"),
                        earlier.responseBody()));
            }
        }
        if (holders.keySet().stream().anyMatch(key::isReplay)) {
            // A replay of a request whose message is never delivered: its first answer was 503.
            log.info("replay_refused").with("message_id", holders.values().iterator().next().messageId())
                    .with("page_id", key.pageId()).write();
            metrics.count("ReplaysRefused", 1);
            return Optional.of(unavailable());
        }
        return Optional.empty();
    }

    private HttpApiResponse enqueueAndCommit(Acceptance acceptance, String accepted, Key key, Deadline deadline) {
        MessageRecord mine = acceptance.record();
        try {
            queue.enqueue(acceptance.queued(), acceptance.delaySeconds(), deadline);
        } catch (DependencyUnavailableException e) {
            return abandon(mine, e, accepted, Optional.of(key), deadline);
        }
        Decision decision;
        try {
            decision = records.commit(mine.messageId(), deadline);
        } catch (DependencyUnavailableException e) {
            return abandon(mine, e, accepted, Optional.of(key), deadline);
        }
        return answer(decision, mine, accepted, Optional.of(key), "commit", deadline);
    }

    /**
     * This request's own message is never delivered (rejected, or never written): 503, unless a
     * key says otherwise. Another message holding a key answers for it as on a retry, read only: 202
     * when it is committed, 500 while it is pending (its request may still commit it). A replay
     * key that holds nothing is 500 too: a replay could still be accepted, so 503 would not be
     * what a replay answers.
     */
    private HttpApiResponse refuse(Key key, String messageId, Deadline deadline) {
        Map<String, IdempotencyKeys.Reservation> holders;
        try {
            holders = keys.holders(key.pageId(), key.all(), clock.instant(), deadline);
        } catch (DependencyUnavailableException e) {
            return outcomeUnknown(messageId, key);
        }
        for (String name : key.all()) {
            IdempotencyKeys.Reservation holder = holders.get(name);
            if (holder == null) {
                if (key.isReplay(name)) {
                    return outcomeUnknown(messageId, key);
                }
                continue;
            }
            if (holder.messageId().equals(messageId)) {
                continue;
            }
            if (!holder.requestHash().equals(key.requestHash())) {
                return conflict();
            }
            Optional<MessageRecord> record;
            try {
                record = records.find(holder.messageId(), deadline);
            } catch (DependencyUnavailableException e) {
                return outcomeUnknown(holder.messageId(), key);
            }
            MessageStatus status = record.map(MessageRecord::status).orElse(MessageStatus.REJECTED);
            if (status == MessageStatus.PENDING) {
                return outcomeUnknown(holder.messageId(), key);
            }
            if (status.committed()) {
                log.info("idempotent_replay").with("message_id", holder.messageId()).with("page_id", key.pageId())
                        .write();
                return new HttpApiResponse(202, Map.of("content-type", "application/json"), holder.responseBody());
            }
        }
        return unavailable();
    }

    /** Something failed before the commit: reject the record so the message is never delivered. */
    private HttpApiResponse abandon(MessageRecord record, RuntimeException cause, String accepted, Optional<Key> key,
                                    Deadline deadline) {
        log.warn("send_failed").with("message_id", record.messageId()).with("page_id", record.pageId())
                .with(cause).write();
        metrics.count("DependencyFailures", 1);
        Optional<Decision> decision = rejectByDeadline(record, deadline);
        if (decision.isEmpty()) {
            // Neither commit nor rejection could be written: the record is pending (delivered if
            // SQS took it) or already committed or rejected. Say so, do not guess.
            return key.isPresent() ? outcomeUnknown(record.messageId(), key.get())
                    : outcomeUnknown(record.messageId());
        }
        return answer(decision.get(), record, accepted, key, "reject", deadline);
    }

    /** With a key: a retry with it settles the outcome. */
    private HttpApiResponse outcomeUnknown(String messageId, Key key) {
        logOutcomeUnknown(messageId, key.pageId());
        return HttpApiResponse.error(ErrorCode.INTERNAL_ERROR, key.idempotencyKey().isPresent()
                ? "The outcome is unknown; retry with the same Idempotency-Key to get exactly one delivery."
                : "The outcome is unknown; send the same signed request again (same timestamp) within 300 s: it"
                        + " answers what became of it and is never delivered twice.");
    }

    /** Without a key nothing can ask again for this request: name its message, which status can look up. */
    private HttpApiResponse outcomeUnknown(String messageId) {
        logOutcomeUnknown(messageId, null);
        return HttpApiResponse.error(ErrorCode.INTERNAL_ERROR, "The outcome of message " + messageId
                + " is unknown: it is delivered at most once. POST /api/message_status with this message_id says"
                + " whether it was; sending it again may deliver it twice.");
    }

    private void logOutcomeUnknown(String messageId, String pageId) {
        log.error("send_outcome_unknown").with("message_id", messageId).with("page_id", pageId).write();
        metrics.count("SendOutcomeUnknown", 1);
    }

    private HttpApiResponse answer(Decision decision, MessageRecord record, String accepted, Optional<Key> key,
                                   String step, Deadline deadline) {
        if (decision == Decision.COMMITTED) {
            return new HttpApiResponse(202, Map.of("content-type", "application/json"), accepted);
        }
        log.info("message_rejected").with("message_id", record.messageId()).with("page_id", record.pageId())
                .with("step", step).write();
        metrics.count("MessagesRejected", 1);
        return key.isPresent() ? refuse(key.get(), record.messageId(), deadline) : unavailable();
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

    /** Whether an earlier message is owed a delivery. */
    private enum Owed { YES, NO, UNKNOWN }

    /**
     * YES when the earlier message is committed (queued, or further); NO when it is rejected, has
     * no record, or is still pending and gets rejected now, so that this request's copy goes
     * instead: a pending record may have no copy in SQS at all, so it is never answered 202.
     * UNKNOWN when it cannot be read in time, or the rejection failed after it may have landed.
     */
    private Owed owed(String messageId, Deadline deadline) {
        Optional<MessageRecord> record;
        try {
            record = records.find(messageId, deadline);
        } catch (DependencyUnavailableException e) {
            return Owed.UNKNOWN;
        }
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

    /** The holders that are not this request's own message (its own earlier try may have landed). */
    private static Map<String, IdempotencyKeys.Reservation> heldByOthers(Map<String, IdempotencyKeys.Reservation> holders,
                                                                        MessageRecord mine) {
        Map<String, IdempotencyKeys.Reservation> others = new LinkedHashMap<>(holders);
        others.values().removeIf(holder -> holder.messageId().equals(mine.messageId()));
        return others;
    }

    private HttpApiResponse conflict() {
        metrics.count("IdempotencyConflicts", 1);
        return HttpApiResponse.error(ErrorCode.IDEMPOTENCY_CONFLICT, "This Idempotency-Key was used with a different body.");
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
            return SdkFailures.unavailable("SQS", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return SdkFailures.unavailable("SQS", e);
        } catch (ExecutionException e) {
            return e.getCause() instanceof RuntimeException r ? r : SdkFailures.unavailable("SQS", e.getCause());
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
